/* Unit tests of hello_c.so in C, on the SDK's test host (iter8/testing.h): no handler, no
 * experiment file, no log to grep. Exits 0 when every check holds; prints each one that fails. */
#include <stdio.h>
#include <string.h>

#include "iter8/testing.h"

static int failures = 0;

#define CHECK(condition)                                                            \
  do {                                                                              \
    if (!(condition)) {                                                             \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #condition); \
      ++failures;                                                                   \
    }                                                                               \
  } while (0)

static int has(const char* text, const char* part) {
  return text != NULL && strstr(text, part) != NULL;
}

/* Greets, renders the template against the experiment, and writes any text into the status. */
static void greets_and_records(iter8_testing_host* host) {
  iter8_log_level level = ITER8_LOG_TRACE;
  iter8_status status = iter8_testing_run_task(
      host,
      "{task: hello_c/greet, with: {who: \"C \\\"authors\\\"\", message: \"{{ "
      ".metadata.name }} says hello\"}}");
  CHECK(status == ITER8_OK);
  if (status != ITER8_OK) fprintf(stderr, "  error: %s\n", iter8_testing_error(host));
  CHECK(iter8_testing_patch_count(host) == 1);
  CHECK(strcmp(iter8_testing_status(host), "{\"message\":\"greeted C \\\"authors\\\"\"}") == 0);
  CHECK(iter8_testing_log_count(host) == 2);
  CHECK(has(iter8_testing_log_line(host, 0, &level), "hello, C \"authors\" (handler "));
  CHECK(level == ITER8_LOG_INFO);
  CHECK(strcmp(iter8_testing_log_line(host, 1, NULL), "c-hello says hello") == 0);
}

/* A pause that is not a Go duration is refused by MakeTask, before anything runs. */
static void refuses_a_bad_pause(iter8_testing_host* host) {
  iter8_status status =
      iter8_testing_run_task(host, "{task: hello_c/greet, with: {who: x, pause: soon}}");
  CHECK(status == ITER8_ERR_INVALID_INPUT);
  CHECK(iter8_testing_stage_reached(host) == ITER8_TESTING_STAGE_MAKE);
  CHECK(has(iter8_testing_error(host), "input 'with.pause' is \"soon\"; expected a Go duration"));
}

/* A Job stopped during the pause ends the task at once, cancelled. */
static void a_stop_ends_the_pause(iter8_testing_host* host) {
  iter8_status status;
  iter8_testing_cancel_after(host, 20);
  status = iter8_testing_run_task(host, "{task: hello_c/greet, with: {who: x, pause: 1h}}");
  CHECK(status == ITER8_ERR_CANCELLED);
  CHECK(strcmp(iter8_testing_error(host), "stopped during the pause") == 0);
  iter8_testing_cancel_after(host, -1);
}

int main(void) {
  iter8_testing_host* host = iter8_testing_host_new();
  if (host == NULL) return 1;
  if (iter8_testing_set_experiment(host, "metadata: {name: c-hello, namespace: default}") !=
          ITER8_OK ||
      iter8_testing_load_plugin(host, HELLO_C_PLUGIN) != ITER8_OK) {
    fprintf(stderr, "setup: %s\n", iter8_testing_error(host));
    iter8_testing_host_free(host);
    return 1;
  }
  greets_and_records(host);
  refuses_a_bad_pause(host);
  a_stop_ends_the_pause(host);
  iter8_testing_host_free(host);
  if (failures == 0) printf("hello_c_test: all checks passed\n");
  return failures == 0 ? 0 : 1;
}
