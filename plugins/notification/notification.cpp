// notification.so: the `notification` task library (notification/http, notification/slack).
#include "plugins/notification/http.h"
#include "plugins/notification/slack.h"

#include "iter8_version.h"

ITER8_PLUGIN("notification", ITER8_VERSION, iter8::notification::HttpTask,
             iter8::notification::SlackTask)
