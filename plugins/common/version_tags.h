// Moved to plugins/support/version_tags.h (shared with notification.so). This header keeps
// code written against the old name compiling; include the support header in new code.
#pragma once

#include "plugins/support/version_tags.h"

namespace iter8::common {
using support::addRecommendedVersionTags;
}  // namespace iter8::common
