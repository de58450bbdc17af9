#include "host/loader/crd_status.h"

#include <mutex>
#include <set>

#include "lib/json.h"

namespace iter8 {
namespace {

// The `status` schema of the Experiment CRD (iter8.tools/v2alpha2, crd-experiments.yaml),
// descriptions left out. CrdStatus.TheEmbeddedSchemaIsTheReferenceCrds checks it against the
// reference copy of the CRD.
const char* const kStatusSchema =
    R"json({"properties":{"analysis":{"properties":{"aggregatedBuiltinHists":{"properties":{"data":)json"
    R"json({"x-kubernetes-preserve-unknown-fields":true},"message":{"type":"string"},"provenance":{)json"
    R"json("type":"string"},"timestamp":{"format":"date-time","type":"string"}},"required":["data",)json"
    R"json("provenance","timestamp"],"type":"object"},"aggregatedMetrics":{"properties":{"data":{"a)json"
    R"json(dditionalProperties":{"properties":{"data":{"additionalProperties":{"properties":{"max":)json"
    R"json({"anyOf":[{"type":"integer"},{"type":"string"}],"pattern":"^(\\+|-)?(([0-9]+(\\.[0-9]*)?)json"
    R"json()|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+)))))json"
    R"json(?$","x-kubernetes-int-or-string":true},"min":{"anyOf":[{"type":"integer"},{"type":"strin)json"
    R"json(g"}],"pattern":"^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE)json"
    R"json(](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$","x-kubernetes-int-or-string":true},"sam)json"
    R"json(pleSize":{"format":"int32","minimum":0,"type":"integer"},"value":{"anyOf":[{"type":"inte)json"
    R"json(ger"},{"type":"string"}],"pattern":"^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE)json"
    R"json(]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$","x-kubernetes-int-o)json"
    R"json(r-string":true}},"type":"object"},"type":"object"},"max":{"anyOf":[{"type":"integer"},{")json"
    R"json(type":"string"}],"pattern":"^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[num)json"
    R"json(kMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$","x-kubernetes-int-or-string)json"
    R"json(":true},"min":{"anyOf":[{"type":"integer"},{"type":"string"}],"pattern":"^(\\+|-)?(([0-9)json"
    R"json(]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|)json"
    R"json((\\.[0-9]+))))?$","x-kubernetes-int-or-string":true}},"required":["data"],"type":"object)json"
    R"json("},"type":"object"},"message":{"type":"string"},"provenance":{"type":"string"},"timestam)json"
    R"json(p":{"format":"date-time","type":"string"}},"required":["data","provenance","timestamp"],)json"
    R"json("type":"object"},"versionAssessments":{"properties":{"data":{"additionalProperties":{"it)json"
    R"json(ems":{"type":"boolean"},"type":"array"},"type":"object"},"message":{"type":"string"},"pr)json"
    R"json(ovenance":{"type":"string"},"timestamp":{"format":"date-time","type":"string"}},"require)json"
    R"json(d":["data","provenance","timestamp"],"type":"object"},"weights":{"properties":{"data":{")json"
    R"json(items":{"properties":{"name":{"type":"string"},"value":{"format":"int32","type":"integer)json"
    R"json("}},"required":["name","value"],"type":"object"},"type":"array"},"message":{"type":"stri)json"
    R"json(ng"},"provenance":{"type":"string"},"timestamp":{"format":"date-time","type":"string"}},)json"
    R"json("required":["data","provenance","timestamp"],"type":"object"},"winnerAssessment":{"prope)json"
    R"json(rties":{"data":{"properties":{"winner":{"type":"string"},"winnerFound":{"type":"boolean")json"
    R"json(}},"required":["winnerFound"],"type":"object"},"message":{"type":"string"},"provenance":)json"
    R"json({"type":"string"},"timestamp":{"format":"date-time","type":"string"}},"required":["data")json"
    R"json(,"provenance","timestamp"],"type":"object"}},"type":"object"},"completedIterations":{"fo)json"
    R"json(rmat":"int32","type":"integer"},"conditions":{"items":{"properties":{"lastTransitionTime)json"
    R"json(":{"format":"date-time","type":"string"},"message":{"type":"string"},"reason":{"type":"s)json"
    R"json(tring"},"status":{"type":"string"},"type":{"enum":["Completed","Failed","TargetAcquired")json"
    R"json(],"type":"string"}},"required":["status","type"],"type":"object"},"type":"array"},"curre)json"
    R"json(ntWeightDistribution":{"items":{"properties":{"name":{"type":"string"},"value":{"format")json"
    R"json(:"int32","type":"integer"}},"required":["name","value"],"type":"object"},"type":"array"})json"
    R"json(,"initTime":{"format":"date-time","type":"string"},"lastUpdateTime":{"format":"date-time)json"
    R"json(","type":"string"},"message":{"type":"string"},"metrics":{"items":{"properties":{"metric)json"
    R"json(Obj":{"properties":{"apiVersion":{"type":"string"},"kind":{"type":"string"},"metadata":{)json"
    R"json("type":"object"},"spec":{"properties":{"authType":{"enum":["Basic","Bearer","APIKey"],"t)json"
    R"json(ype":"string"},"body":{"type":"string"},"headerTemplates":{"items":{"properties":{"name")json"
    R"json(:{"type":"string"},"value":{"type":"string"}},"required":["name","value"],"type":"object)json"
    R"json("},"type":"array"},"jqExpression":{"type":"string"},"method":{"default":"GET","enum":["G)json"
    R"json(ET","POST"],"type":"string"},"mock":{"items":{"properties":{"level":{"anyOf":[{"type":"i)json"
    R"json(nteger"},{"type":"string"}],"pattern":"^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMG)json"
    R"json(TPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$","x-kubernetes-in)json"
    R"json(t-or-string":true},"name":{"type":"string"}},"required":["level","name"],"type":"object")json"
    R"json(},"type":"array"},"params":{"items":{"properties":{"name":{"type":"string"},"value":{"ty)json"
    R"json(pe":"string"}},"required":["name","value"],"type":"object"},"type":"array"},"provider":{)json"
    R"json("type":"string"},"sampleSize":{"type":"string"},"secret":{"type":"string"},"type":{"defa)json"
    R"json(ult":"Gauge","enum":["Counter","Gauge"],"type":"string"},"units":{"type":"string"},"urlT)json"
    R"json(emplate":{"type":"string"}},"type":"object"}},"type":"object","x-kubernetes-embedded-res)json"
    R"json(ource":true},"name":{"type":"string"}},"required":["metricObj","name"],"type":"object"},)json"
    R"json("type":"array"},"stage":{"enum":["Waiting","Initializing","Running","Finishing","Complet)json"
    R"json(ed"],"type":"string"},"startTime":{"format":"date-time","type":"string"},"versionRecomme)json"
    R"json(ndedForPromotion":{"type":"string"}},"type":"object"})json";

