/* The SDK's Go-duration parser compiled as C11, as a C plugin compiles it: duration_test
 * checks that it answers as the host's parseGoDuration does. */
#include "iter8/duration.h"

int iter8_test_parse_go_duration_c(const char* text, size_t length, int64_t* nanos);

int iter8_test_parse_go_duration_c(const char* text, size_t length, int64_t* nanos) {
  return iter8_parse_go_duration(text, length, nanos);
}
