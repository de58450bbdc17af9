#include "plugins/notification/slack_message.h"

#include <vector>

#include "lib/json.h"

namespace iter8::notification {
namespace {

constexpr const char* kIconUrl = "https://avatars.githubusercontent.com/u/53243580?s=200&v=4";

// The string at `pointer`, or "" (Go's zero value) when absent or not a string.
std::string stringAt(const rapidjson::Value& experiment, const char* pointer) {
  const rapidjson::Value* value = findPointer(experiment, pointer);
  return value != nullptr && value->IsString() ? value->GetString() : "";
}

std::string bold(const std::string& text) {
  return "*" + text + "*";
}
std::string italic(const std::string& text) {
  return "_" + text + "_";
}

std::string name(const rapidjson::Value& experiment) {
  std::string ns = stringAt(experiment, "/metadata/namespace");
  return (ns.empty() ? "default" : ns) + "/" + stringAt(experiment, "/metadata/name");
}

std::string versions(const rapidjson::Value& experiment) {
  const rapidjson::Value* info = findPointer(experiment, "/spec/versionInfo");
  if (info == nullptr || !info->IsObject()) return "";
  std::string text = stringAt(experiment, "/spec/versionInfo/baseline/name");
  const rapidjson::Value* candidates = findMember(*info, "candidates");
  if (candidates != nullptr && candidates->IsArray()) {
    for (const auto& candidate : candidates->GetArray()) {
      const rapidjson::Value* n = findMember(candidate, "name");
      text += ", " + std::string(n != nullptr && n->IsString() ? n->GetString() : "");
    }
  }
  return text;
}

std::string stage(const rapidjson::Value& experiment) {
  const rapidjson::Value* value = findPointer(experiment, "/status/stage");
  return value != nullptr && value->IsString() ? value->GetString() : "Waiting";
}

std::string winner(const rapidjson::Value& experiment) {
  const rapidjson::Value* found =
      findPointer(experiment, "/status/analysis/winnerAssessment/data/winnerFound");
  const rapidjson::Value* name =
      findPointer(experiment, "/status/analysis/winnerAssessment/data/winner");
  if (found != nullptr && found->IsBool() && found->GetBool() && name != nullptr &&
      name->IsString()) {
    return name->GetString();
  }
  return "not found";
}

bool failed(const rapidjson::Value& experiment) {
  const rapidjson::Value* conditions = findPointer(experiment, "/status/conditions");
  if (conditions == nullptr || !conditions->IsArray()) return false;
  for (const auto& condition : conditions->GetArray()) {
    const rapidjson::Value* type = findMember(condition, "type");
    const rapidjson::Value* status = findMember(condition, "status");
    if (type != nullptr && type->IsString() && std::string(type->GetString()) == "Failed") {
      return status != nullptr && status->IsString() && std::string(status->GetString()) == "True";
    }
  }
  return false;
}

rapidjson::Value markdownSection(const std::string& text, rapidjson::Document::AllocatorType& a) {
  rapidjson::Value textObject(rapidjson::kObjectType);
  textObject.AddMember("type", "mrkdwn", a);
  textObject.AddMember(
      "text", rapidjson::Value(text.c_str(), static_cast<rapidjson::SizeType>(text.size()), a), a);
  rapidjson::Value section(rapidjson::kObjectType);
  section.AddMember("type", "section", a);
  section.AddMember("text", textObject, a);
  return section;
}

}  // namespace

std::string slackHeadline(const rapidjson::Value& experiment) {
  return bold(stringAt(experiment, "/spec/strategy/testingPattern") + " experiment on " +
              stringAt(experiment, "/spec/target"));
}

std::string slackDetails(const rapidjson::Value& experiment) {
  std::vector<std::string> lines{
      bold("Name:") + " " + italic(name(experiment)),
      bold("Versions:") + " " + italic(versions(experiment)),
      bold("Stage:") + " " + italic(stage(experiment)),
      bold("Winner:") + " " + italic(winner(experiment)),
  };
  if (failed(experiment)) lines.push_back(bold("Failed:") + " " + italic("true"));
  std::string text;
  for (size_t i = 0; i < lines.size(); ++i) text += (i > 0 ? "\n" : "") + lines[i];
  return text;
}

std::string chatPostMessageBody(const std::string& channel, const rapidjson::Value& experiment) {
  rapidjson::Document body(rapidjson::kObjectType);
  auto& a = body.GetAllocator();
  body.AddMember("channel", rapidjson::Value(channel.c_str(), a), a);
  rapidjson::Value blocks(rapidjson::kArrayType);
  blocks.PushBack(markdownSection(slackHeadline(experiment), a), a);
  body.AddMember("blocks", blocks, a);
  rapidjson::Value attachmentBlocks(rapidjson::kArrayType);
  attachmentBlocks.PushBack(markdownSection(slackDetails(experiment), a), a);
  rapidjson::Value attachment(rapidjson::kObjectType);
  attachment.AddMember("blocks", attachmentBlocks, a);
  rapidjson::Value attachments(rapidjson::kArrayType);
  attachments.PushBack(attachment, a);
  body.AddMember("attachments", attachments, a);
  body.AddMember("icon_url", rapidjson::StringRef(kIconUrl), a);
  return toJson(body);
}

}  // namespace iter8::notification
