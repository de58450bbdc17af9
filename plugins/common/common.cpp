// common.so: the `common` task library.
#include "plugins/common/bash.h"
#include "plugins/common/exec.h"
#include "plugins/common/run.h"

#ifndef ITER8_VERSION
#define ITER8_VERSION "0.0.0"
#endif

ITER8_PLUGIN("common", ITER8_VERSION, iter8::common::ExecTask, iter8::common::BashTask,
             iter8::common::RunTask)
