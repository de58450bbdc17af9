// metrics.so: the `metrics` task library.
#include "plugins/metrics/collect.h"

#include "iter8_version.h"

ITER8_PLUGIN("metrics", ITER8_VERSION, iter8::metrics::CollectTask)
