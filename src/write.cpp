// SPDX-License-Identifier: Apache-2.0
#include "k8saudit/write.h"

#include <array>
#include <charconv>
#include <cstring>

#include "k8saudit/time.h"

namespace k8saudit {
namespace {

// Bytes that need an escape in Go's encoding/json (HTML-safe mode): controls, '"', '\\', '<',
// '>', '&'. U+2028/U+2029 (E2 80 A8/A9) are handled on the 0xE2 lead byte.
constexpr std::array<bool, 256> make_special() {
  std::array<bool, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[static_cast<std::size_t>(c)] = true;
  for (int c : {int{'"'}, int{'\\'}, int{'<'}, int{'>'}, int{'&'}, 0xE2}) t[static_cast<std::size_t>(c)] = true;
  return t;
}
constexpr std::array<bool, 256> special = make_special();

void append_u(unsigned code, std::string& out) {
  static constexpr char hex[] = "0123456789abcdef";
  char buf[6] = {'\\', 'u', hex[(code >> 12) & 0xF], hex[(code >> 8) & 0xF], hex[(code >> 4) & 0xF], hex[code & 0xF]};
  out.append(buf, 6);
}

bool is_space(char c) noexcept { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }
bool is_structural(char c) noexcept {
  return c == '{' || c == '}' || c == '[' || c == ']' || c == ',' || c == ':' || c == 0;
}

// Raw JSON text copied as is; minified when it spans lines so that output stays one line.
// The parser checks raw values with simdjson's first stage only, so the text may not be JSON
// (`{"a":1 2}`, a backslash outside strings). Minifying must not change how it tokenizes:
// strings are found as simdjson finds them (a backslash escapes the next byte, outside strings
// too, and an escaped quote opens nothing; an escaped space or newline becomes a space), and
// whitespace between two bytes that are not structural is kept as one space (in JSON such
// whitespace always touches one of {}[],: and is dropped).
void append_raw(std::string_view raw, std::string& out) {
  if (std::memchr(raw.data(), '\n', raw.size()) == nullptr && std::memchr(raw.data(), '\r', raw.size()) == nullptr) {
    out.append(raw);
    return;
  }
  bool in_string = false, escape = false, space = false;
  char prev = 0;  // the last byte written outside strings (0: none yet)
  for (char c : raw) {
    if (in_string) {
      out += c;
      if (escape) {
        escape = false;
      } else if (c == '\\') {
        escape = true;
      } else if (c == '"') {
        in_string = false;
        prev = c;
      }
      continue;
    }
    if (escape) {
      escape = false;
      out += is_space(c) ? ' ' : c;
      prev = c;
      continue;
    }
    if (is_space(c)) {
      space = true;
      continue;
    }
    if (space && !is_structural(prev) && !is_structural(c)) out += ' ';
    space = false;
    out += c;
    prev = c;
    if (c == '"') {
      in_string = true;
    } else if (c == '\\') {
      escape = true;
    }
  }
}

class object_writer {
 public:
  explicit object_writer(std::string& out) : out_(out) { out_ += '{'; }
  ~object_writer() { out_ += '}'; }
  object_writer(const object_writer&) = delete;
  object_writer& operator=(const object_writer&) = delete;

  void key(std::string_view k) {
    if (!first_) out_ += ',';
    first_ = false;
    out_ += '"';
    out_.append(k);
    out_ += "\":";
  }
  void string(std::string_view k, std::string_view v) {
    key(k);
    write_json_string(v, out_);
  }
  void string_if(std::string_view k, std::string_view v) {
    if (!v.empty()) string(k, v);
  }
  void raw_if(std::string_view k, const raw_json& v) {
    if (v.empty()) return;
    key(k);
    append_raw(v.text, out_);
  }
  void list_if(std::string_view k, std::span<const std::string_view> items) {
    if (items.empty()) return;
    key(k);
    out_ += '[';
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i != 0) out_ += ',';
      write_json_string(items[i], out_);
    }
    out_ += ']';
  }
  std::string& out() { return out_; }

 private:
  std::string& out_;
  bool first_{true};
};

void write_user(object_writer& w, std::string_view k, const user_info& u) {
  w.key(k);
  object_writer uw(w.out());
  uw.string_if("username", u.username);
  uw.string_if("uid", u.uid);
  uw.list_if("groups", u.groups);
  uw.raw_if("extra", u.extra);
}

