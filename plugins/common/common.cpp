// common.so: the `common` task library.
#include "plugins/common/bash.h"
#include "plugins/common/exec.h"
#include "plugins/common/promote_kubectl.h"
#include "plugins/common/readiness.h"
#include "plugins/common/run.h"

#include "iter8_version.h"

ITER8_PLUGIN("common", ITER8_VERSION, iter8::common::ExecTask, iter8::common::BashTask,
             iter8::common::RunTask, iter8::common::ReadinessTask,
             iter8::common::PromoteKubectlTask)
