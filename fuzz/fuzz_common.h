// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the fuzz harnesses: a check that traps (the harness's own assertion, never
// the library's), field-by-field event comparison, and text fingerprints of what a reader gives
// (events, errors, counters) so that two ways of reading the same bytes can be compared.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>

#include <k8saudit/k8saudit.h>

namespace k8saudit_fuzz {

/// Prints what failed and traps: libFuzzer reports a deadly signal and saves the input.
[[noreturn]] inline void fail(const char* file, int line, const char* cond, std::string_view what) {
  std::fprintf(stderr, "\n==k8saudit-fuzz== invariant violated at %s:%d: %s\n", file, line, cond);
  if (!what.empty()) std::fprintf(stderr, "==k8saudit-fuzz== %.*s\n", static_cast<int>(what.size()), what.data());
  std::fflush(stderr);
  __builtin_trap();
}

#define FUZZ_CHECK(cond, what)                                             \
  do {                                                                     \
    if (!(cond)) ::k8saudit_fuzz::fail(__FILE__, __LINE__, #cond, (what)); \
  } while (0)

/// `s` with control and non-ASCII bytes escaped, cut at `max` bytes, for messages.
inline std::string printable(std::string_view s, std::size_t max = 600) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < s.size() && i < max; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  if (s.size() > max) out += "...";
  return out;
}

inline std::string ns_text(k8saudit::timestamp t) { return std::to_string(t.time_since_epoch().count()); }

// ----- event comparison -------------------------------------------------------------------------

inline void diff_sv(std::string& out, const char* name, std::string_view a, std::string_view b) {
  if (a != b && out.empty()) out = std::string(name) + ": '" + printable(a) + "' != '" + printable(b) + "'";
}

inline void diff_list(std::string& out, const char* name, std::span<const std::string_view> a,
                      std::span<const std::string_view> b) {
  if (!out.empty()) return;
  if (a.size() != b.size()) {
    out = std::string(name) + ": " + std::to_string(a.size()) + " items != " + std::to_string(b.size());
    return;
  }
  for (std::size_t i = 0; i < a.size(); ++i) diff_sv(out, name, a[i], b[i]);
}

inline void diff_user(std::string& out, const char* name, const k8saudit::user_info& a, const k8saudit::user_info& b) {
  const std::string n(name);
  diff_sv(out, (n + ".username").c_str(), a.username, b.username);
  diff_sv(out, (n + ".uid").c_str(), a.uid, b.uid);
  diff_list(out, (n + ".groups").c_str(), a.groups, b.groups);
  diff_sv(out, (n + ".extra").c_str(), a.extra.text, b.extra.text);
}

/// The first field where `a` and `b` differ (empty when they are equal). `origin`: compare the
/// origin too (line, offset, record, envelope fields).
inline std::string diff_events(const k8saudit::event& a, const k8saudit::event& b, bool origin) {
  std::string d;
  diff_sv(d, "kind", a.kind, b.kind);
  diff_sv(d, "apiVersion", a.api_version, b.api_version);
  if (d.empty() && a.level != b.level) d = "level enum";
  diff_sv(d, "level", a.level_text, b.level_text);
  diff_sv(d, "auditID", a.audit_id, b.audit_id);
  if (d.empty() && a.stage != b.stage) d = "stage enum";
  diff_sv(d, "stage", a.stage_text, b.stage_text);
  diff_sv(d, "requestURI", a.request_uri, b.request_uri);
  diff_sv(d, "verb", a.verb, b.verb);
  diff_user(d, "user", a.user, b.user);
  if (d.empty() && a.has_impersonated_user != b.has_impersonated_user) d = "has_impersonated_user";
  diff_user(d, "impersonatedUser", a.impersonated_user, b.impersonated_user);
  diff_sv(d, "authenticationMetadata", a.authentication_metadata.text, b.authentication_metadata.text);
  diff_list(d, "sourceIPs", a.source_ips, b.source_ips);
  diff_sv(d, "userAgent", a.user_agent, b.user_agent);
  const auto &oa = a.object_ref, &ob = b.object_ref;
  diff_sv(d, "objectRef.resource", oa.resource, ob.resource);
  diff_sv(d, "objectRef.namespace", oa.namespace_, ob.namespace_);
  diff_sv(d, "objectRef.name", oa.name, ob.name);
  diff_sv(d, "objectRef.uid", oa.uid, ob.uid);
  diff_sv(d, "objectRef.apiGroup", oa.api_group, ob.api_group);
  diff_sv(d, "objectRef.apiVersion", oa.api_version, ob.api_version);
  diff_sv(d, "objectRef.resourceVersion", oa.resource_version, ob.resource_version);
  diff_sv(d, "objectRef.subresource", oa.subresource, ob.subresource);
  const auto &ra = a.response_status, &rb = b.response_status;
  if (d.empty() && ra.code != rb.code)
    d = "responseStatus.code " + std::to_string(ra.code) + " != " + std::to_string(rb.code);
  diff_sv(d, "responseStatus.status", ra.status, rb.status);
  diff_sv(d, "responseStatus.reason", ra.reason, rb.reason);
  diff_sv(d, "responseStatus.message", ra.message, rb.message);
  diff_sv(d, "responseStatus.details", ra.details.text, rb.details.text);
  diff_sv(d, "responseStatus.metadata", ra.metadata.text, rb.metadata.text);
  diff_sv(d, "requestObject", a.request_object.text, b.request_object.text);
  diff_sv(d, "responseObject", a.response_object.text, b.response_object.text);
  if (d.empty() && a.request_received_timestamp != b.request_received_timestamp) {
    d = "requestReceivedTimestamp " + ns_text(a.request_received_timestamp) +
        " != " + ns_text(b.request_received_timestamp);
  }
  if (d.empty() && a.stage_timestamp != b.stage_timestamp) {
    d = "stageTimestamp " + ns_text(a.stage_timestamp) + " != " + ns_text(b.stage_timestamp);
  }
  diff_sv(d, "requestReceivedTimestamp text", a.request_received_timestamp_text, b.request_received_timestamp_text);
  diff_sv(d, "stageTimestamp text", a.stage_timestamp_text, b.stage_timestamp_text);
  diff_sv(d, "annotations", a.annotations.text, b.annotations.text);
  if (origin) {
    diff_sv(d, "origin.file", a.origin.file, b.origin.file);
    if (d.empty() && a.origin.line != b.origin.line) d = "origin.line";
    if (d.empty() && a.origin.offset != b.origin.offset) d = "origin.offset";
    diff_sv(d, "origin.record", a.origin.record, b.origin.record);
    if (d.empty() && a.origin.format != b.origin.format) d = "origin.format";
    diff_sv(d, "origin.category", a.origin.category, b.origin.category);
    diff_sv(d, "origin.resource_id", a.origin.resource_id, b.origin.resource_id);
    diff_sv(d, "origin.pod", a.origin.pod, b.origin.pod);
    diff_sv(d, "origin.time", a.origin.time, b.origin.time);
  }
  return d;
}

// ----- fingerprints of a reading ----------------------------------------------------------------

/// One line per event: its place, its envelope and its native JSON.
inline void fingerprint(const k8saudit::event& ev, std::string& out) {
  const auto& o = ev.origin;
  out += std::to_string(o.line) + ':' + std::to_string(o.offset) + ':' + std::string(k8saudit::to_string(o.format)) +
         ':' + std::string(o.category) + ':' + std::string(o.resource_id) + ':' + std::string(o.pod) + ':' +
         std::string(o.time) + ':' + std::to_string(o.record.size()) + ':';
  out += o.record;
  out += " => ";
  k8saudit::write_json(ev, out);
  out += '\n';
}

inline void fingerprint(const k8saudit::record_error& e, std::string& out) {
  out += "E " + std::string(k8saudit::name(e.error.code)) + ' ' + std::to_string(e.error.line) + ':' +
         std::to_string(e.error.offset) + ' ' + std::string(e.error.field) + " (" + std::string(e.error.detail) + ")\n";
}

inline std::string fingerprint(const k8saudit::counters& c) {
  std::string s = "records=" + std::to_string(c.records) + " events=" + std::to_string(c.events) +
                  " skipped=" + std::to_string(c.skipped) + " errors=" + std::to_string(c.errors) +
                  " bytes=" + std::to_string(c.bytes) + " lines=" + std::to_string(c.lines) + " skips:";
  for (auto n : c.skipped_by_reason) s += ' ' + std::to_string(n);
  s += " codes:";
  for (auto n : c.errors_by_code) s += ' ' + std::to_string(n);
  return s;
}

/// Checks records == events + skipped + errors and that the per-reason counts add up.
inline void check_counters(const k8saudit::counters& c) {
  FUZZ_CHECK(c.records == c.events + c.skipped + c.errors, fingerprint(c));
  std::uint64_t skips = 0, errs = 0;
  for (auto n : c.skipped_by_reason) skips += n;
  for (auto n : c.errors_by_code) errs += n;
  FUZZ_CHECK(skips == c.skipped, fingerprint(c));
  FUZZ_CHECK(errs == c.errors, fingerprint(c));
  FUZZ_CHECK(c.errors_by_code[0] == 0, fingerprint(c));
}

/// An expression harness's input: the text, then optionally a NUL byte and events.
struct text_and_events {
  std::string_view text, events;
  explicit text_and_events(std::string_view input) noexcept {
    const std::size_t nul = input.find('\0');
    text = input.substr(0, nul);
    events = nul == std::string_view::npos ? std::string_view{} : input.substr(nul + 1);
  }
};

/// What every compile error of an expression must carry: a message, a column within
/// [1, length + 1], the text compiled, and a rendering with a caret.
inline void check_compile_error(const k8saudit::expression_error& e, std::string_view text) {
  FUZZ_CHECK(!e.message.empty(), "a compile error without a message: " + printable(text));
  FUZZ_CHECK(e.column >= 1 && e.column <= text.size() + 1,
             "column " + std::to_string(e.column) + " out of range for '" + printable(text) + "' (" + e.message + ")");
  FUZZ_CHECK(e.expression == text, "the error's expression is not the text compiled");
  FUZZ_CHECK(e.render().find('^') != std::string::npos, "render() without a caret");
}

/// Tells apart the events of one record (an EventList, a records message): 0, 1, ... for
/// consecutive events that share their origin's offset. Feed it every event in reading order.
struct item_counter {
  std::uint64_t last_offset{UINT64_MAX};
  std::uint64_t item{0};
  std::uint64_t next(const k8saudit::event& e) noexcept {
    item = e.origin.offset == last_offset ? item + 1 : 0;
    last_offset = e.origin.offset;
    return item;
  }
};

/// A whole reading as text: events, errors (in order), counters, failure.
struct reading {
  std::string events;
  std::string errors;
  std::string stats;
  std::uint64_t n_events{0};
  std::uint64_t n_errors{0};
  bool failed{false};
  k8saudit::error failure{};
};

/// An event's timestamps are what parse_timestamp gives for their texts: the parser's memory of
/// the last second (time_detail.h) must never change a result, whatever came before.
inline void check_timestamps(const k8saudit::event& e) {
  const auto same = [](std::string_view text, k8saudit::timestamp t) {
    if (text.empty()) return t == k8saudit::timestamp{};
    const auto r = k8saudit::parse_timestamp(text);
    return r.has_value() && *r == t;
  };
  FUZZ_CHECK(same(e.request_received_timestamp_text, e.request_received_timestamp),
             "requestReceivedTimestamp " + printable(e.request_received_timestamp_text));
  FUZZ_CHECK(same(e.stage_timestamp_text, e.stage_timestamp), "stageTimestamp " + printable(e.stage_timestamp_text));
}

/// Reads everything `r` (opened) yields, checking the per-batch and counter invariants.
inline reading drain(k8saudit::reader& r, std::size_t max_batch_events) {
  reading out;
  k8saudit::batch b;
  while (r.next(b)) {
    FUZZ_CHECK(!b.events.empty() || !b.errors.empty(), "next() returned true with an empty batch");
    // Not checked: b.events.size() <= max_batch_events. A container record (EventList, records
    // message, array) gives all its items to one batch, which may then hold more.
    (void)max_batch_events;
    for (const k8saudit::event& e : b.events) {
      fingerprint(e, out.events);
      check_timestamps(e);
    }
    for (const k8saudit::record_error& e : b.errors) {
      FUZZ_CHECK(e.error.code != k8saudit::errc::ok, "an error with code ok");
      fingerprint(e, out.errors);
    }
    out.n_events += b.events.size();
    out.n_errors += b.errors.size();
  }
  FUZZ_CHECK(b.events.empty() && b.errors.empty(), "next() returned false with a non-empty batch");
  const k8saudit::counters& c = r.stats();
  check_counters(c);
  FUZZ_CHECK(c.events == out.n_events, fingerprint(c));
  FUZZ_CHECK(c.errors == out.n_errors, fingerprint(c));
  out.stats = fingerprint(c);
  out.failed = r.failed();
  out.failure = r.failure();
  if (out.failed) FUZZ_CHECK(out.failure.code != k8saudit::errc::ok, "failed() with an ok failure");
  return out;
}

inline void check_same(const reading& a, const reading& b, const char* what) {
  FUZZ_CHECK(a.failed == b.failed, std::string(what) + ": failed() differs");
  FUZZ_CHECK(a.events == b.events, std::string(what) + ": events differ\n--- a:\n" + printable(a.events, 3000) +
                                       "\n--- b:\n" + printable(b.events, 3000));
  FUZZ_CHECK(a.errors == b.errors, std::string(what) + ": errors differ\n--- a:\n" + a.errors + "--- b:\n" + b.errors);
  FUZZ_CHECK(a.stats == b.stats, std::string(what) + ": counters differ\n--- a: " + a.stats + "\n--- b: " + b.stats);
}

}  // namespace k8saudit_fuzz
