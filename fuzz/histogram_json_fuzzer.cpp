// libFuzzer target: reading Fortio histogram JSON (metrics/collect's `loop` results) and
// writing it back. Bad input must be a HistogramJsonError or JsonError, never a crash.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>

#include "lib/fortio/histogram.h"
#include "lib/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    rapidjson::Document json = iter8::parseJson(text);
    iter8::fortio::HistogramData histogram = iter8::fortio::histogramDataFromJson(json);
    rapidjson::Document out;
    iter8::toJson(iter8::fortio::histogramDataToJson(histogram, out.GetAllocator()));
    iter8::fortio::mergeHistogramData(histogram, histogram);
  } catch (const std::exception&) {
  }
  return 0;
}