bool has_any(const object_reference& o) {
  return !(o.resource.empty() && o.namespace_.empty() && o.name.empty() && o.uid.empty() && o.api_group.empty() &&
           o.api_version.empty() && o.resource_version.empty() && o.subresource.empty());
}

bool has_any(const response_status& r) {
  return r.code != 0 || !r.status.empty() || !r.reason.empty() || !r.message.empty() || !r.details.empty() ||
         !r.metadata.empty();
}

// RFC 3339 UTC text as the API server writes it is kept; anything else (offsets, Panther's
// space-separated form, v1beta1 fallbacks in another shape) is re-formatted with microseconds.
void write_time(object_writer& w, std::string_view k, std::string_view text, timestamp t) {
  if (text.empty()) return;
  w.key(k);
  if (text.size() >= 20 && text[10] == 'T' && text.back() == 'Z') {
    w.out() += '"';
    w.out().append(text);
    w.out() += '"';
    return;
  }
  char buf[max_timestamp_length];
  std::size_t n = format_timestamp(t, 6, buf);
  write_json_string(std::string_view(buf, n), w.out());
}

}  // namespace

void write_json_string(std::string_view s, std::string& out) {
  out += '"';
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t run = 0;  // start of the pending run of plain bytes
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char c = p[i];
    if (!special[c]) continue;
    if (c == 0xE2) {
      if (i + 2 < n && p[i + 1] == 0x80 && (p[i + 2] == 0xA8 || p[i + 2] == 0xA9)) {
        out.append(s.data() + run, i - run);
        append_u(p[i + 2] == 0xA8 ? 0x2028u : 0x2029u, out);
        i += 2;
        run = i + 1;
      }
      continue;
    }
    out.append(s.data() + run, i - run);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: append_u(c, out); break;
    }
    run = i + 1;
  }
  out.append(s.data() + run, n - run);
  out += '"';
}

void write_json(const event& ev, std::string& out) {
  object_writer w(out);
  w.string("kind", "Event");
  w.string("apiVersion", "audit.k8s.io/v1");
  // Fields the API server always writes (not omitempty) are written even when empty.
  w.string("level", ev.level_text);
  w.string("auditID", ev.audit_id);
  w.string("stage", ev.stage_text);
  w.string("requestURI", ev.request_uri);
  w.string("verb", ev.verb);
  write_user(w, "user", ev.user);
  if (ev.has_impersonated_user) write_user(w, "impersonatedUser", ev.impersonated_user);
  w.raw_if("authenticationMetadata", ev.authentication_metadata);
  w.list_if("sourceIPs", ev.source_ips);
  w.string_if("userAgent", ev.user_agent);
  if (has_any(ev.object_ref)) {
    const auto& o = ev.object_ref;
    w.key("objectRef");
    object_writer ow(out);
    ow.string_if("resource", o.resource);
    ow.string_if("namespace", o.namespace_);
    ow.string_if("name", o.name);
    ow.string_if("uid", o.uid);
    ow.string_if("apiGroup", o.api_group);
    ow.string_if("apiVersion", o.api_version);
    ow.string_if("resourceVersion", o.resource_version);
    ow.string_if("subresource", o.subresource);
  }
  if (has_any(ev.response_status)) {
    const auto& r = ev.response_status;
    w.key("responseStatus");
    object_writer rw(out);
    rw.raw_if("metadata", r.metadata);
    rw.string_if("status", r.status);
    rw.string_if("message", r.message);
    rw.string_if("reason", r.reason);
    rw.raw_if("details", r.details);
    if (r.code != 0) {
      rw.key("code");
      char digits[16];
      auto [end, ec] = std::to_chars(digits, digits + sizeof digits, r.code);
      out.append(digits, end);
    }
  }
  w.raw_if("requestObject", ev.request_object);
  w.raw_if("responseObject", ev.response_object);
  write_time(w, "requestReceivedTimestamp", ev.request_received_timestamp_text, ev.request_received_timestamp);
  write_time(w, "stageTimestamp", ev.stage_timestamp_text, ev.stage_timestamp);
  w.raw_if("annotations", ev.annotations);
}

}  // namespace k8saudit
