/*
 * FROZEN COPY of iter8/plugin_api.h as released for ABI 1.1 (tests/abi/v1.1): never edit; the
 * suite builds a plugin against it (hello_c at 1.1) and pins its layout (AbiLayout.Frozen11Header).
 *
 * iter8/plugin_api.h: the stable C ABI between the iter8 `handler` host and task plugins.
 *
 * A plugin is one shared object per task library (`metrics.so`, `common.so`, ...). A task is
 * named `<library>/<task>` in an experiment. The host loads every plugin in its plugin folders,
 * reads the plugin's descriptor, and asks it to make tasks from TaskSpecs.
 *
 * Prefixes, one per role:
 *   iter8_plugin_*   implemented by the plugin, called by the host;
 *   iter8_host_*     implemented by the host, called by the plugin;
 *   iter8_* / ITER8_ shared types and constants.
 *
 * Design note: why a descriptor *variable* and sizes everywhere.
 *   The host must be able to refuse a plugin built for another ABI before running any of its
 *   code. PostgreSQL's magic block does the same job through a function (PG_MODULE_MAGIC
 *   defines Pg_magic_func, which the server calls), precisely so that it never reads a data
 *   symbol, which some platforms it supports cannot export portably; on the ELF platforms the
 *   handler runs on, a `const` data symbol can be read without executing anything in the
 *   plugin (beyond the static initialisers the dynamic loader runs), so here the descriptor is
 *   data, not a function.
 *   Every struct that crosses the boundary starts with `struct_size` and only ever grows at
 *   the end: a reader checks `struct_size` before reading a field added in a later minor
 *   version, so minor versions stay compatible in both directions.
 *
 * Design note: who allocates.
 *   Nothing allocated on one side is freed on the other. Strings the host hands back to a
 *   plugin (the experiment, a secret, an interpolated template) are delivered through an
 *   `iter8_sink` callback that the plugin supplies: the plugin copies the bytes into storage
 *   it owns. Error messages travel the other way in caller-owned buffers.
 *
 * Only C types cross: UTF-8 text, fixed-width integers, plain structs, function pointers.
 * No C++ exceptions may cross; the C++ layer (iter8/task.hpp) catches them at the boundary.
 *
 * This header compiles as C11 and as C++17.
 */
#ifndef ITER8_PLUGIN_API_H
#define ITER8_PLUGIN_API_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ABI version. The host accepts a plugin whose major equals the host's and whose minor is
 * not higher than the host's. Bump the minor when appending fields or services; bump the
 * major for any other change. */
#define ITER8_ABI_MAJOR 1
#define ITER8_ABI_MINOR 1

/* Names of the symbols a plugin exports with C linkage, both declared at the end of this file:
 *   const iter8_plugin_descriptor iter8_plugin_info;   (data, read first)
 *   iter8_status MakeTask(...);                        (the entry point; see MakeTask below)
 * The entry point keeps the name the Iter8 design gave it; the descriptor is a variable of type
 * iter8_plugin_descriptor, and in C a type and a variable cannot share a name. */
#define ITER8_PLUGIN_DESCRIPTOR_SYMBOL "iter8_plugin_info"
#define ITER8_PLUGIN_MAKE_TASK_SYMBOL "MakeTask"

/* Symbol visibility: plugins are built with -fvisibility=hidden and export only the two
 * contract symbols, marked with this macro. */
#if defined(__GNUC__) || defined(__clang__)
#define ITER8_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define ITER8_PLUGIN_EXPORT
#endif

/* Result of every fallible call across the boundary. */
typedef enum iter8_status {
  ITER8_OK = 0,
  ITER8_ERR_INVALID_INPUT = 1, /* the TaskSpec or an argument is not acceptable */
  ITER8_ERR_TASK_FAILED = 2,   /* the task ran and failed */
  ITER8_ERR_CANCELLED = 3,     /* the run was cancelled (SIGTERM to the host) */
  ITER8_ERR_NOT_FOUND = 4,     /* a looked-up object (secret, key) does not exist */
  ITER8_ERR_UNAVAILABLE = 5,   /* a service is not available in this mode or failed */
  ITER8_ERR_INTERNAL = 6       /* a bug: an unexpected exception or broken invariant */
} iter8_status;

