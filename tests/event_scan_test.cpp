// SPDX-License-Identifier: Apache-2.0
// The parser reads a top-level object, and the event inside an AKS record, with a small loop
// that knows only audit.k8s.io keys (scan_event); at any other key it gives up and the general
// scan reads the object again. Both must give the same outcome for every record: events,
// skips, errors with their line, offset, field and detail.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <k8saudit/k8saudit.h>

#include "event_parser.h"
#include "test_util.h"

using namespace k8saudit;

namespace {

struct reading {
  test::read_result r;
  std::uint64_t bailouts{0};
};

reading read_with(const std::string& in, bool fast, const reader_options& opt) {
  detail::fast_paths.enabled = fast;
  const std::uint64_t before = detail::fast_paths.event_bailouts;
  reading out;
  out.r = test::read_all(in, opt);
  out.bailouts = detail::fast_paths.event_bailouts - before;
  detail::fast_paths.enabled = true;
  return out;
}

void check_same(const reading& fast, const reading& general) {
  CHECK(fast.r.adds_up());
  CHECK(test::first_difference(fast.r, general.r) == "");
  REQUIRE(fast.r.events.size() == general.r.events.size());
  for (std::size_t i = 0; i < fast.r.events.size(); ++i) {
    CHECK(fast.r.events[i]->origin.format == general.r.events[i]->origin.format);
    CHECK(fast.r.events[i]->origin.record == general.r.events[i]->origin.record);
  }
  CHECK(general.bailouts == 0);
}

// Records of every shape: plain events, events with keys the plain scan does not read (early,
// in the middle, last), v1beta1 events, Log Analytics rows, containers, envelopes, GKE entries,
// not-events, and bad values before and after such keys.
std::vector<std::string> shapes() {
  const std::string e = test::ev(1);
  const std::string body = e.substr(1, e.size() - 2);  // the members, without the braces
  return {
      e,
      R"({"kind":"Event","verb":"get","user":{"username":"a","groups":["g"],"extra":{"k":["v"]}},"x":[1,{"y":2}]})",
      "{" + body + R"(,"metadata":{"creationTimestamp":"2018-10-26T13:38:00Z"},"timestamp":"2018-10-26T13:38:01Z"})",
      R"({"metadata":{"creationTimestamp":"2018-10-26T13:38:00Z"},)" + body + "}",
      "{" + body + R"(,"Verb":"delete"})",                     // a Log Analytics column last
      R"({"AuditId":"a",)" + body + "}",                           // ... and first
      R"({"TenantId":"t","AuditId":"a","Verb":"get","User":"{\"username\":\"u\"}","ObjectRef":{"resource":"pods"},)"
      R"("Stage":"ResponseComplete","Type":"AKSAudit","TimeGenerated":"2025-10-07T16:19:20Z"})",
      R"({"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[)" + e + "," + test::ev(2) + "]}",
      R"({"items":[)" + e + "]}",
      R"({"records":[{"category":"kube-audit","properties":{"log":)" + test::json_quote(e) + "}}]}",
      R"({"category":"kube-audit","properties":{"log":)" + test::json_quote(e) + R"(,"pod":"p\u0041"}})",
      R"({"category":"kube-audit","properties":{"log":)" +
          test::json_quote("{" + body + R"(,"category":"inner","records":[1]})") + R"(,"pod":"p\u0041"}})",
      R"({"protoPayload":{"a":1},)" + body + "}",
      "{" + body + R"(,"protoPayload":{"a":1}})",
      R"({"x":1,"y":{"z":[true,null]}})",
      R"({"verb":42,"category":"kube-audit"})",                // a bad value, then an envelope key
      R"({"category":"kube-audit","verb":42})",                // an envelope key, then a bad value
      "{" + body + R"(,"requestReceivedTimestamp":"yesterday","Level":"x"})",
      R"({"kind":"Event","verb":"get","user":{"username":7},"properties":{}})",
      R"({"kind":"Event","verb":"get",)" + std::string(R"("items":5,)") + R"("stage":"ResponseComplete"})",
      R"({"verb":"get","time":"t"} trailing)",
      R"({"verb":"get","metadata":{"creationTimestamp":"bad"},"stageTimestamp":"2018-10-26T13:38:01Z"})",
      R"({"verb":"get","ver\u0062":"x","\u0076erb":"list","log_s":5})",
  };
}

std::vector<reader_options> option_sets() {
  std::vector<reader_options> sets;
  for (const input_format f : {input_format::auto_detect, input_format::jsonl, input_format::loganalytics,
                               input_format::aks}) {
    for (const field_mask m : {field_mask::all(), field_mask(part::verb | part::user | part::stage_timestamp),
                               field_mask::none()}) {
      reader_options o;
      o.format = f;
      o.fields = m;
      sets.push_back(o);
    }
  }
  reader_options strict;
  strict.validate_all = true;
  sets.push_back(strict);
  return sets;
}

}  // namespace

TEST_CASE("event scan: every record shape reads as the general scan reads it") {
  const std::vector<std::string> records = shapes();
  std::string all;
  for (const std::string& r : records) all += r + "\n";
  for (const reader_options& o : option_sets()) {
    CAPTURE(static_cast<int>(o.format));
    CAPTURE(o.fields.bits());
    CAPTURE(o.validate_all);
    for (const std::string& r : records) {
      CAPTURE(r);
      check_same(read_with(r + "\n", true, o), read_with(r + "\n", false, o));
    }
    const reading fast = read_with(all, true, o);
    check_same(fast, read_with(all, false, o));
  }
  // The plain scan takes plain events, and gives the others up.
  reader_options o;
  CHECK(read_with(records[0] + "\n" + records[1] + "\n", true, o).bailouts == 0);
  CHECK(read_with(records[4] + "\n", true, o).bailouts == 1);
  CHECK(read_with(records[7] + "\n", true, o).bailouts == 1);
}

TEST_CASE("event scan: damaged records read as the general scan reads them") {
  const std::vector<std::string> records = shapes();
  const std::vector<reader_options> sets = option_sets();
  test::prng g{20261125};
  std::uint64_t bailouts = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string in;
    for (int k = 0; k < 4; ++k) {
      std::string r = records[g.below(records.size())];
      if (g.below(2) == 0) test::damage(g, r);
      in += r + "\n";
    }
    CAPTURE(in);
    const reader_options& o = sets[g.below(sets.size())];
    const reading fast = read_with(in, true, o);
    check_same(fast, read_with(in, false, o));
    bailouts += fast.bailouts;
  }
  CHECK(bailouts > 1000);
}
