/* Pins the layouts of the plugin ABI on LP64 (x86-64, aarch64 Linux): sizes and offsets that
 * plugins already built depend on. Compiled by ctest (AbiLayout.*) against the current header
 * and against the frozen 1.0 and 1.1 copies; a change that moves a released field fails here,
 * not in a user's cluster. Fields added in 1.1 and 1.2 are pinned too. */
#include <stddef.h>

#include "iter8/plugin_api.h"

#define PIN(type, field, offset) \
  _Static_assert(offsetof(type, field) == (offset), #type "." #field " moved")

_Static_assert(sizeof(void*) == 8 && sizeof(size_t) == 8, "layouts are pinned for LP64");

/* ---- ABI 1.0 ---- */
PIN(iter8_task_info, struct_size, 0);
PIN(iter8_task_info, name, 8);
PIN(iter8_task_info, description, 16);
PIN(iter8_task_info, input_schema, 24);
_Static_assert(sizeof(iter8_task_info) == 32, "iter8_task_info changed size");

PIN(iter8_plugin_descriptor, struct_size, 0);
PIN(iter8_plugin_descriptor, abi_major, 4);
PIN(iter8_plugin_descriptor, abi_minor, 6);
PIN(iter8_plugin_descriptor, library, 8);
PIN(iter8_plugin_descriptor, plugin_version, 16);
PIN(iter8_plugin_descriptor, task_count, 24);
PIN(iter8_plugin_descriptor, tasks, 32);
PIN(iter8_plugin_descriptor, tasks_stride, 40);
_Static_assert(sizeof(iter8_plugin_descriptor) == 48, "iter8_plugin_descriptor changed size");

PIN(iter8_task, struct_size, 0);
PIN(iter8_task, self, 8);
PIN(iter8_task, run, 16);
PIN(iter8_task, destroy, 24);
_Static_assert(sizeof(iter8_task) == 32, "iter8_task changed size");

PIN(iter8_host_services, struct_size, 0);
PIN(iter8_host_services, abi_major, 4);
PIN(iter8_host_services, abi_minor, 6);
PIN(iter8_host_services, host, 8);
PIN(iter8_host_services, log, 16);
PIN(iter8_host_services, log_enabled, 24);
PIN(iter8_host_services, write_termination_log, 32);
PIN(iter8_host_services, get_experiment, 40);
PIN(iter8_host_services, update_status, 48);
PIN(iter8_host_services, get_secret, 56);
PIN(iter8_host_services, interpolate, 64);
PIN(iter8_host_services, is_cancelled, 72);

_Static_assert(ITER8_OK == 0 && ITER8_ERR_INVALID_INPUT == 1 && ITER8_ERR_TASK_FAILED == 2 &&
                   ITER8_ERR_CANCELLED == 3 && ITER8_ERR_NOT_FOUND == 4 &&
                   ITER8_ERR_UNAVAILABLE == 5 && ITER8_ERR_INTERNAL == 6,
               "iter8_status values changed");
_Static_assert(ITER8_LOG_TRACE == 0 && ITER8_LOG_ERROR == 4, "iter8_log_level values changed");

#if ITER8_ABI_MINOR == 1
_Static_assert(sizeof(iter8_host_services) == 112, "iter8_host_services 1.1 changed size");
#endif
#if ITER8_ABI_MINOR >= 1
/* ---- ABI 1.1 ---- */
PIN(iter8_host_services, interpolate_with, 80);
PIN(iter8_host_services, json_lookup, 88);
PIN(iter8_host_services, wait_cancelled, 96);
PIN(iter8_host_services, handler_version, 104);

PIN(iter8_interpolate_options, struct_size, 0);
PIN(iter8_interpolate_options, missing_key, 4);
PIN(iter8_interpolate_options, field_names, 8);
PIN(iter8_interpolate_options, callable_count, 12);
PIN(iter8_interpolate_options, left_delim, 16);
PIN(iter8_interpolate_options, right_delim, 24);
PIN(iter8_interpolate_options, callables, 32);
_Static_assert(sizeof(iter8_interpolate_options) == 40, "iter8_interpolate_options changed size");

_Static_assert(ITER8_MISSING_KEY_NO_VALUE == 0 && ITER8_MISSING_KEY_EMPTY == 1 &&
                   ITER8_MISSING_KEY_ERROR == 2 && ITER8_FIELD_NAMES_JSON == 0 &&
                   ITER8_FIELD_NAMES_GO == 1 && ITER8_JSON_NULL == 0 && ITER8_JSON_OBJECT == 5,
               "1.1 enum values changed");
#else
_Static_assert(sizeof(iter8_host_services) == 80, "iter8_host_services 1.0 changed size");
#endif

#if ITER8_ABI_MINOR >= 2
/* ---- ABI 1.2 ---- */
_Static_assert(sizeof(iter8_host_services) == 120, "iter8_host_services 1.2 changed size");
PIN(iter8_host_services, cancel_reason, 112);
_Static_assert(ITER8_CANCEL_NONE == 0 && ITER8_CANCEL_SIGNAL == 1 &&
                   ITER8_CANCEL_TASK_TIMEOUT == 2 && ITER8_CANCEL_DEADLINE == 3,
               "1.2 enum values changed");
#endif
