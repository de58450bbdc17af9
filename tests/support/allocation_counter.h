// Counts the heap allocations of the whole test program, for tests that promise a hot path
// allocates nothing (a recorder's record()). Link allocation_counter.cpp into the test's
// executable (its SOURCES, not a library: the replaced operator new must be linked for sure).
#pragma once

#include <cstdint>

namespace iter8::test {

// Allocations through operator new since the program started.
int64_t allocationCount();

}  // namespace iter8::test