/* Log levels, in increasing severity; the host drops messages below its level. */
typedef enum iter8_log_level {
  ITER8_LOG_TRACE = 0,
  ITER8_LOG_DEBUG = 1,
  ITER8_LOG_INFO = 2,
  ITER8_LOG_WARNING = 3,
  ITER8_LOG_ERROR = 4
} iter8_log_level;

/* Suggested size for error buffers. Buffers may be smaller; writers truncate and always
 * NUL-terminate when `size` > 0. */
#define ITER8_ERROR_BUFFER_SIZE 1024

/* A byte sink the plugin supplies to receive variable-length data from the host.
 * `data` points to `size` bytes (UTF-8, not NUL-terminated) valid only during the call:
 * copy what you need. The host calls the sink at most once per service call, on success only,
 * from the thread that made the service call. */
typedef void (*iter8_sink)(void* sink_ctx, const char* data, size_t size);

/* ------------------------------------------------------------------------------------------
 * What the plugin implements
 * ------------------------------------------------------------------------------------------ */

/* One task offered by a plugin. All strings are static, NUL-terminated UTF-8 owned by the
 * plugin and valid for as long as the plugin is loaded (the host never unloads plugins). */
typedef struct iter8_task_info {
  uint32_t struct_size;    /* required: sizeof(iter8_task_info) as the plugin was built */
  const char* name;        /* required: the part after `<library>/`, e.g. "exec"; [a-z0-9_.-]+ */
  const char* description; /* required: one line, shown by `handler plugins describe` */
  /* required: JSON Schema (draft 4) text for the task's `with:` object, or "{}" to accept
   * anything. The host validates inputs against it before calling make_task, so every task
   * reports a missing field or a wrong type the same way. */
  const char* input_schema;
} iter8_task_info;

/* The plugin's descriptor: exported as a `const` variable named `iter8_plugin_info` (the type
 * and the variable cannot share a name in C).
 * Required. Read and checked by the host before any function of the plugin is called.
 * Static storage; never modified; valid while the plugin is loaded. */
typedef struct iter8_plugin_descriptor {
  uint32_t struct_size; /* required: sizeof(iter8_plugin_descriptor) as the plugin was built */
  uint16_t abi_major;   /* required: ITER8_ABI_MAJOR the plugin was built against */
  uint16_t abi_minor;   /* required: ITER8_ABI_MINOR the plugin was built against */
  const char* library;  /* required: library name, e.g. "metrics"; [a-z0-9_-]+ */
  const char* plugin_version; /* required: free-form version text, e.g. "0.1.0" */
  uint32_t task_count;        /* required: number of entries in `tasks`, at least 1 */
  /* required: array of `task_count` entries. Each entry is `tasks_stride` bytes apart so a
   * host can walk entries of a larger (newer) iter8_task_info. */
  const iter8_task_info* tasks;
  uint32_t tasks_stride; /* required: sizeof(iter8_task_info) as the plugin was built */
} iter8_plugin_descriptor;

/* A task made by MakeTask. The plugin owns `self`; the host calls `destroy`
 * exactly once, after `run` (or instead of it when an earlier task of the action failed or
 * the action was only validated with --dry-run). */
typedef struct iter8_host_services iter8_host_services;

