/* A plugin built against the frozen ABI 1.0 header (tests/abi/v1.0): library "abi10", tasks
 * "greet" and "render". A 1.1 host must load and run it unchanged, using only the services 1.0
 * defined; "render" puts the frozen `interpolate` service through its cases (plain, custom
 * delimiters, the "$callables" convention, a callable's missing key, a template error) and logs
 * each result as "render <case>: <status> <text or error>". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iter8/plugin_api.h"

#if ITER8_ABI_MINOR != 0
#error "abi10_plugin.c must be built against the frozen 1.0 header"
#endif

static const iter8_task_info tasks[] = {
    {sizeof(iter8_task_info), "greet", "Record a greeting in the status (built for ABI 1.0)",
     "{\"type\":\"object\",\"properties\":{\"who\":{\"type\":\"string\"}},\"required\":[\"who\"]}"},
    {sizeof(iter8_task_info), "render", "Log what the 1.0 interpolate service renders", "{}"},
};

ITER8_PLUGIN_EXPORT const iter8_plugin_descriptor iter8_plugin_info = {
    sizeof(iter8_plugin_descriptor), ITER8_ABI_MAJOR, ITER8_ABI_MINOR,        "abi10", "1.0.0",
    sizeof tasks / sizeof tasks[0],  tasks,           sizeof(iter8_task_info)};

typedef struct greet_task {
  char who[128];
} greet_task;

static iter8_status greet_run(void* self, const iter8_host_services* host, char* error,
                              size_t error_size) {
  greet_task* task = (greet_task*)self;
  char patch[256];
  host->log(host->host, ITER8_LOG_INFO, "hello from a 1.0 plugin");
  snprintf(patch, sizeof patch, "{\"abi10\":\"greeted %s\"}", task->who);
  return host->update_status(host->host, patch, error, error_size);
}

/* What `interpolate` delivers, copied into a fixed buffer (1.0 has no other way either). */
typedef struct rendered {
  char text[256];
} rendered;

static void copy_rendered(void* ctx, const char* data, size_t size) {
  rendered* out = (rendered*)ctx;
  size_t n = size < sizeof out->text - 1 ? size : sizeof out->text - 1;
  memcpy(out->text, data, n);
  out->text[n] = '\0';
}

static iter8_status render_run(void* self, const iter8_host_services* host, char* error,
                               size_t error_size) {
  static const struct {
    const char* name;
    const char* text;
    const char* data;
    const char* left;
    const char* right;
  } cases[] = {
      {"plain", "{{ .a.b }} and {{ .missing }}", "{\"a\":{\"b\":\"x\"}}", NULL, NULL},
      {"delims", "@< .a >@ {{ .a }}", "{\"a\":\"y\"}", "@<", ">@"},
      {"callable", "{{ .Secret \"token\" }}",
       "{\"Secret\":{\"token\":\"t0k\"},\"$callables\":[\"Secret\"]}", NULL, NULL},
      {"callable-missing", "{{ .Secret \"nope\" }}",
       "{\"Secret\":{\"token\":\"t0k\"},\"$callables\":[\"Secret\"]}", NULL, NULL},
      {"syntax", "{{ .a ", "{}", NULL, NULL},
      {"no-data", "plain text", NULL, NULL, NULL},
  };
  size_t i;
  (void)self;
  (void)error;
  (void)error_size;
  for (i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
    rendered out;
    char message[ITER8_ERROR_BUFFER_SIZE] = {0};
    char line[ITER8_ERROR_BUFFER_SIZE + 300];
    iter8_status status;
    out.text[0] = '\0';
    status = host->interpolate(host->host, cases[i].text, cases[i].data, cases[i].left,
                               cases[i].right, copy_rendered, &out, message, sizeof message);
    snprintf(line, sizeof line, "render %s: %d %s", cases[i].name, (int)status,
             status == ITER8_OK ? out.text : message);
    host->log(host->host, ITER8_LOG_INFO, line);
  }
  return ITER8_OK;
}

static void render_destroy(void* self) {
  (void)self;
}

static void greet_destroy(void* self) {
  free(self);
}

/* 1.0 had no JSON lookup service: take the text between the quotes after "who":. */
ITER8_PLUGIN_EXPORT iter8_status MakeTask(const char* json, const iter8_host_services* host,
                                          iter8_task* out, char* error, size_t error_size) {
  const char* key = strstr(json, "\"who\":\"");
  const char* end = key ? strchr(key + 7, '"') : NULL;
  greet_task* task;
  (void)host;
  if (strstr(json, "\"task\":\"abi10/render\"") != NULL) {
    out->self = NULL;
    out->run = render_run;
    out->destroy = render_destroy;
    return ITER8_OK;
  }
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
