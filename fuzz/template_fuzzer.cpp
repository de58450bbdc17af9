// libFuzzer target: the template engine (renderTemplate) on any text against a fixed
// experiment-like data value. Errors are exceptions; a crash or unbounded output is a bug.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>

#include "host/template/template.h"
#include "lib/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const rapidjson::Document values = iter8::parseJson(
      R"({"name":"canary","tag":"v2","n":3,"f":0.5,"list":[1,"two",{"three":3}],)"
      R"("this":{"metadata":{"name":"exp","namespace":"ns"},"spec":{"target":"a/b"}},)"
      R"("nested":{"a":{"b":{"c":"deep"}}},"nothing":null,"yes":true})");
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    iter8::renderTemplate(text, values);
  } catch (const std::exception&) {
  }
  return 0;
}
