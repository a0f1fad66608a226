// SPDX-License-Identifier: Apache-2.0
// Applying a policy decision to an event (docs/audit-policy.md section 4): drop, cap the level,
// remove the bodies the level does not record, strip metadata.managedFields from the bodies.
//
// Stripping edits the body text in place of a JSON decoder: it finds the `managedFields` members
// of the right `metadata` objects and removes their byte ranges (with one adjacent comma), so
// every other byte, whitespace included, stays as it was. The scanner below checks the object
// structure it walks; on anything it does not understand the body is left unchanged.
#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "json_scan.h"
#include "k8saudit/policy.h"
#include "k8saudit/write.h"

namespace k8saudit {
namespace {

constexpr std::size_t npos = std::string_view::npos;

/// The level order None < Metadata < Request < RequestResponse; -1 for absent/unknown.
int rank(level l) noexcept {
  switch (l) {
    case level::none: return 0;
    case level::metadata: return 1;
    case level::request: return 2;
    case level::request_response: return 3;
    default: return -1;
  }
}

using detail::skip_ws;

/// One member of an object: `key` is the raw key content (between the quotes, still escaped).
struct member {
  std::string_view key;
  std::size_t key_start;    ///< index of the key's opening quote
  std::size_t value_start;  ///< index of the value's first byte
  std::size_t value_end;    ///< one past the value's last byte
};

/// Calls fn(member) for each member of the object whose '{' is at t[open]. Returns one past the
/// closing '}', or npos when the text is not a well-formed object there or fn returned false.
template <class Fn>
std::size_t for_each_member(std::string_view t, std::size_t open, Fn&& fn) {
  if (open >= t.size() || t[open] != '{') return npos;
  std::size_t i = skip_ws(t, open + 1);
  if (i < t.size() && t[i] == '}') return i + 1;
  for (;;) {
    if (i >= t.size() || t[i] != '"') return npos;
    const std::size_t kend = detail::skip_string(t, i);
    if (kend == npos) return npos;
    member m{t.substr(i + 1, kend - i - 2), i, 0, 0};
    i = skip_ws(t, kend);
    if (i >= t.size() || t[i] != ':') return npos;
    m.value_start = skip_ws(t, i + 1);
    m.value_end = detail::skip_value(t, m.value_start);
    if (m.value_end == npos || m.value_end <= m.value_start || m.value_end > t.size()) return npos;
    if (!fn(m)) return npos;
    i = skip_ws(t, m.value_end);
    if (i >= t.size()) return npos;
    if (t[i] == '}') return i + 1;
    if (t[i] != ',') return npos;
    i = skip_ws(t, i + 1);
  }
}

/// Calls fn(start, end) for each element of the array whose '[' is at t[open]. Returns one past
/// the closing ']', or npos (malformed, or fn returned false).
template <class Fn>
std::size_t for_each_element(std::string_view t, std::size_t open, Fn&& fn) {
  if (open >= t.size() || t[open] != '[') return npos;
  std::size_t i = skip_ws(t, open + 1);
  if (i < t.size() && t[i] == ']') return i + 1;
  for (;;) {
    if (i >= t.size()) return npos;
    const std::size_t end = detail::skip_value(t, i);
    if (end == npos || end <= i || end > t.size()) return npos;
    if (!fn(i, end)) return npos;
    i = skip_ws(t, end);
    if (i >= t.size()) return npos;
    if (t[i] == ']') return i + 1;
    if (t[i] != ',') return npos;
    i = skip_ws(t, i + 1);
  }
}

/// Whether the raw (escaped) key content equals `want` once unescaped.
bool key_is(std::string_view raw, std::string_view want, std::string& scratch) {
  if (raw.find('\\') == npos) return raw == want;
  return detail::unescape(raw, scratch) && scratch == want;
}

/// Whether the value text is a JSON string equal to `want`.
bool string_value_is(std::string_view value, std::string_view want, std::string& scratch) {
  if (value.size() < 2 || value.front() != '"' || value.back() != '"') return false;
  return key_is(value.substr(1, value.size() - 2), want, scratch);
}

using range = std::pair<std::size_t, std::size_t>;  // [first, second) of bytes to remove

class stripper {
 public:
  stripper(std::string_view text, std::vector<range>& ranges, std::string& scratch)
      : t_(text), ranges_(ranges), scratch_(scratch) {}

  /// Collects the ranges to remove from the body; false when the text could not be scanned.
  bool run() {
    const std::size_t open = skip_ws(t_, 0);
    if (open >= t_.size() || t_[open] != '{') return true;  // a string, an array: unchanged
    bool table = false;
    std::vector<std::size_t> rows;  // kind may come after rows: decided once the object is scanned
    const std::size_t end = for_each_member(t_, open, [&](const member& m) {
      if (key_is(m.key, "metadata", scratch_)) return strip_metadata(m.value_start);
      if (key_is(m.key, "items", scratch_)) return strip_items(m.value_start);
      if (key_is(m.key, "kind", scratch_)) {
        table = string_value_is(t_.substr(m.value_start, m.value_end - m.value_start), "Table", scratch_);
      } else if (key_is(m.key, "rows", scratch_)) {
        rows.push_back(m.value_start);
      }
      return true;
    });
    if (end == npos) return false;
    if (table) {
      for (std::size_t r : rows) {
        if (!strip_rows(r)) return false;
      }
    }
    return true;
  }