typedef struct iter8_task {
  /* Set by the host before MakeTask: sizeof(iter8_task) as the host was built. The plugin
   * fills only the fields that end within it and leaves struct_size as it is; the host reads
   * only the fields it was built with. */
  uint32_t struct_size;
  void* self; /* plugin-owned task state, passed back to run and destroy */
  /* required: run the task once. Called at most once, from the host's main thread.
   * `host` is the same table given to make_task, valid during the call. On failure, return
   * a non-OK status and write a one-line reason into `error` (caller-owned, `error_size`
   * bytes). The plugin may start threads but must join them before returning. */
  iter8_status (*run)(void* self, const iter8_host_services* host, char* error, size_t error_size);
  /* required: free `self` and everything the task owns. Must not fail. */
  void (*destroy)(void* self);
} iter8_task;

/* Exported function named `MakeTask` (declared below). Required.
 *
 * Makes a task from one TaskSpec. `task_spec_json` is NUL-terminated UTF-8 JSON text of the
 * TaskSpec object, e.g. {"task":"common/exec","with":{"cmd":"echo"}}; its `with` object has
 * already been validated against the task's input_schema, and keys have been normalised to
 * the schema's spelling. The text is valid during the call only.
 *
 * Do semantic validation here (cross-field rules, values the schema cannot express) so a bad
 * experiment fails before any task of the action runs; do not perform the task's work here.
 *
 * On success fill `*out_task` (the host zeroes it and sets struct_size before the call) and
 * return ITER8_OK. On failure return a non-OK status and write a one-line reason naming the
 * field into `error` (caller-owned buffer of `error_size` bytes); `*out_task` is ignored.
 * Called from the host's main thread, never concurrently. */
typedef iter8_status (*iter8_plugin_make_task_fn)(const char* task_spec_json,
                                                  const iter8_host_services* host,
                                                  iter8_task* out_task, char* error,
                                                  size_t error_size);

/* ------------------------------------------------------------------------------------------
 * Options of interpolate_with (ABI 1.1)
 * ------------------------------------------------------------------------------------------ */

/* What an action naming a key the data lacks prints. */
typedef enum iter8_missing_key {
  ITER8_MISSING_KEY_NO_VALUE = 0, /* "<no value>", Go text/template's default */
  ITER8_MISSING_KEY_EMPTY = 1,    /* "", what html/template printed in the Go handler's tasks */
  ITER8_MISSING_KEY_ERROR = 2     /* ITER8_ERR_INVALID_INPUT naming the key (missingkey=error) */
} iter8_missing_key;

/* How `.Name` finds a member of a JSON object. */
typedef enum iter8_field_names {
  ITER8_FIELD_NAMES_JSON = 0, /* the key as written */
  /* The key as written, else with its first letter in lower case: templates written against
   * the Go Experiment type (`.Spec.VersionInfo`) find its JSON keys (spec.versionInfo). */
  ITER8_FIELD_NAMES_GO = 1
} iter8_field_names;

/* Options of one interpolate_with call. All-zero (with struct_size set) is Go text/template's
 * default: `{{ }}`, missing keys print "<no value>", keys as written, nothing callable.
 * Caller-owned; read during the call only. */
typedef struct iter8_interpolate_options {
  uint32_t struct_size;    /* required: sizeof(iter8_interpolate_options) as the caller built */
  uint32_t missing_key;    /* an iter8_missing_key */
  uint32_t field_names;    /* an iter8_field_names */
  uint32_t callable_count; /* number of entries in `callables` */
  const char* left_delim;  /* optional: NULL means "{{" */
  const char* right_delim; /* optional: NULL means "}}" */
  /* optional: names of top-level members of the data (JSON objects) that a template may call
   * with one string argument, as Go calls a method of one string parameter: with data
   * {"Secret":{"token":"t"}} and callable "Secret", `{{ .Secret "token" }}` renders "t". A key
   * the member lacks makes the call return ITER8_ERR_NOT_FOUND with the key named in `error`.
   * A callable member cannot be printed whole. */
  const char* const* callables;
} iter8_interpolate_options;

