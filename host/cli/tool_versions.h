// `handler version --tools`: the versions of the programs experiments' run: items and
// common/bash scripts call (kubectl, git, curl, bash), as found on PATH, so an operator can see
// which kubectl an image carries and whether it is within the cluster's version skew.
#pragma once

#include <string>

namespace iter8 {

// One line per tool, "kubectl v1.20.2 (/usr/bin/kubectl)", or "kubectl: not found on PATH";
// for kubectl also the API server versions it supports (one minor version either side).
std::string toolVersionsText();

// The `vMAJOR.MINOR.PATCH` in what `kubectl version --client` printed (1.20's Go struct or
// the later "Client Version: v1.30.2"), or "" when there is none.
std::string kubectlClientVersion(const std::string& output);

}  // namespace iter8
