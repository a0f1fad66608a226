// SPDX-License-Identifier: Apache-2.0
// Fuzzer: aggregation pipelines (the language of `k8saudit query` and `stats`).
//
// Input: the pipeline, optionally followed by a NUL byte and events (any input format) to feed
// it; a fixed set of events of every format is always fed first.
// Checked, besides "no crash, no hang, no sanitizer report":
//   - a compile error carries a message and a column within [1, length + 1], and renders
//     (check_compile_error);
//   - the table is the same whether the events were parsed with every field or with only
//     query::fields() (the projection never changes a result);
//   - a state saved (serialize) and read back (deserialize) finishes to the same table and
//     saves to the same bytes;
//   - merging an empty state into a state, or the state into an empty one, changes nothing;
//   - the state never holds more than query_limits::max_memory.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz_common.h"
#include "fuzz_events.h"

using namespace k8saudit;
using k8saudit_fuzz::printable;

namespace {

// Small limits, so that the fuzzer reaches them (and their notes) with a few events.
query_limits fuzz_limits() {
  query_limits l;
  l.max_groups = 8;
  l.max_set_size = 4;
  l.exact_distinct = 4;
  l.max_memory = std::size_t{256} << 10;
  return l;
}

bool same_value(const value& a, const value& b) {
  if (a.k != b.k || a.integer != b.integer || a.text != b.text) return false;
  return a.real == b.real || (std::isnan(a.real) && std::isnan(b.real));
}

std::string render(const table& t) {
  std::string out;
  for (const std::string& c : t.columns) out += c + "|";
  out += "\n";
  for (const auto& row : t.rows) {
    for (const value& v : row) {
      out += std::to_string(static_cast<int>(v.k)) + ":" + std::to_string(v.integer) + ":" + std::to_string(v.real) +
             ":" + printable(v.text, 80) + "|";
    }
    out += "\n";
  }
  for (const std::string& n : t.notes) out += "note: " + n + "\n";
  return out;
}

bool same_table(const table& a, const table& b) {
  if (a.columns != b.columns || a.notes != b.notes || a.rows.size() != b.rows.size()) return false;
  for (std::size_t i = 0; i < a.rows.size(); ++i) {
    if (a.rows[i].size() != b.rows[i].size()) return false;
    for (std::size_t j = 0; j < a.rows[i].size(); ++j) {
      if (!same_value(a.rows[i][j], b.rows[i][j])) return false;
    }
  }
  return true;
}

void check_same(const table& a, const table& b, const query& q, const char* what) {
  FUZZ_CHECK(same_table(a, b), std::string(what) + " for '" + printable(q.text()) + "'\n--- a:\n" + render(a) +
                                   "--- b:\n" + render(b));
}

// Feeds `data` to a fresh state of `q`: the events of a full parse, and separately those of a
// parse with the query's fields only (the events both readings have, in the same order).
void check_on(const query& q, std::string_view data, const k8saudit_fuzz::read_events* full_cached) {
  k8saudit_fuzz::read_events full_local;
  if (full_cached == nullptr) full_local = k8saudit_fuzz::read_all(data, field_mask::all());
  const k8saudit_fuzz::read_events& full = full_cached != nullptr ? *full_cached : full_local;
  const k8saudit_fuzz::read_events proj = k8saudit_fuzz::read_all(data, q.fields());

  std::map<std::pair<std::uint64_t, std::uint64_t>, std::size_t> in_full;
  for (std::size_t i = 0; i < full.keys.size(); ++i) in_full.emplace(full.keys[i], i);
  query_state from_full = q.make_state();
  query_state from_proj = q.make_state();
  for (std::size_t i = 0; i < proj.events.size(); ++i) {
    auto it = in_full.find(proj.keys[i]);
    if (it == in_full.end()) continue;  // the full parse reported an error in a field q does not read
    from_full.add(*full.events[it->second]);
    from_proj.add(*proj.events[i]);
    FUZZ_CHECK(from_full.memory_bytes() <= fuzz_limits().max_memory, "the state outgrew max_memory");
  }
  const table t = from_full.finish();
  check_same(t, from_proj.finish(), q, "the projection changed the result");
  FUZZ_CHECK(from_full.events_matched() <= from_full.events_seen(), "more events matched than seen");

  // Saved and read back.
  std::string saved;
  from_full.serialize(saved);
  auto back = query_state::deserialize(saved, fuzz_limits());
  FUZZ_CHECK(back.has_value(), "a saved state does not read back: " + k8saudit::message(back.error()));
  check_same(t, back->finish(), q, "a saved state read back finishes differently");
  std::string saved_again;
  back->serialize(saved_again);
  FUZZ_CHECK(saved_again == saved, "a state read back saves to other bytes");

  // Merging with an empty state.
  query_state empty = q.make_state();
  FUZZ_CHECK(back->merge(empty).has_value(), "merging an empty state failed");
  check_same(t, back->finish(), q, "merging an empty state changed the result");
  query_state into_empty = q.make_state();
  FUZZ_CHECK(into_empty.merge(from_full).has_value(), "merging into an empty state failed");
  check_same(t, into_empty.finish(), q, "merging into an empty state changed the result");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const k8saudit_fuzz::text_and_events in(std::string_view(reinterpret_cast<const char*>(data), size));
  const std::string_view text = in.text;
  const std::string_view events = in.events;

  auto q = query::compile(text, fuzz_limits());
  if (!q) {
    k8saudit_fuzz::check_compile_error(q.error(), text);
    return 0;
  }
  FUZZ_CHECK(q->text() == text, "text() is not the text compiled");
  (void)q->required_literals().to_string();

  static const k8saudit_fuzz::read_events fixed_full =
      k8saudit_fuzz::read_all(k8saudit_fuzz::fixed_events(), field_mask::all());
  check_on(*q, k8saudit_fuzz::fixed_events(), &fixed_full);
  if (!events.empty()) check_on(*q, events, nullptr);
  return 0;
}
