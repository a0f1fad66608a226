// SPDX-License-Identifier: Apache-2.0
// Fuzzer: one event through parser::parse.
//
// The input is the JSON text of one event. Checked, besides "no crash, no sanitizer report":
//   - parse() and parse_padded() agree (same event, same error);
//   - to_owned() gives the same fields as the view, after the parser has been reused;
//   - a projection (a field mask derived from the input) reads the same values for the fields it
//     keeps, and never fails where the full parse succeeds;
//   - write_json then parse gives the same event (timestamps that write_json re-formats compare
//     at microsecond precision; multi-line raw JSON compares without its whitespace), and
//     writing that again gives the same bytes;
//   - errors carry a code and a static field/detail; derive_attributes accepts every event;
//   - the timestamps are what parse_timestamp gives for their texts.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "fuzz_common.h"

using namespace k8saudit;
using k8saudit_fuzz::diff_events;
using k8saudit_fuzz::printable;

namespace {

// Raw JSON (or what the parser accepted as such) without the whitespace outside strings, strings
// found as simdjson's first stage finds them: a backslash escapes the next byte, outside
// strings too (an escaped whitespace byte is kept, as a space). Minifying must keep this.
std::string squeeze(std::string_view raw) {
  std::string out;
  bool in_string = false, escape = false;
  for (char c : raw) {
    const bool ws = c == ' ' || c == '\n' || c == '\r' || c == '\t';
    if (escape) {
      escape = false;
      out += ws ? ' ' : c;
    } else if (c == '\\') {
      escape = true;
      out += c;
    } else if (c == '"') {
      in_string = !in_string;
      out += c;
    } else if (in_string || !ws) {
      out += c;
    }
  }
  return out;
}

bool multi_line(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

void check_raw(const char* name, const raw_json& original, const raw_json& again) {
  FUZZ_CHECK(!multi_line(again.text), std::string(name) + " was written over several lines");
  if (multi_line(original.text)) {
    FUZZ_CHECK(squeeze(original.text) == squeeze(again.text),
               std::string(name) + ": '" + printable(original.text) + "' became '" + printable(again.text) + "'");
  } else {
    FUZZ_CHECK(original.text == again.text,
               std::string(name) + ": '" + printable(original.text) + "' became '" + printable(again.text) + "'");
  }
}

// A timestamp that write_json copies as text, or re-formats with microseconds.
void check_time(const char* name, std::string_view text, timestamp t, std::string_view text2, timestamp t2) {
  if (text.empty()) {
    FUZZ_CHECK(text2.empty(), std::string(name) + " appeared");
    return;
  }
  const bool kept = text.size() >= 20 && text[10] == 'T' && text.back() == 'Z';
  if (kept) {
    FUZZ_CHECK(text2 == text, std::string(name) + ": '" + printable(text) + "' became '" + printable(text2) + "'");
    FUZZ_CHECK(t2 == t, std::string(name) + ": value changed for '" + printable(text) + "'");
  } else {
    const timestamp want = std::chrono::floor<std::chrono::microseconds>(t);
    FUZZ_CHECK(t2 == want, std::string(name) + ": '" + printable(text) + "' (" + k8saudit_fuzz::ns_text(t) +
                               " ns) became '" + printable(text2) + "' (" + k8saudit_fuzz::ns_text(t2) + " ns)");
  }
}

void check_user(const char* name, const user_info& a, const user_info& b) {
  FUZZ_CHECK(a.username == b.username, name);
  FUZZ_CHECK(a.uid == b.uid, name);
  FUZZ_CHECK(a.groups.size() == b.groups.size(), name);
  for (std::size_t i = 0; i < a.groups.size(); ++i) FUZZ_CHECK(a.groups[i] == b.groups[i], name);
  check_raw(name, a.extra, b.extra);
}

// `again` is `ev` written with write_json and parsed back.
void check_round_trip(const event& ev, const event& again, const std::string& written) {
  const std::string ctx = "\nwritten: " + printable(written, 2000);
  FUZZ_CHECK(again.kind == "Event", ctx);
  FUZZ_CHECK(again.api_version == "audit.k8s.io/v1", ctx);
  FUZZ_CHECK(again.level == ev.level && again.level_text == ev.level_text, "level" + ctx);
  FUZZ_CHECK(again.stage == ev.stage && again.stage_text == ev.stage_text, "stage" + ctx);
  FUZZ_CHECK(again.audit_id == ev.audit_id, "auditID" + ctx);
  FUZZ_CHECK(again.request_uri == ev.request_uri, "requestURI" + ctx);
  FUZZ_CHECK(again.verb == ev.verb, "verb" + ctx);
  check_user("user", ev.user, again.user);
  FUZZ_CHECK(again.has_impersonated_user == ev.has_impersonated_user, "impersonatedUser" + ctx);
  check_user("impersonatedUser", ev.impersonated_user, again.impersonated_user);
  check_raw("authenticationMetadata", ev.authentication_metadata, again.authentication_metadata);
  FUZZ_CHECK(again.source_ips.size() == ev.source_ips.size(), "sourceIPs" + ctx);
  for (std::size_t i = 0; i < ev.source_ips.size(); ++i)
    FUZZ_CHECK(again.source_ips[i] == ev.source_ips[i], "sourceIPs" + ctx);
  FUZZ_CHECK(again.user_agent == ev.user_agent, "userAgent" + ctx);
  std::string d;
  const auto &o = ev.object_ref, &o2 = again.object_ref;
  FUZZ_CHECK(o.resource == o2.resource && o.namespace_ == o2.namespace_ && o.name == o2.name && o.uid == o2.uid &&
                 o.api_group == o2.api_group && o.api_version == o2.api_version &&
                 o.resource_version == o2.resource_version && o.subresource == o2.subresource,
             "objectRef" + ctx);
  const auto &r = ev.response_status, &r2 = again.response_status;
  FUZZ_CHECK(r.code == r2.code && r.status == r2.status && r.reason == r2.reason && r.message == r2.message,
             "responseStatus" + ctx);
  check_raw("responseStatus.details", r.details, r2.details);
  check_raw("responseStatus.metadata", r.metadata, r2.metadata);
  check_raw("requestObject", ev.request_object, again.request_object);
  check_raw("responseObject", ev.response_object, again.response_object);
  check_raw("annotations", ev.annotations, again.annotations);
  check_time("requestReceivedTimestamp", ev.request_received_timestamp_text, ev.request_received_timestamp,
             again.request_received_timestamp_text, again.request_received_timestamp);
  check_time("stageTimestamp", ev.stage_timestamp_text, ev.stage_timestamp, again.stage_timestamp_text,
             again.stage_timestamp);
}

// `full` with the fields outside `mask` cleared: what a parser with that mask must give.
event project(const event& full, field_mask mask) {
  event e = full;
  if (!mask.has(part::api_version)) e.api_version = {};
  if (!mask.has(part::level)) {
    e.level = level::absent;
    e.level_text = {};
  }
  if (!mask.has(part::audit_id)) e.audit_id = {};
  if (!mask.has(part::stage)) {
    e.stage = stage::absent;
    e.stage_text = {};
  }
  if (!mask.has(part::request_uri)) e.request_uri = {};
  if (!mask.has(part::verb)) e.verb = {};
  if (!mask.has(part::user)) e.user = {};
  if (!mask.has(part::impersonated_user)) {
    e.impersonated_user = {};
    e.has_impersonated_user = false;
  }
  if (!mask.has(part::user_groups)) {
    e.user.groups = {};
    e.user.extra = {};
    e.impersonated_user.groups = {};
    e.impersonated_user.extra = {};
  }
  if (!mask.has(part::authentication_metadata)) e.authentication_metadata = {};
  if (!mask.has(part::source_ips)) e.source_ips = {};
  if (!mask.has(part::user_agent)) e.user_agent = {};
  if (!mask.has(part::object_ref)) e.object_ref = {};
  if (!mask.has(part::response_status)) e.response_status = {};
  if (!mask.has(part::request_object)) e.request_object = {};
  if (!mask.has(part::response_object)) e.response_object = {};
  if (!mask.has(part::request_received_timestamp)) {
    e.request_received_timestamp = {};
    e.request_received_timestamp_text = {};
  }
  if (!mask.has(part::stage_timestamp)) {
    e.stage_timestamp = {};
    e.stage_timestamp_text = {};
  }
  if (!mask.has(part::annotations)) e.annotations = {};
  return e;
}

void check_error(const error& e) {
  FUZZ_CHECK(e.code != errc::ok, "a failed parse with code ok");
  FUZZ_CHECK(!name(e.code).empty(), "an error code without a name");
  (void)message(e);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);

  parser p;
  auto r1 = p.parse(json);
  if (r1) k8saudit_fuzz::check_timestamps(*r1);  // the second timestamp may meet the first's memory

  // parse_padded on an exactly padded copy gives the same outcome.
  {
    const std::size_t cap = size + parser::padding();
    std::unique_ptr<char[]> buf(new char[cap]);
    if (size != 0) std::memcpy(buf.get(), data, size);
    std::memset(buf.get() + size, ' ', parser::padding());
    parser pp;
    auto r2 = pp.parse_padded(std::string_view(buf.get(), size), cap);
    FUZZ_CHECK(r1.has_value() == r2.has_value(), "parse and parse_padded disagree on success");
    if (r1) {
      const std::string d = diff_events(*r1, *r2, false);
      FUZZ_CHECK(d.empty(), "parse vs parse_padded: " + d);
      FUZZ_CHECK(r1->origin.record == r2->origin.record, "parse vs parse_padded: origin.record");
    } else {
      FUZZ_CHECK(r1.error().code == r2.error().code && r1.error().field == r2.error().field,
                 "parse vs parse_padded: different errors");
    }
    // Too little padding is an error, not a read past the buffer.
    if (size != 0) {
      auto r3 = pp.parse_padded(std::string_view(buf.get(), size), size);
      FUZZ_CHECK(!r3.has_value(), "parse_padded accepted a buffer without padding");
    }
  }

  // Strict mode (validate_all) only adds errors: what it accepts, the default mode accepts alike.
  parser_options strict_options;
  strict_options.validate_all = true;
  parser strict(strict_options);
  bool strict_ok = false;
  {
    auto rs = strict.parse(json);
    strict_ok = rs.has_value();
    if (strict_ok) {
      FUZZ_CHECK(r1.has_value(), "validate_all accepts an event the default mode rejects");
      const std::string d = diff_events(*r1, *rs, true);
      FUZZ_CHECK(d.empty(), "validate_all vs default: " + d);
    } else {
      check_error(rs.error());
    }
  }

  if (!r1) {
    check_error(r1.error());
    return 0;
  }

  const event& ev = *r1;
  (void)ev.verb_kind();
  FUZZ_CHECK(ev.level == parse_level(ev.level_text), "level enum and text disagree");
  FUZZ_CHECK(ev.stage == parse_stage(ev.stage_text), "stage enum and text disagree");
  FUZZ_CHECK(ev.origin.format == record_format::native, "a parsed event that is not native");
  {
    std::string scratch;
    auto a = ev.annotation("authorization.k8s.io/decision", scratch);
    (void)a;
    request_attributes attrs;
    derive_attributes(ev, attrs);
  }

  // to_owned() copies every view; compare after the parser has been reused for something else.
  const owned_event owned = ev.to_owned();
  FUZZ_CHECK(diff_events(owned.view(), ev, true).empty(), "to_owned: " + diff_events(owned.view(), ev, true));

  // Projection: a mask derived from the input.
  {
    std::uint32_t h = 2166136261u;
    for (std::size_t i = 0; i < size; ++i) h = (h ^ data[i]) * 16777619u;
    const field_mask mask = field_mask::from_bits(h & field_mask::all().bits());
    parser_options po;
    po.fields = mask;
    parser pm(po);
    auto rm = pm.parse(json);
    // Only for JSON: text that is not (accepted as raw text the parser does not check) may be
    // skipped differently by the projection, which reads other values.
    if (strict_ok) {
      FUZZ_CHECK(rm.has_value(), "a projection fails where the full parse succeeds: " +
                                     std::string(rm ? std::string_view{} : name(rm.error().code)) + " " +
                                     std::string(rm ? std::string_view{} : rm.error().field));
      const event want = project(owned.view(), mask);
      const std::string d = diff_events(want, *rm, false);
      FUZZ_CHECK(d.empty(), "projection " + std::to_string(mask.bits()) + ": " + d);
    }
  }

  // Reuse the first parser (its arena and buffer): the owned copy must not change.
  std::string before;
  write_json(ev, before);
  (void)p.parse(R"({"kind":"Event","verb":"get","user":{"username":"someone-else\u00e9"}})");

  // write_json, parse back, compare; write again, same bytes.
  std::string written;
  write_json(owned.view(), written);
  FUZZ_CHECK(written == before, "the owned copy changed when the parser was reused");
  FUZZ_CHECK(written.find('\n') == std::string::npos, "write_json wrote a newline: " + printable(written));
  auto again = p.parse(written);
  FUZZ_CHECK(again.has_value(),
             "write_json output does not parse: " + std::string(again ? std::string_view{} : name(again.error().code)) +
                 " " + std::string(again ? std::string_view{} : again.error().field) + "\n" + printable(written, 2000));
  check_round_trip(owned.view(), *again, written);
  if (strict_ok) {
    auto again_strict = strict.parse(written);
    FUZZ_CHECK(again_strict.has_value(),
               "write_json output of a valid event is not valid: " +
                   std::string(again_strict ? std::string_view{} : name(again_strict.error().code)) + "\n" +
                   printable(written, 2000));
  }
  std::string written2;
  write_json(*again, written2);
  FUZZ_CHECK(written2 == written,
             "write_json is not stable:\n" + printable(written, 2000) + "\n" + printable(written2, 2000));
  return 0;
}
