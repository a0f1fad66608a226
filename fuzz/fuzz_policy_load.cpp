// SPDX-License-Identifier: Apache-2.0
// Fuzzer: loading an audit Policy from YAML or JSON text.
//
// Input: the policy text. Checked, besides "no crash, no exception, no sanitizer report":
//   - a failed load reports at least one error (not only warnings), and renders;
//   - a loaded policy has rules, valid levels and stages, describes itself, keeps only
//     warnings in warnings(), and loads again from the same text to the same rules;
//   - evaluating it on a few events gives a rule index in range (or none, at level None) and
//     the policy's omitStages, and apply() writes a line that parses.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_common.h"

using namespace k8saudit;
using k8saudit_fuzz::printable;

namespace {

const char* const event_texts[] = {
    R"({"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"a1","stage":"ResponseComplete",)"
    R"("requestURI":"/api/v1/namespaces/kube-system/pods/p1","verb":"get","user":{"username":"system:kube-proxy",)"
    R"("groups":["system:authenticated"]},"objectRef":{"resource":"pods","namespace":"kube-system","name":"p1","apiVersion":"v1"},)"
    R"("requestObject":{"kind":"Pod","metadata":{"name":"p1","managedFields":[{"manager":"kubectl"}]}},)"
    R"("responseObject":{"kind":"Pod","metadata":{"name":"p1","managedFields":[]}},"responseStatus":{"code":200}})",
    R"({"kind":"Event","level":"Metadata","auditID":"a2","stage":"RequestReceived","requestURI":"/apis/apps/v1/namespaces/default/deployments/d/status",)"
    R"("verb":"update","user":{"username":"alice","groups":["dev","system:authenticated"]},)"
    R"("objectRef":{"resource":"deployments","namespace":"default","name":"d","apiGroup":"apps","subresource":"status"}})",
    R"({"kind":"Event","level":"Request","auditID":"a3","stage":"ResponseComplete","requestURI":"/healthz?verbose","verb":"get",)"
    R"("user":{"username":"system:anonymous","groups":["system:unauthenticated"]}})",
    R"({"kind":"Event","level":"RequestResponse","auditID":"a4","stage":"ResponseStarted","requestURI":"/api/v1/secrets?watch=true&fieldSelector=metadata.name%3Ds1",)"
    R"("verb":"watch","user":{},"objectRef":{"resource":"secrets"}})",
};

std::vector<owned_event> make_events() {
  std::vector<owned_event> out;
  parser p;
  for (const char* t : event_texts) {
    auto r = p.parse(t);
    if (r) out.push_back(r->to_owned());
  }
  return out;
}

bool valid_level(level l) {
  return l == level::none || l == level::metadata || l == level::request || l == level::request_response;
}

// Stage bits of the four known stages.
constexpr std::uint8_t known_stages = stage_bit(stage::request_received) | stage_bit(stage::response_started) |
                                      stage_bit(stage::response_complete) | stage_bit(stage::panic);

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto p = policy::load(text);
  if (!p) {
    const policy_load_error& e = p.error();
    bool has_error = false;
    for (const policy_problem& pr : e.problems) {
      has_error |= !pr.warning;
      FUZZ_CHECK(!pr.message.empty(), "a problem without a message");
    }
    FUZZ_CHECK(has_error, "a failed load with no error:\n" + e.render() + "\n" + printable(text));
    (void)e.render();
    return 0;
  }

  FUZZ_CHECK(!p->rules().empty(), "a policy with no rules loaded");
  FUZZ_CHECK((p->omit_stages() & ~known_stages) == 0, "omitStages holds an unknown stage");
  for (const policy_rule& r : p->rules()) {
    FUZZ_CHECK(valid_level(r.level), "a rule with an invalid level");
    FUZZ_CHECK((r.omit_stages & ~known_stages) == 0, "a rule's omitStages holds an unknown stage");
  }
  for (const policy_problem& w : p->warnings()) FUZZ_CHECK(w.warning, "an error among the warnings of a loaded policy");
  const std::string described = p->describe();
  FUZZ_CHECK(!described.empty(), "describe() is empty");

  // Loading is deterministic.
  auto again = policy::load(text);
  FUZZ_CHECK(again.has_value(), "the same text loads once and fails once");
  FUZZ_CHECK(again->describe() == described, "the same text loads to different rules");

  static const std::vector<owned_event> events = make_events();
  std::string line;
  parser reparse;
  for (const owned_event& ev : events) {
    const policy_decision d = p->evaluate(*ev);
    if (d.rule) {
      FUZZ_CHECK(*d.rule < p->rules().size(), "rule index out of range");
      FUZZ_CHECK(d.level == p->rules()[*d.rule].level, "the decision's level is not its rule's");
    } else {
      FUZZ_CHECK(d.level == level::none, "no rule matched but the level is not None");
    }
    FUZZ_CHECK((d.omit_stages & p->omit_stages()) == p->omit_stages(), "the policy's omitStages are not applied");
    line.clear();
    if (apply(d, *ev, line)) {
      FUZZ_CHECK(!drops(d, *ev), "apply() kept an event drops() drops");
      auto r = reparse.parse(line);
      FUZZ_CHECK(r.has_value(), "apply() wrote a line that does not parse: " + printable(line));
      FUZZ_CHECK(r->level == effective_level(d, *ev), "apply() wrote another level than effective_level()");
    } else {
      FUZZ_CHECK(drops(d, *ev), "apply() dropped an event drops() keeps");
    }
  }
  return 0;
}
