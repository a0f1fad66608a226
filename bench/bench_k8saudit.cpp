// SPDX-License-Identifier: Apache-2.0
// k8saudit's implementations of the benchmark tasks, registered beside the peers.
//   T1/k8saudit            the seven T1 fields only (field mask: the rest is skipped unread)
//   T1/k8saudit_all_fields T2: a full typed parse of every field, folded into the same T1 result
#include <string_view>

#include <k8saudit/k8saudit.h>

#include "bench_registry.h"

namespace k8saudit::bench {
namespace {

t1_result run_t1(std::string_view jsonl, field_mask fields) {
  reader_options opt;
  opt.fields = fields;
  opt.format = input_format::jsonl;
  reader r(opt);
  r.open_memory(jsonl, "bench");
  t1_accumulator acc;
  batch b;
  while (r.next(b)) {
    for (const event& e : b.events) {
      acc.add(e.verb, e.user.username, e.object_ref.namespace_, e.object_ref.resource, e.response_status.code,
              e.stage_text, e.request_received_timestamp_text.size());
    }
  }
  return acc.finish();
}

constexpr field_mask t1_fields = part::verb | part::user | part::object_ref | part::response_status | part::stage |
                                 part::request_received_timestamp;

const bool registered_t1 = register_t1("k8saudit", [](std::string_view s) { return run_t1(s, t1_fields); });
const bool registered_t2 =
    register_t1("k8saudit_all_fields", [](std::string_view s) { return run_t1(s, field_mask::all()); });

}  // namespace
}  // namespace k8saudit::bench
