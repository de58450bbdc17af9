// Room for the load's sockets before it starts. More connections than the process may open
// would otherwise fail mid-load as EMFILE, recorded against the version as "other" errors: a
// healthy target would look broken for a limit of the handler's own.
#pragma once

#include <string>

namespace iter8::metrics {

// Makes sure `connections` more descriptors can be opened: raises the soft RLIMIT_NOFILE
// towards the hard one when needed (returns what it did, for a debug line, or ""), and throws
// std::runtime_error naming the connections, the descriptors needed and the limit when even
// the hard limit is too low.
std::string reserveDescriptors(long connections);

// "N descriptors are open, the limit is L (ulimit -n)", for a message about running out.
std::string describeDescriptorLimit();

}  // namespace iter8::metrics
