// hello.so: one task, hello/greet, that logs a greeting and records it in the status.
#include <iter8/task.hpp>

class GreetTask : public iter8::sdk::Task {
 public:
  static constexpr const char* kName = "greet";
  static constexpr const char* kDescription = "Greet someone and record it in the status";
  static constexpr const char* kInputSchema = R"({
    "type": "object",
    "properties": {
      "who": {"type": "string", "minLength": 1},
      "times": {"type": "integer", "minimum": 1, "maximum": 10}
    },
    "required": ["who"]
  })";

  // Inputs are already checked against kInputSchema; check here what a schema cannot say.
  explicit GreetTask(const iter8::sdk::TaskSpec& spec)
      : who_(spec.requireString("who")), times_(spec.optionalInteger("times", 1)) {
    if (who_ == "nobody") throw iter8::sdk::InputError("input 'with.who' must name somebody");
  }

  void run(iter8::sdk::Host& host) override {
    for (int64_t i = 0; i < times_; ++i) host.info("hello, " + who_);
    rapidjson::Document patch(rapidjson::kObjectType);
    auto& a = patch.GetAllocator();
    patch.AddMember("message", rapidjson::Value(("greeted " + who_).c_str(), a), a);
    host.updateStatus(patch);
  }

 private:
  std::string who_;
  int64_t times_;
};

ITER8_PLUGIN("hello", "1.0.0", GreetTask)
