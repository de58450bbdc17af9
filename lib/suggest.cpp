#include "lib/suggest.h"

#include "lib/text.h"

#include <algorithm>
#include <cctype>

namespace iter8 {

size_t editDistance(const std::string& a, const std::string& b) {
  // Three rows of the dynamic programme: two back for the transposition case.
  std::vector<size_t> before(b.size() + 1), previous(b.size() + 1), current(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        current[j] = std::min(current[j], before[j - 2] + 1);
      }
    }
    std::swap(before, previous);
    std::swap(previous, current);
  }
  return previous[b.size()];
}

std::string closestName(const std::string& typed, const std::vector<std::string>& candidates) {
  for (const auto& c : candidates) {
    if (equalsIgnoreCase(c, typed)) return c;
  }
  std::string best;
  size_t bestDistance = 3;  // more than 2 edits is not a typo
  for (const auto& c : candidates) {
    // Names of wildly different lengths are never a typo; skip the quadratic work too.
    size_t longer = std::max(c.size(), typed.size());
    size_t shorter = std::min(c.size(), typed.size());
    if (longer - shorter >= bestDistance || longer > 256) continue;
    size_t d = editDistance(typed, c);
    if (d < bestDistance && d * 3 <= longer) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

std::string didYouMean(const std::string& typed, const std::vector<std::string>& candidates) {
  std::string best = closestName(typed, candidates);
  // Suggesting the very name typed helps nobody (it exists but failed for another reason).
  return best.empty() || best == typed ? std::string() : " (did you mean `" + best + "`?)";
}

}  // namespace iter8
