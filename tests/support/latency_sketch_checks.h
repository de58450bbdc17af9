// Checks shared by the latency sketch's tests (latency_sketch_test.cpp,
// latency_sketch_json_test.cpp).
#pragma once

#include <cmath>
#include <string>

#include <gtest/gtest.h>

#include "lib/fortio/latency_sketch.h"
#include "lib/json.h"

namespace iter8::test {

// Percentiles never decrease, never leave [min, max], and the ends are exact.
inline void expectInvariants(const fortio::LatencySketch& s) {
  if (s.empty()) return;
  EXPECT_EQ(s.percentile(0), s.min());
  EXPECT_EQ(s.percentile(100), s.max());
  double previous = s.min();
  for (int tenths = 0; tenths <= 1000; ++tenths) {
    const double v = s.percentile(tenths / 10.0);
    EXPECT_GE(v, previous) << "p" << tenths / 10.0;
    EXPECT_GE(v, s.min()) << "p" << tenths / 10.0;
    EXPECT_LE(v, s.max()) << "p" << tenths / 10.0;
    previous = v;
  }
  const double p50 = s.percentile(50), p75 = s.percentile(75), p90 = s.percentile(90),
               p95 = s.percentile(95), p99 = s.percentile(99), p999 = s.percentile(99.9);
  EXPECT_LE(s.min(), p50);
  EXPECT_LE(p50, p75);
  EXPECT_LE(p75, p90);
  EXPECT_LE(p90, p95);
  EXPECT_LE(p95, p99);
  EXPECT_LE(p99, p999);
  EXPECT_LE(p999, s.max());
}

inline void expectSameSketch(const fortio::LatencySketch& a, const fortio::LatencySketch& b) {
  EXPECT_EQ(a.buckets(), b.buckets());
  EXPECT_EQ(a.count(), b.count());
  EXPECT_EQ(a.underflow(), b.underflow());
  EXPECT_EQ(a.overflow(), b.overflow());
  EXPECT_EQ(a.min(), b.min());
  EXPECT_EQ(a.max(), b.max());
  EXPECT_NEAR(a.sum(), b.sum(), 1e-12 * std::fabs(a.sum()));
  for (int tenths = 0; tenths <= 1000; ++tenths) {
    EXPECT_EQ(a.percentile(tenths / 10.0), b.percentile(tenths / 10.0)) << tenths;
  }
}

inline std::string compactJson(const fortio::LatencySketch& s) {
  rapidjson::Document doc;
  s.toJson(doc, doc.GetAllocator());
  return toJson(doc);
}

inline fortio::LatencySketch roundTrip(const fortio::LatencySketch& s) {
  return fortio::LatencySketch::fromJson(parseJson(compactJson(s)));
}

}  // namespace iter8::test
