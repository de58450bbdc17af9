/* Deliberately broken plugins for the loader's tests. One source, several builds: the macro
 * BAD_PLUGIN_KIND picks which contract rule each build breaks. */
#include "iter8/plugin_api.h"

#define NO_SYMBOLS 1
#define WRONG_MAJOR 2
#define NEWER_MINOR 3
#define DUPLICATE 4
#define NO_MAKE_TASK 5
#define BAD_SCHEMA 6
#define PRE_RELEASE 7 /* exports the entry point under its pre-1.0 name */
#define CTOR_CRASH 8
#define CTOR_EXIT 9
#define HUGE_COUNT 10
#define HUGE_STRIDE 11
#define RECURSIVE_SCHEMA 12
#define CTOR_HANG 13

#if BAD_PLUGIN_KIND == CTOR_CRASH || BAD_PLUGIN_KIND == CTOR_EXIT || BAD_PLUGIN_KIND == CTOR_HANG
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
/* Runs when the library is loaded, before the host reads anything of it. */
__attribute__((constructor)) static void misbehave_on_load(void) {
#if BAD_PLUGIN_KIND == CTOR_CRASH
  raise(SIGSEGV);
#elif BAD_PLUGIN_KIND == CTOR_EXIT
  exit(0);
#else
  for (;;) pause();
#endif
}
#endif

#if BAD_PLUGIN_KIND == NO_SYMBOLS
ITER8_PLUGIN_EXPORT int not_a_plugin_function(void) {
  return 42;
}
#else

static const iter8_task_info tasks[] = {
#if BAD_PLUGIN_KIND == BAD_SCHEMA
    {sizeof(iter8_task_info), "noop", "Does nothing", "{not json"},
#elif BAD_PLUGIN_KIND == RECURSIVE_SCHEMA
    {sizeof(iter8_task_info), "noop", "Does nothing", "{\"$ref\":\"#\"}"},
#elif BAD_PLUGIN_KIND == HUGE_STRIDE
    {sizeof(iter8_task_info), "noop", "Does nothing", "{}"},
    {sizeof(iter8_task_info), "noop2", "Does nothing", "{}"},
#else
    {sizeof(iter8_task_info), "noop", "Does nothing", "{}"},
#endif
};

#if BAD_PLUGIN_KIND == WRONG_MAJOR
#define MAJOR 99
#else
#define MAJOR ITER8_ABI_MAJOR
#endif
#if BAD_PLUGIN_KIND == NEWER_MINOR
#define MINOR (ITER8_ABI_MINOR + 1)
#else
#define MINOR ITER8_ABI_MINOR
#endif

ITER8_PLUGIN_EXPORT const iter8_plugin_descriptor iter8_plugin_info = {
    sizeof(iter8_plugin_descriptor),
    MAJOR,
    MINOR,
    LIBRARY_NAME,
    "0.0.1",
#if BAD_PLUGIN_KIND == HUGE_COUNT
    4294967295u,
#else
    sizeof tasks / sizeof tasks[0],
#endif
    tasks,
#if BAD_PLUGIN_KIND == HUGE_STRIDE
    1u << 30};
#else
    sizeof(iter8_task_info)};
#endif

#if BAD_PLUGIN_KIND == PRE_RELEASE
#define ENTRY_POINT iter8_plugin_make_task
#else
#define ENTRY_POINT MakeTask
#endif

#if BAD_PLUGIN_KIND != NO_MAKE_TASK
static iter8_status noop_run(void* self, const iter8_host_services* host, char* error,
                             size_t size) {
  (void)self, (void)host, (void)error, (void)size;
  return ITER8_OK;
}
static void noop_destroy(void* self) {
  (void)self;
}

ITER8_PLUGIN_EXPORT iter8_status ENTRY_POINT(const char* json, const iter8_host_services* host,
                                             iter8_task* out, char* error, size_t size) {
  (void)json, (void)host, (void)error, (void)size;
  out->run = noop_run;
  out->destroy = noop_destroy;
  return ITER8_OK;
}
#endif
#endif
