// "Did you mean": the closest known name to a mistyped one, for messages about unknown
// commands, options, inputs, actions and tasks.
#pragma once

#include <string>
#include <vector>

namespace iter8 {

// Optimal string alignment distance (Damerau-Levenshtein with adjacent transpositions), case
// sensitive: "qsp" -> "qps" is 1, "lop" -> "loop" is 1.
size_t editDistance(const std::string& a, const std::string& b);

// The candidate nearest to `typed` when it is close enough to be a typo: at most 2 edits, and
// at most a third of the longer name (so "x" suggests nothing). Ties go to the first listed.
// Empty when none is close. A case-insensitive exact match always wins.
std::string closestName(const std::string& typed, const std::vector<std::string>& candidates);

// " (did you mean `qps`?)" or "".
std::string didYouMean(const std::string& typed, const std::vector<std::string>& candidates);

}  // namespace iter8
