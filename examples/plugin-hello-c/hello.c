/* A task plugin in plain C11: library "hello_c", task "greet". It needs no JSON library of its
 * own: the host's json_lookup service (ABI 1.1) reads the inputs, its interpolate_with service
 * renders a template against the experiment, the SDK's header-only JSON writer
 * (iter8/json_writer.h) builds the status patch, and its Go-duration parser (iter8/duration.h)
 * reads `pause` as the handler reads durations.
 *
 *   - task: hello_c/greet
 *     with:
 *       who: operators                       # required
 *       message: "{{ .metadata.name }} says hello"   # optional template, experiment as data
 *       pause: 2s                            # optional: wait this long first (a Go duration)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iter8/duration.h"
#include "iter8/json_writer.h"
#include "iter8/plugin_api.h"

static const iter8_task_info tasks[] = {
    {sizeof(iter8_task_info), "greet", "Log a greeting and record it in the status",
     "{\"type\":\"object\",\"properties\":{\"who\":{\"type\":\"string\",\"maxLength\":100},"
     "\"message\":{\"type\":\"string\"},\"pause\":{\"type\":\"string\",\"description\":\"a Go "
     "duration to wait before greeting\"}},\"required\":[\"who\"]}"},
};

ITER8_PLUGIN_EXPORT const iter8_plugin_descriptor iter8_plugin_info = {
    sizeof(iter8_plugin_descriptor), ITER8_ABI_MAJOR, ITER8_ABI_MINOR,        "hello_c", "1.1.0",
    sizeof tasks / sizeof tasks[0],  tasks,           sizeof(iter8_task_info)};

/* A growable string the host's sinks copy into. */
typedef struct text {
  char* data;
  size_t size;
} text;

static void copy_to_text(void* ctx, const char* data, size_t size) {
  text* out = (text*)ctx;
  char* copy = (char*)malloc(size + 1);
  if (copy == NULL) return; /* out->data stays NULL: the caller reports out of memory */
  memcpy(copy, data, size);
  copy[size] = '\0';
  free(out->data);
  out->data = copy;
  out->size = size;
}

typedef struct greet_task {
  text who;
  text message;        /* the template, or NULL */
  int64_t pause_nanos; /* 0: no pause */
} greet_task;

static void greet_destroy(void* self) {
  greet_task* task = (greet_task*)self;
  free(task->who.data);
  free(task->message.data);
  free(task);
}

static iter8_status greet_run(void* self, const iter8_host_services* host, char* error,
                              size_t error_size) {
  greet_task* task = (greet_task*)self;
  text experiment = {NULL, 0}, rendered = {NULL, 0};
  char line[512];
  iter8_status status = ITER8_OK;
  iter8_json_writer patch;

  /* wait_cancelled ends the pause as soon as the Job is stopped. */
  if (task->pause_nanos > 0 && ITER8_HOST_HAS(host, wait_cancelled) &&
      host->wait_cancelled(host->host, (uint32_t)(task->pause_nanos / 1000000))) {
    snprintf(error, error_size, "stopped during the pause");
    return ITER8_ERR_CANCELLED;
  }

  snprintf(line, sizeof line, "hello, %s (handler %s)", task->who.data,
           ITER8_HOST_HAS(host, handler_version) ? host->handler_version(host->host) : "?");
  host->log(host->host, ITER8_LOG_INFO, line);

  if (task->message.data != NULL) {
    iter8_interpolate_options options;
    memset(&options, 0, sizeof options);
    options.struct_size = sizeof options;
    options.missing_key = ITER8_MISSING_KEY_EMPTY;
    status = host->get_experiment(host->host, copy_to_text, &experiment, error, error_size);
    if (status == ITER8_OK) {
      status = host->interpolate_with(host->host, task->message.data, experiment.data, &options,
                                      copy_to_text, &rendered, error, error_size);
    }
    if (status == ITER8_OK) host->log(host->host, ITER8_LOG_INFO, rendered.data);
  }
  if (status == ITER8_OK) {
    /* {"message":"greeted <who>"}: the writer escapes whatever `who` holds. */
    snprintf(line, sizeof line, "greeted %s", task->who.data);
    iter8_json_writer_init(&patch);
    iter8_json_begin_object(&patch);
    iter8_json_key(&patch, "message");
    iter8_json_string(&patch, line);
    iter8_json_end_object(&patch);
    if (iter8_json_writer_text(&patch) == NULL) {
      snprintf(error, error_size, "out of memory");
      status = ITER8_ERR_INTERNAL;
    } else {
      status = host->update_status(host->host, iter8_json_writer_text(&patch), error, error_size);
    }
    iter8_json_writer_free(&patch);
  }
  free(experiment.data);
  free(rendered.data);
  return status;
}

ITER8_PLUGIN_EXPORT iter8_status MakeTask(const char* json, const iter8_host_services* host,
                                          iter8_task* out, char* error, size_t error_size) {
  greet_task* task = (greet_task*)calloc(1, sizeof *task);
  iter8_status status;
  if (task == NULL) {
    snprintf(error, error_size, "out of memory");
    return ITER8_ERR_INTERNAL;
  }
  /* The host validated `with` against the schema: `who` is a string. */
  status = host->json_lookup(host->host, json, "/with/who", NULL, copy_to_text, &task->who, error,
                             error_size);
  if (status == ITER8_OK && task->who.data == NULL) {
    snprintf(error, error_size, "out of memory");
    status = ITER8_ERR_INTERNAL;
  }
  if (status == ITER8_OK) {
    iter8_status found = host->json_lookup(host->host, json, "/with/message", NULL, copy_to_text,
                                           &task->message, error, error_size);
    if (found != ITER8_OK && found != ITER8_ERR_NOT_FOUND) status = found;
  }
  if (status == ITER8_OK) {
    text pause = {NULL, 0};
    iter8_status found = host->json_lookup(host->host, json, "/with/pause", NULL, copy_to_text,
                                           &pause, error, error_size);
    if (found != ITER8_OK && found != ITER8_ERR_NOT_FOUND) {
      status = found;
    } else if (found == ITER8_OK &&
               (pause.data == NULL ||
                !iter8_parse_go_duration(pause.data, pause.size, &task->pause_nanos) ||
                task->pause_nanos < 0 || task->pause_nanos / 1000000 > UINT32_MAX)) {
      snprintf(error, error_size,
               "input 'with.pause' is \"%s\"; expected a Go duration such as \"2s\" (up to 49 "
               "days)",
               pause.data != NULL ? pause.data : "");
      status = ITER8_ERR_INVALID_INPUT;
    }
    free(pause.data);
  }
  if (status != ITER8_OK) {
    greet_destroy(task);
    return status;
  }
  out->self = task;
  out->run = greet_run;
  out->destroy = greet_destroy;
  return ITER8_OK;
}
