// metrics.so: the `metrics` task library.
#include "plugins/metrics/collect.h"

#ifndef ITER8_VERSION
#define ITER8_VERSION "0.0.0"
#endif

ITER8_PLUGIN("metrics", ITER8_VERSION, iter8::metrics::CollectTask)
