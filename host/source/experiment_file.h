// Reading an experiment from a local file safely: what kinds of file are accepted, the size
// limit, UTF-8, one YAML or JSON document, and the shape of an Iter8 Experiment. Every refusal
// is one line that names the file and the limit or field (docs/robustness.md lists them).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include <rapidjson/document.h>

namespace iter8 {

inline constexpr size_t kMaxExperimentFileBytes = 16 * 1024 * 1024;
inline constexpr const char* kExperimentApiVersion = "iter8.tools/v2alpha2";
inline constexpr const char* kExperimentKind = "Experiment";

struct ExperimentFileText {
  std::string text;
  bool regular = true;  // false: a pipe (`-f <(cat exp.yaml)`), which can be read only once
};

// Reads the whole file. Accepts regular files and pipes; a directory, a device or a socket is
// refused, and a FIFO without a writer reads as empty instead of blocking. Throws SourceError.
// `what` names the file in messages ("experiment file", "secret manifest").
ExperimentFileText readExperimentFile(const std::filesystem::path& path,
                                      const std::string& what = "experiment file");

// True when the text is JSON (its first non-blank character is '{'), so it is written back as JSON.
bool looksLikeJson(const std::string& text);

// Parses and checks `text` read from `path`: valid UTF-8 (else the byte offset), one YAML or
// JSON document holding an object, `kind` Experiment and `apiVersion` iter8.tools/v2alpha2 when
// present (bare experiments without them are accepted, as the tests and examples write them),
// `spec` an object when present, no string over the string limit. Throws SourceError.
rapidjson::Document parseExperimentText(const std::string& text, const std::filesystem::path& path);

}  // namespace iter8