 private:
  /// Removes every `managedFields` member of the metadata object at t_[open] (non-objects are
  /// left alone). Each removed member takes the comma before it when a kept member precedes it,
  /// else the comma after it; when every member goes, `{}` (its inner whitespace kept) remains.
  bool strip_metadata(std::size_t open) {
    if (t_[open] != '{') return true;
    std::size_t last_kept_end = npos;  // value end of the last kept member
    std::size_t lead_start = npos;     // removed members before the first kept one
    std::size_t lead_end = npos;
    const std::size_t end = for_each_member(t_, open, [&](const member& m) {
      if (key_is(m.key, "managedFields", scratch_)) {
        if (last_kept_end != npos) {
          ranges_.emplace_back(last_kept_end, m.value_end);
        } else {
          if (lead_start == npos) lead_start = m.key_start;
          lead_end = m.value_end;
        }
      } else {
        if (lead_start != npos) {
          ranges_.emplace_back(lead_start, m.key_start);
          lead_start = npos;
        }
        last_kept_end = m.value_end;
      }
      return true;
    });
    if (end == npos) return false;
    if (lead_start != npos) ranges_.emplace_back(lead_start, lead_end);  // every member removed
    return true;
  }

  /// Strips the metadata of the object at t_[open] (one level: only its own `metadata`).
  bool strip_object(std::size_t open) {
    if (t_[open] != '{') return true;
    return for_each_member(t_, open, [&](const member& m) {
             return key_is(m.key, "metadata", scratch_) ? strip_metadata(m.value_start) : true;
           }) != npos;
  }

  bool strip_items(std::size_t open) {
    if (t_[open] != '[') return true;  // not a list
    return for_each_element(t_, open, [&](std::size_t start, std::size_t) { return strip_object(start); }) != npos;
  }

  bool strip_rows(std::size_t open) {
    if (t_[open] != '[') return true;
    return for_each_element(t_, open, [&](std::size_t start, std::size_t) {
             if (t_[start] != '{') return true;
             return for_each_member(t_, start, [&](const member& m) {
                      return key_is(m.key, "object", scratch_) ? strip_object(m.value_start) : true;
                    }) != npos;
           }) != npos;
  }

  std::string_view t_;
  std::vector<range>& ranges_;
  std::string& scratch_;
};

/// Writes `text` without `metadata.managedFields` (object, list items, Table rows) into `out`.
/// Returns false, leaving `out` unspecified, when there was nothing to remove or the text could
/// not be scanned: the caller then keeps the body as it was.
bool strip_managed_fields(std::string_view text, std::string& out, std::vector<range>& ranges, std::string& scratch) {
  ranges.clear();
  stripper s(text, ranges, scratch);
  if (!s.run() || ranges.empty()) return false;
  std::sort(ranges.begin(), ranges.end());
  out.clear();
  std::size_t pos = 0;
  for (const range& r : ranges) {
    if (r.second <= pos) continue;  // inside a range already removed
    const std::size_t from = std::max(r.first, pos);
    out.append(text.substr(pos, from - pos));
    pos = r.second;
  }
  out.append(text.substr(pos));
  return true;
}

}  // namespace

bool drops(const policy_decision& d, const event& ev) noexcept {
  // A decision without a valid level records nothing, as None does.
  if (rank(d.level) <= 0) return true;
  switch (ev.stage) {
    case stage::request_received:
    case stage::response_started:
    case stage::response_complete:
    case stage::panic: return d.omits(ev.stage);
    default: return false;  // absent or unknown: no omitStages entry names it
  }
}

level effective_level(const policy_decision& d, const event& ev) noexcept {
  const int recorded = rank(ev.level);
  if (recorded < 0) return d.level;
  return rank(d.level) <= recorded ? d.level : ev.level;
}

bool apply(const policy_decision& d, const event& ev, std::string& out) {
  if (drops(d, ev)) return false;
  event e = ev;
  const level eff = effective_level(d, ev);
  if (eff != ev.level) {
    e.level = eff;
    e.level_text = to_string(eff);
  }
  if (rank(eff) < rank(level::request)) e.request_object = {};
  if (rank(eff) < rank(level::request_response)) e.response_object = {};
  if (d.omit_managed_fields) {
    // Kept per thread so that steady state allocates nothing; valid until write_json returns.
    thread_local std::string request_buf, response_buf, scratch;
    thread_local std::vector<range> ranges;
    if (!e.request_object.empty() && ev.verb != "patch" &&
        strip_managed_fields(e.request_object.text, request_buf, ranges, scratch)) {
      e.request_object.text = request_buf;
    }
    if (!e.response_object.empty() && strip_managed_fields(e.response_object.text, response_buf, ranges, scratch)) {
      e.response_object.text = response_buf;
    }
  }
  write_json(e, out);
  return true;
}

}  // namespace k8saudit
