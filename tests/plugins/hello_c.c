/* A task plugin in plain C11: library "hello_c", task "greet". Proves the ABI needs no C++. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iter8/plugin_api.h"

static const iter8_task_info tasks[] = {
    {sizeof(iter8_task_info), "greet", "Log a greeting and record it in the status",
     "{\"type\":\"object\",\"properties\":{\"who\":{\"type\":\"string\"}},\"required\":[\"who\"]}"},
};

ITER8_PLUGIN_EXPORT const iter8_plugin_descriptor iter8_plugin_info = {
    sizeof(iter8_plugin_descriptor), ITER8_ABI_MAJOR, ITER8_ABI_MINOR,        "hello_c", "1.0.0",
    sizeof tasks / sizeof tasks[0],  tasks,           sizeof(iter8_task_info)};

typedef struct greet_task {
  char who[128];
} greet_task;

static iter8_status greet_run(void* self, const iter8_host_services* host, char* error,
                              size_t error_size) {
  greet_task* task = (greet_task*)self;
  char line[256];
  char patch[256];
  snprintf(line, sizeof line, "hello, %s", task->who);
  host->log(host->host, ITER8_LOG_INFO, line);
  snprintf(patch, sizeof patch, "{\"message\":\"greeted %s\"}", task->who);
  return host->update_status(host->host, patch, error, error_size);
}

static void greet_destroy(void* self) {
  free(self);
}

/* The host validated `with.who` against the schema; a real plugin parses the JSON properly.
 * This one takes the text between the quotes after "who": to stay dependency-free. */
ITER8_PLUGIN_EXPORT iter8_status iter8_plugin_make_task(const char* json,
                                                        const iter8_host_services* host,
                                                        iter8_task* out, char* error,
                                                        size_t error_size) {
  const char* key = strstr(json, "\"who\":\"");
  const char* end = key ? strchr(key + 7, '"') : NULL;
  greet_task* task;
  (void)host;
  if (end == NULL || (size_t)(end - key - 7) >= sizeof task->who) {
    snprintf(error, error_size, "input 'with.who' must be a string shorter than 128 bytes");
    return ITER8_ERR_INVALID_INPUT;
  }
  task = (greet_task*)calloc(1, sizeof *task);
  if (task == NULL) {
    snprintf(error, error_size, "out of memory");
    return ITER8_ERR_INTERNAL;
  }
  memcpy(task->who, key + 7, (size_t)(end - key - 7));
  out->self = task;
  out->run = greet_run;
  out->destroy = greet_destroy;
  return ITER8_OK;
}
