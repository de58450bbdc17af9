/*
 * iter8/testing.h: a host for unit tests of a task plugin, without the handler (C11 and C++17).
 *
 * find_package(Iter8Sdk REQUIRED COMPONENTS testing) and link Iter8Sdk::testing (a shared
 * library installed with the SDK). It loads a plugin `.so` with the handler's own loader (the
 * same descriptor, ABI, trust and file-name checks), checks a TaskSpec's inputs against the
 * task's schema and normalises them as the handler does, calls MakeTask and then run, all in
 * the test's process, against an experiment held in memory:
 *
 *   iter8_testing_host* h = iter8_testing_host_new();
 *   iter8_testing_set_experiment(h, "{\"metadata\":{\"name\":\"e\",\"namespace\":\"ns\"}}");
 *   if (iter8_testing_load_plugin(h, "build/hello_c.so") != ITER8_OK) puts(iter8_testing_error(h));
 *   iter8_status s = iter8_testing_run_task(h, "{task: hello_c/greet, with: {who: you}}");
 *   ... iter8_testing_status(h), iter8_testing_patch(h, 0), iter8_testing_log_line(h, 0, &level)
 *   iter8_testing_host_free(h);
 *
 * The host services are the handler's (logging with secret masking, json_lookup, interpolate,
 * interpolate_with, get_secret, update_status as a JSON merge patch, handler_version) except
 * those that belong to the test: the experiment and secrets are the ones given here, and
 * is_cancelled/wait_cancelled/cancel_reason follow iter8_testing_cancel,
 * iter8_testing_cancel_after and iter8_testing_set_cancel_reason.
 * iter8/testing.hpp wraps this API for C++ tests (GoogleTest or any other).
 *
 * A plugin that crashes takes the test process with it: these are unit tests; `handler run
 * --task-timeout` supervises tasks in a child process.
 *
 * One host at a time per process: log lines are captured from the handler's one logger.
 * Strings returned are owned by the host and valid until its next call that changes them.
 */
#ifndef ITER8_TESTING_H
#define ITER8_TESTING_H

#include <stddef.h>
#include <stdint.h>

#include "iter8/plugin_api.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define ITER8_TESTING_API __attribute__((visibility("default")))
#else
#define ITER8_TESTING_API
#endif

typedef struct iter8_testing_host iter8_testing_host;

/* Where iter8_testing_run_task stopped. */
typedef enum iter8_testing_stage {
  ITER8_TESTING_STAGE_NONE = 0,   /* nothing ran yet, or the TaskSpec itself is malformed */
  ITER8_TESTING_STAGE_INPUTS = 1, /* the host's input check refused `with` (no MakeTask) */
  ITER8_TESTING_STAGE_MAKE = 2,   /* MakeTask ran (and refused, when the status is not OK) */
  ITER8_TESTING_STAGE_RUN = 3     /* run ran; the status is its result */
} iter8_testing_stage;

/* A new host: empty experiment ({"metadata":{"name":"test","namespace":"default"}}), no
 * secrets, never cancelled, the current ABI. NULL when out of memory. */
ITER8_TESTING_API iter8_testing_host* iter8_testing_host_new(void);
ITER8_TESTING_API void iter8_testing_host_free(iter8_testing_host* host);

/* The experiment, as JSON or YAML text (a whole Experiment resource). Its status is where
 * patches apply. ITER8_ERR_INVALID_INPUT when the text is neither. */
ITER8_TESTING_API iter8_status iter8_testing_set_experiment(iter8_testing_host* host,
                                                            const char* text);

/* A secret get_secret delivers: `ref` is "name" (in the experiment's namespace) or
 * "namespace/name"; `data_json` an object of strings, {"token":"t"}. */
ITER8_TESTING_API iter8_status iter8_testing_add_secret(iter8_testing_host* host, const char* ref,
                                                        const char* data_json);

/* The ABI version the host pretends to be: 1.0 gives the plugin a 1.0 table (no 1.1 services,
 * struct_size of 1.0) and refuses a plugin built for 1.1, as a 1.0 handler does; 1.1 likewise
 * (no cancel_reason) refuses a plugin built for 1.2. Set before
 * loading. ITER8_ERR_INVALID_INPUT for a version this library cannot be (another major, or a
 * minor above its own). */
ITER8_TESTING_API iter8_status iter8_testing_set_abi(iter8_testing_host* host, uint16_t major,
                                                     uint16_t minor);

/* Cancellation as a stopped Job would cause it: at once (thread-safe; may be called from another
 * thread while a task runs), or `milliseconds` after each task starts running (negative: never,
 * the default). */
ITER8_TESTING_API void iter8_testing_cancel(iter8_testing_host* host);
ITER8_TESTING_API void iter8_testing_cancel_after(iter8_testing_host* host, int64_t milliseconds);

/* What cancel_reason (ABI 1.2) reports once cancelled: ITER8_CANCEL_SIGNAL (the default; a
 * stopped Job), ITER8_CANCEL_TASK_TIMEOUT (--task-timeout) or another value; ITER8_CANCEL_NONE
 * means the default. Before it is cancelled, cancel_reason reports ITER8_CANCEL_NONE. */
ITER8_TESTING_API void iter8_testing_set_cancel_reason(iter8_testing_host* host,
                                                       iter8_cancel_reason reason);

/* Loads the plugin at `path` (named `<library>.so`) with the handler's checks. The message of a
 * refusal is iter8_testing_error(). One plugin per host; loading another replaces it. */
ITER8_TESTING_API iter8_status iter8_testing_load_plugin(iter8_testing_host* host,
                                                         const char* path);

/* One item of an action, as JSON or YAML text ({task: hello/greet, with: {who: you}}):
 * inputs checked and normalised, MakeTask, run, destroy. Returns ITER8_OK when the task ran
 * and succeeded, else the status of the step that failed (iter8_testing_stage says which, and
 * iter8_testing_error the message). Clears the previous run's patches, log lines and
 * termination log; the experiment keeps the status earlier runs wrote. */
ITER8_TESTING_API iter8_status iter8_testing_run_task(iter8_testing_host* host,
                                                      const char* task_spec);

/* The last call's one-line error message ("" when it succeeded), as the handler would print it
 * after "action <a>, task <i> (<task>): ". */
ITER8_TESTING_API const char* iter8_testing_error(const iter8_testing_host* host);
ITER8_TESTING_API iter8_testing_stage iter8_testing_stage_reached(const iter8_testing_host* host);

/* The status patches the last run sent through update_status, in order, as sent. */
ITER8_TESTING_API size_t iter8_testing_patch_count(const iter8_testing_host* host);
ITER8_TESTING_API const char* iter8_testing_patch(const iter8_testing_host* host, size_t index);

/* The experiment's status after the patches (JSON merge patch), compact JSON; "{}" when none. */
ITER8_TESTING_API const char* iter8_testing_status(iter8_testing_host* host);

/* The log lines of the last run, in order, as the handler logs them (secrets masked) but without
 * the "action ..., task ...: " prefix; `level` (optional) receives each line's level. Lines of
 * every level are kept, whatever the handler's --log-level would drop. */
ITER8_TESTING_API size_t iter8_testing_log_count(const iter8_testing_host* host);
ITER8_TESTING_API const char* iter8_testing_log_line(const iter8_testing_host* host, size_t index,
                                                     iter8_log_level* level);

/* What the last run appended to the termination log, one line each. */
ITER8_TESTING_API const char* iter8_testing_termination_log(const iter8_testing_host* host);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* ITER8_TESTING_H */