bool isTrue(const rapidjson::Value* value) {
  return value != nullptr && value->IsBool() && value->GetBool();
}

// Adds to `pruned` the paths under `path` of the members of `value` that `schema` does not
// keep, as a structural schema prunes them: members not in `properties` (unless
// x-kubernetes-preserve-unknown-fields or additionalProperties say otherwise); nothing below a
// scalar, a preserved subtree or an embedded resource's metadata. A null deletes: never pruned.
void walk(const rapidjson::Value& value, const rapidjson::Value& schema, const std::string& path,
          std::vector<std::string>& pruned) {
  if (!schema.IsObject() || isTrue(findMember(schema, "x-kubernetes-preserve-unknown-fields"))) {
    return;
  }
  if (value.IsArray()) {
    if (const rapidjson::Value* items = findMember(schema, "items")) {
      for (rapidjson::SizeType i = 0; i < value.Size(); ++i) {
        walk(value[i], *items, path + "[" + std::to_string(i) + "]", pruned);
      }
    }
    return;
  }
  if (!value.IsObject()) return;
  const rapidjson::Value* properties = findMember(schema, "properties");
  const rapidjson::Value* additional = findMember(schema, "additionalProperties");
  const bool embedded = isTrue(findMember(schema, "x-kubernetes-embedded-resource"));
  for (const auto& member : value.GetObject()) {
    if (member.value.IsNull()) continue;
    const std::string name(member.name.GetString(), member.name.GetStringLength());
    const std::string memberPath = path + "." + name;
    if (embedded && (name == "apiVersion" || name == "kind" || name == "metadata")) continue;
    const rapidjson::Value* rule = properties != nullptr ? findMember(*properties, name) : nullptr;
    if (rule == nullptr && additional != nullptr && additional->IsObject()) rule = additional;
    if (rule == nullptr) {
      pruned.push_back(memberPath);
      continue;
    }
    walk(member.value, *rule, memberPath, pruned);
  }
}

}  // namespace

const rapidjson::Document& crdStatusSchema() {
  static const rapidjson::Document schema = parseJson(kStatusSchema);
  return schema;
}

std::vector<std::string> fieldsTheCrdDrops(const rapidjson::Value& statusPatch) {
  std::vector<std::string> pruned;
  walk(statusPatch, crdStatusSchema(), "status", pruned);
  return pruned;
}

bool firstTimeSeen(const std::string& path) {
  static std::mutex mutex;
  static std::set<std::string> seen;
  std::lock_guard<std::mutex> lock(mutex);
  return seen.insert(path).second;
}

}  // namespace iter8