/* The JSON type of a value delivered by json_lookup (ABI 1.1). */
typedef enum iter8_json_type {
  ITER8_JSON_NULL = 0,
  ITER8_JSON_BOOL = 1,
  ITER8_JSON_NUMBER = 2,
  ITER8_JSON_STRING = 3,
  ITER8_JSON_ARRAY = 4,
  ITER8_JSON_OBJECT = 5
} iter8_json_type;

/* ------------------------------------------------------------------------------------------
 * What the host implements
 * ------------------------------------------------------------------------------------------
 * The host passes this table to make_task and to run. The table and its `host` pointer stay
 * valid until the task is destroyed. Every service is thread-safe: a task may call any of them
 * from threads it starts, as long as it joins them before `run` returns. Services are plain
 * function calls with no hidden state in the plugin, so they also work from a forked child.
 *
 * Check a service added after ABI 1.0 with ITER8_HOST_HAS before calling it (a plugin that
 * declares minor 1 is only loaded by hosts that have every 1.1 service, but the check costs
 * nothing and keeps a plugin honest about what it needs). Services never throw and never
 * retain the pointers they are given beyond the call. */
struct iter8_host_services {
  uint32_t struct_size; /* sizeof(iter8_host_services) as the host was built */
  uint16_t abi_major;   /* host ABI version */
  uint16_t abi_minor;
  void* host; /* opaque host context: pass it as the first argument of every service */

  /* Log `message` (NUL-terminated UTF-8, one line preferred) through the host's logger,
   * tagged with the action and task. Dropped below the host's level. Known secret values are
   * masked by the host, but do not log secrets. */
  void (*log)(void* host, iter8_log_level level, const char* message);

  /* Returns non-zero when `level` would be logged, so costly messages can be skipped. */
  int (*log_enabled)(void* host, iter8_log_level level);

  /* Append `message` as a line to the termination log the controller reads. The host
   * already writes a failing task's error there; use this for extra operator-facing facts. */
  void (*write_termination_log)(void* host, const char* message);

  /* Deliver the current experiment (the whole resource, JSON text) to `sink`. The host
   * re-reads its source, so the result includes status updates made by earlier tasks. */
  iter8_status (*get_experiment)(void* host, iter8_sink sink, void* sink_ctx, char* error,
                                 size_t error_size);

  /* Apply `status_patch_json` (NUL-terminated JSON object) to the experiment's `status` as
   * a JSON merge patch (RFC 7386): objects merge, other values replace, null deletes. Only
   * the fields in the patch change, so a concurrent writer's other fields are kept. Written
   * back to the cluster or to the experiment file before this returns. */
  iter8_status (*update_status)(void* host, const char* status_patch_json, char* error,
                                size_t error_size);

  /* Look up a Kubernetes secret. `ref` is "name" (in the experiment's namespace) or
   * "namespace/name". Delivers its data as a JSON object of decoded string values,
   * {"key":"value",...}, to `sink`. ITER8_ERR_NOT_FOUND when it does not exist. The host
   * remembers the values and masks them in every log line and error message. */
  iter8_status (*get_secret)(void* host, const char* ref, iter8_sink sink, void* sink_ctx,
                             char* error, size_t error_size);

  /* Render `template_text` with Go text/template semantics (`{{ .a.b }}`, `{{-`/`-}}`,
   * missing keys as "<no value>") against `data_json` (a JSON object; NULL means {}).
   * `left_delim`/`right_delim` replace "{{"/"}}" when not NULL. Delivers the result to
   * `sink`; a template error returns ITER8_ERR_INVALID_INPUT with its position in `error`.
   * Convention (since 1.0, no new field): a top-level member "$callables" of `data_json`, an
   * array of member names, is not data; each top-level member it names (an object) may be
   * called with one string argument, as Go calls a method: with
   * {"Secret":{"token":"t"},"$callables":["Secret"]}, `{{ .Secret "token" }}` renders "t" and
   * a missing key is an error naming the key. Such a member cannot be printed whole. */
  iter8_status (*interpolate)(void* host, const char* template_text, const char* data_json,
                              const char* left_delim, const char* right_delim, iter8_sink sink,
                              void* sink_ctx, char* error, size_t error_size);

