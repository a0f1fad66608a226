// SPDX-License-Identifier: Apache-2.0
// Fuzzer: applying an audit Policy to events.
//
// Input: the policy text, a NUL byte, then the events (any input format the reader detects).
// Without a NUL the whole input is the policy and a fixed set of events is used.
// When the policy loads, every event is evaluated and applied; checked, besides "no crash, no
// sanitizer report":
//   - the decision is consistent (rule index in range, level of its rule or None, drops());
//   - the output (kept events as JSON lines) is read back by a reader without an error or a
//     skip, one event per kept event, each at effective_level();
//   - evaluating the policy on a written event gives the same decision, and applying it again
//     writes the same line (applying a policy is idempotent).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_common.h"

using namespace k8saudit;
using k8saudit_fuzz::printable;

namespace {

const std::string& fixed_events() {
  static const std::string text = std::string(
      R"({"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"a1","stage":"ResponseComplete",)"
      R"("requestURI":"/api/v1/namespaces/kube-system/configmaps/controller-leader","verb":"update",)"
      R"("user":{"username":"system:kube-controller-manager","groups":["system:authenticated"]},)"
      R"("objectRef":{"resource":"configmaps","namespace":"kube-system","name":"controller-leader","apiVersion":"v1"},)"
      R"("requestObject":{"kind":"ConfigMap","metadata":{"name":"controller-leader","managedFields":[{"manager":"m"}]}},)"
      R"("responseObject":{"kind":"ConfigMap","metadata":{"managedFields":[],"name":"controller-leader"}},)"
      R"("responseStatus":{"metadata":{},"code":200},"requestReceivedTimestamp":"2025-10-07T16:19:19.643609Z",)"
      R"("stageTimestamp":"2025-10-07T16:19:19.647880Z"})"
      "\n"
      R"({"kind":"Event","level":"Metadata","auditID":"a2","stage":"RequestReceived","requestURI":"/api/v1/namespaces/default/pods/p/log",)"
      R"("verb":"get","user":{"username":"alice","groups":["dev"]},"objectRef":{"resource":"pods","namespace":"default","name":"p","subresource":"log"}})"
      "\n"
      R"({"kind":"Event","level":"Request","auditID":"a3","stage":"ResponseComplete","requestURI":"/version","verb":"get",)"
      R"("user":{"username":"bob","groups":["system:authenticated"]},"requestReceivedTimestamp":"2025-10-07 16:19:19.5"})"
      "\n"
      R"({"records":[{"category":"kube-audit","properties":{"log":"{\"kind\":\"Event\",\"level\":\"RequestResponse\",\"auditID\":\"a4\",)"
      R"(\"stage\":\"ResponseComplete\",\"verb\":\"create\",\"requestURI\":\"/apis/apps/v1/namespaces/prod/deployments\",)"
      R"(\"user\":{\"username\":\"system:serviceaccount:ci:deployer\"},\"objectRef\":{\"resource\":\"deployments\",\"namespace\":\"prod\",)"
      R"(\"apiGroup\":\"apps\",\"name\":\"web\"},\"requestObject\":{\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\",)"
      R"(\"managedFields\":[{\"manager\":\"kubectl\"}]}}}"}}]})"
      "\n");
  return text;
}

std::string decision_text(const policy_decision& d) {
  return std::string(to_string(d.level)) + "/" + std::to_string(d.omit_stages) + "/" +
         std::to_string(d.omit_managed_fields) + "/" + (d.rule ? std::to_string(*d.rule) : std::string("-"));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(bytes), size);
  const std::size_t nul = input.find('\0');
  const std::string_view policy_text = input.substr(0, nul);
  const std::string_view events =
      nul == std::string_view::npos ? std::string_view(fixed_events()) : input.substr(nul + 1);

  auto p = policy::load(policy_text);
  if (!p) return 0;

  // Apply the policy to every event; keep the decisions of the kept ones.
  std::string output;
  std::vector<policy_decision> kept_decisions;
  std::vector<std::string> kept_lines;
  std::vector<level> kept_levels;
  {
    reader r;
    r.open_memory(events, "events");
    batch b;
    std::string line;
    while (r.next(b)) {
      for (const event& ev : b.events) {
        const policy_decision d = p->evaluate(ev);
        if (d.rule) {
          FUZZ_CHECK(*d.rule < p->rules().size(), "rule index out of range");
          FUZZ_CHECK(d.level == p->rules()[*d.rule].level, "the decision's level is not its rule's");
        } else {
          FUZZ_CHECK(d.level == level::none, "no rule matched but the level is not None");
        }
        line.clear();
        const bool kept = apply(d, ev, line);
        FUZZ_CHECK(kept == !drops(d, ev), "apply() and drops() disagree");
        if (!kept) {
          FUZZ_CHECK(line.empty(), "apply() wrote a dropped event");
          continue;
        }
        FUZZ_CHECK(line.find('\n') == std::string::npos, "apply() wrote a newline: " + printable(line));
        output += line;
        output += '\n';
        kept_decisions.push_back(d);
        kept_lines.push_back(line);
        kept_levels.push_back(effective_level(d, ev));
      }
    }
    k8saudit_fuzz::check_counters(r.stats());
  }

  // The output reads back: no error, no skip, one event per kept event, at the effective level;
  // the same decision, and applying again writes the same line.
  reader back;
  back.open_memory(output, "output");
  batch b;
  std::size_t i = 0;
  std::string again;
  while (back.next(b)) {
    for (const record_error& e : b.errors) {
      FUZZ_CHECK(false,
                 "the output of apply() has a bad record: " + message(e.error) + "\nline: " +
                     printable(e.error.line >= 1 && e.error.line <= kept_lines.size() ? kept_lines[e.error.line - 1]
                                                                                      : std::string()));
    }
    for (const event& ev : b.events) {
      FUZZ_CHECK(i < kept_lines.size(), "more events read back than written");
      const policy_decision& d = kept_decisions[i];
      FUZZ_CHECK(ev.origin.line == i + 1, "an event read back from another line");
      FUZZ_CHECK(ev.level == kept_levels[i],
                 "the written event is not at the effective level: " + printable(kept_lines[i]));
      const policy_decision d2 = p->evaluate(ev);
      FUZZ_CHECK(decision_text(d2) == decision_text(d), "the written event gets another decision: " + decision_text(d) +
                                                            " then " + decision_text(d2) +
                                                            "\nline: " + printable(kept_lines[i]));
      again.clear();
      FUZZ_CHECK(apply(d2, ev, again), "the written event is dropped when applied again");
      FUZZ_CHECK(again == kept_lines[i],
                 "applying twice differs:\n" + printable(kept_lines[i], 2000) + "\n" + printable(again, 2000));
      ++i;
    }
  }
  const counters& c = back.stats();
  FUZZ_CHECK(!back.failed(), "reading the output failed");
  FUZZ_CHECK(c.errors == 0 && c.skipped == 0,
             "the output has skipped or bad records: " + k8saudit_fuzz::fingerprint(c));
  FUZZ_CHECK(i == kept_lines.size(), "fewer events read back than written");
  return 0;
}
