// SPDX-License-Identifier: Apache-2.0
// k8saudit's implementations of the benchmark tasks, registered beside the peers.
//   T1/k8saudit  the seven T1 fields only (field mask: the rest is skipped unread)
//   T2/k8saudit  a full typed parse of every field, folded into the same T1 result
//   T3/k8saudit  the filter `verb == "delete"`, as `k8saudit filter` runs it: the raw-byte
//                prefilter, then the parse of the fields T1 needs, then the filter
//   T5/k8saudit  T1 over the same events as AKS records (`--input-format aks`)
#include <string>
#include <string_view>
#include <vector>

#include <k8saudit/k8saudit.h>

#include "bench_registry.h"

namespace k8saudit::bench {
namespace {

constexpr field_mask t1_fields = part::verb | part::user | part::object_ref | part::response_status | part::stage |
                                 part::request_received_timestamp;

void add(t1_accumulator& acc, const event& e) {
  acc.add(e.verb, e.user.username, e.object_ref.namespace_, e.object_ref.resource, e.response_status.code, e.stage_text,
          e.request_received_timestamp_text.size());
}

t1_result run_t1(std::string_view input, field_mask fields, input_format format) {
  reader_options opt;
  opt.fields = fields;
  opt.format = format;
  reader r(opt);
  r.open_memory(input, "bench");
  t1_accumulator acc;
  batch b;
  while (r.next(b)) {
    for (const event& e : b.events) add(acc, e);
  }
  return acc.finish();
}

t1_result run_t3(std::string_view jsonl) {
  static const filter f = *filter::compile(std::string("verb == \"") + std::string(t3_verb) + "\"");
  reader_options opt;
  opt.fields = t1_fields | f.fields();
  opt.format = input_format::jsonl;
  opt.prefilter = &f.required_literals();
  reader r(opt);
  r.open_memory(jsonl, "bench");
  t1_accumulator acc;
  batch b;
  std::vector<std::uint32_t> selection;
  while (r.next(b)) {
    f.select(b.events, selection);
    for (const std::uint32_t i : selection) add(acc, b.events[i]);
  }
  return acc.finish();
}

const bool registered = [] {
  register_task("T1", "k8saudit", [](std::string_view s) { return run_t1(s, t1_fields, input_format::jsonl); });
  register_task("T2", "k8saudit", [](std::string_view s) { return run_t1(s, field_mask::all(), input_format::jsonl); });
  register_task("T3", "k8saudit", run_t3);
  register_task("T5", "k8saudit", [](std::string_view s) { return run_t1(s, t1_fields, input_format::aks); });
  return true;
}();

}  // namespace
}  // namespace k8saudit::bench