  /* Returns non-zero once the host has been asked to stop (SIGTERM/SIGINT). Long-running
   * tasks poll it (at least every 100 ms) and return ITER8_ERR_CANCELLED promptly, keeping
   * whatever they measured. */
  int (*is_cancelled)(void* host);

  /* ---- Added in ABI 1.1 ---- */

  /* Render `template_text` with Go text/template semantics against `data_json` (a JSON object;
   * NULL means {}), as `options` say (NULL means all defaults). Delivers the result to `sink`.
   * A template error returns ITER8_ERR_INVALID_INPUT with its position in `error`; a callable's
   * missing key returns ITER8_ERR_NOT_FOUND. When a missing key renders as empty or
   * "<no value>", the host logs a warning naming the key's path and the task, so typos are
   * seen. The rendered text is limited (1 MiB); a longer result is ITER8_ERR_INVALID_INPUT. */
  iter8_status (*interpolate_with)(void* host, const char* template_text, const char* data_json,
                                   const iter8_interpolate_options* options, iter8_sink sink,
                                   void* sink_ctx, char* error, size_t error_size);

  /* Find the value at `pointer` (a JSON Pointer, RFC 6901: "" is the whole document,
   * "/spec/versionInfo/baseline/name", "~1" for '/' and "~0" for '~' inside a key, array
   * indexes as decimal numbers) in `json_text` (NUL-terminated JSON). On success sets `*type`
   * (optional: may be NULL) and delivers the value to `sink`: a string unescaped (its UTF-8
   * bytes), anything else as compact JSON text. ITER8_ERR_NOT_FOUND when nothing is at
   * `pointer`; ITER8_ERR_INVALID_INPUT when the text is not JSON or the pointer is malformed.
   * Lets a C plugin read its inputs and the experiment without a JSON library of its own. */
  iter8_status (*json_lookup)(void* host, const char* json_text, const char* pointer,
                              iter8_json_type* type, iter8_sink sink, void* sink_ctx, char* error,
                              size_t error_size);

  /* Block the calling thread until the host has been asked to stop (SIGTERM/SIGINT) or
   * `timeout_ms` milliseconds have passed, whichever comes first. Returns non-zero when
   * cancelled. Any thread may wait; all waiters wake on cancellation. Use it instead of
   * sleeping, so a task's pauses end as soon as the Job is stopped. */
  int (*wait_cancelled)(void* host, uint32_t timeout_ms);

  /* The handler's version, e.g. "0.1.0": static NUL-terminated text valid while the process
   * lives. For provenance fields and User-Agent headers. */
  const char* (*handler_version)(void* host);
};

/* Non-zero when the host's table `services` (a const iter8_host_services*) has the service
 * `member`, e.g. ITER8_HOST_HAS(host, wait_cancelled): the table is large enough to hold it and
 * it is set. Needs only <stddef.h>. */
#define ITER8_HOST_HAS(services, member)                                     \
  ((services)->struct_size >=                                                \
       offsetof(iter8_host_services, member) + sizeof((services)->member) && \
   (services)->member != NULL)

/* ------------------------------------------------------------------------------------------
 * The two exported symbols, declared so that a plugin defining them with another type fails to
 * compile. Define both in exactly one file of the plugin (the C++ layer's ITER8_PLUGIN does).
 * ------------------------------------------------------------------------------------------ */

/* The descriptor (see iter8_plugin_descriptor). Required. */
ITER8_PLUGIN_EXPORT extern const iter8_plugin_descriptor iter8_plugin_info;

/* The entry point (see iter8_plugin_make_task_fn for the contract). Required. */
ITER8_PLUGIN_EXPORT iter8_status MakeTask(const char* task_spec_json,
                                          const iter8_host_services* host, iter8_task* out_task,
                                          char* error, size_t error_size);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* ITER8_PLUGIN_API_H */
