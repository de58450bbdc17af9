// spec.versionInfo of an experiment, as our plugins have always named it: the SDK's functions
// (iter8/experiment.hpp), so the shipped tasks and third-party ones walk the versions one way.
#pragma once

#include "iter8/experiment.hpp"

namespace iter8::support {

using ::iter8::sdk::findVersion;
using ::iter8::sdk::versionName;
using ::iter8::sdk::versionsOf;

}  // namespace iter8::support
