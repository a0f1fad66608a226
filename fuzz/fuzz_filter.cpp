// SPDX-License-Identifier: Apache-2.0
// Fuzzer: filter expressions.
//
// Input: the expression, optionally followed by a NUL byte and events (any input format) to
// evaluate it on; a fixed set of events of every format is always used.
// Checked, besides "no crash, no sanitizer report":
//   - a compile error carries a message and a column within [1, length + 1], and renders;
//   - a compiled filter gives the same answer on an event parsed with every field and on the
//     same event parsed with only filter::fields() (the projection never changes a match);
//   - select() (batch evaluation) agrees with matches();
//   - the prefilter is sound: an event that matches has a record that may_match() accepts.
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
using k8saudit_fuzz::fixed_events;
using k8saudit_fuzz::read_all;
using k8saudit_fuzz::read_events;

namespace {

void check_on(const filter& f, std::string_view data, const read_events* full_cached) {
  read_events full_local;
  if (full_cached == nullptr) full_local = read_all(data, field_mask::all());
  const read_events& full = full_cached != nullptr ? *full_cached : full_local;
  const read_events proj = read_all(data, f.fields());

  std::map<std::pair<std::uint64_t, std::uint64_t>, bool> full_match;
  std::vector<event> views;
  views.reserve(full.events.size());
  for (std::size_t i = 0; i < full.events.size(); ++i) {
    const event& e = full.events[i].view();
    views.push_back(e);
    const bool m = f.matches(e);
    full_match[full.keys[i]] = m;
    if (m) {
      FUZZ_CHECK(f.required_literals().may_match(e.origin.record),
                 "the prefilter " + f.required_literals().to_string() + " rejects a record that matches '" +
                     printable(f.text()) + "': " + printable(e.origin.record));
    }
  }
  for (std::size_t i = 0; i < proj.events.size(); ++i) {
    auto it = full_match.find(proj.keys[i]);
    if (it == full_match.end()) continue;  // the full parse reported an error in a field f does not read
    FUZZ_CHECK(f.matches(proj.events[i].view()) == it->second, "the projection changed the match of '" +
                                                                   printable(f.text()) + "' on " +
                                                                   printable(proj.events[i]->origin.record));
  }
  // Batch evaluation agrees with matches().
  std::vector<std::uint32_t> sel;
  f.select(views, sel);
  std::size_t k = 0;
  for (std::size_t i = 0; i < views.size(); ++i) {
    const bool m = f.matches(views[i]);
    const bool s = k < sel.size() && sel[k] == i;
    FUZZ_CHECK(m == s, "select() and matches() disagree on '" + printable(f.text()) + "'");
    if (s) ++k;
  }
  FUZZ_CHECK(k == sel.size(), "select() returned indexes out of order or range");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const k8saudit_fuzz::text_and_events in(std::string_view(reinterpret_cast<const char*>(data), size));
  const std::string_view text = in.text;
  const std::string_view events = in.events;

  auto f = filter::compile(text);
  if (!f) {
    k8saudit_fuzz::check_compile_error(f.error(), text);
    return 0;
  }
  FUZZ_CHECK(f->text() == text, "text() is not the text compiled");
  (void)f->required_literals().to_string();

  static const read_events fixed_full = read_all(fixed_events(), field_mask::all());
  check_on(*f, fixed_events(), &fixed_full);
  if (!events.empty()) check_on(*f, events, nullptr);

  // A copy shares the program and answers alike.
  const filter g = *f;
  for (const owned_event& e : fixed_full.events)
    FUZZ_CHECK(g.matches(*e) == f->matches(*e), "a copy answers differently");
  return 0;
}
