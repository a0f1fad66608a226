// SPDX-License-Identifier: Apache-2.0
// The parser: the bytes of one audit event -> an `event` view.
//
//   k8saudit::parser p;                      // reusable; keep one per thread
//   auto ev = p.parse(line);                 // copies into a padded buffer for you
//   if (!ev) return report(ev.error());
//   std::string_view who = ev->user.username;
//
// One pass over the object with a switch on the key; fields outside the parser's field mask are
// skipped unread. Steady state allocates nothing: the padded buffer and the arena for unescaped
// strings are kept between calls.
//
// LIFETIME: the event returned by parse() is valid until the next parse() on the same parser.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "k8saudit/error.h"
#include "k8saudit/event.h"
#include "k8saudit/export.h"

namespace k8saudit {

/// The parts of an event a caller needs, as bits (the parser's projection). Timestamps include
/// their v1beta1 fallbacks. (The name `field` belongs to the filter's typed field references.)
enum class part : std::uint32_t {
  kind = 1u << 0,
  api_version = 1u << 1,
  level = 1u << 2,
  audit_id = 1u << 3,
  stage = 1u << 4,
  request_uri = 1u << 5,
  verb = 1u << 6,
  user = 1u << 7,
  impersonated_user = 1u << 8,
  authentication_metadata = 1u << 9,
  source_ips = 1u << 10,
  user_agent = 1u << 11,
  object_ref = 1u << 12,
  response_status = 1u << 13,
  request_object = 1u << 14,
  response_object = 1u << 15,
  request_received_timestamp = 1u << 16,
  stage_timestamp = 1u << 17,
  annotations = 1u << 18,
  /// user.groups / user.extra (and impersonatedUser's): the lists, which `user` alone skips
  /// unread when only the name is needed.
  user_groups = 1u << 19,
};

/// A set of fields. `field_mask::all()` is the default everywhere.
class field_mask {
 public:
  constexpr field_mask() noexcept = default;
  constexpr field_mask(part f) noexcept : bits_(static_cast<std::uint32_t>(f)) {}
  static constexpr field_mask all() noexcept { return from_bits((1u << 20) - 1); }
  static constexpr field_mask none() noexcept { return {}; }
  static constexpr field_mask from_bits(std::uint32_t b) noexcept { field_mask m; m.bits_ = b; return m; }
  [[nodiscard]] constexpr bool has(part f) const noexcept { return (bits_ & static_cast<std::uint32_t>(f)) != 0; }
  [[nodiscard]] constexpr std::uint32_t bits() const noexcept { return bits_; }
  constexpr field_mask operator|(field_mask o) const noexcept { return from_bits(bits_ | o.bits_); }
  constexpr field_mask& operator|=(field_mask o) noexcept { bits_ |= o.bits_; return *this; }
  constexpr bool operator==(const field_mask&) const noexcept = default;

 private:
  std::uint32_t bits_{0};
};
constexpr field_mask operator|(part a, part b) noexcept { return field_mask(a) | field_mask(b); }

/// Parser settings.
struct parser_options {
  field_mask fields{field_mask::all()};
  /// Nesting limit: an object or array inside more than max_depth objects/arrays is
  /// errc::depth_exceeded wherever the parser walks (the event's own structure, containers,
  /// records that are not events, and every value when validate_all is set). Values it skips
  /// unread (requestObject, responseObject, unknown fields ...) are not walked by default, so
  /// their depth is not checked (and costs nothing: skipping does not recurse). At most 1024
  /// (simdjson's default maximum; the walk recurses once per level): larger values act as 1024.
  std::size_t max_depth{256};
  /// Strict mode. By default the values the parser does not need (unknown fields, fields
  /// outside the mask, the raw bodies requestObject / responseObject / annotations / user.extra
  /// / responseStatus.details) are checked by simdjson's first stage only (UTF-8, string and
  /// bracket tokens), not as JSON values: `"requestObject":{"a":tru}` is accepted as raw text.
  /// With validate_all they are walked in full: such a record is an error naming the field
  /// (`requestObject`; empty for an unknown field), and max_depth applies to them too. Costs a
  /// walk over every skipped value. (Records that are not events are always validated.)
  bool validate_all{false};
};

namespace detail { class parser_state; }

/// Parses single native events (bare audit.k8s.io Event objects). For envelopes, batches and
/// files use `reader`, which shares this parser's machinery.
class K8SAUDIT_API parser {
 public:
  parser();
  explicit parser(parser_options options);
  parser(parser&&) noexcept;
  parser& operator=(parser&&) noexcept;
  ~parser();

  /// Parses `json`, one JSON object that is a native event. The bytes are copied into the
  /// parser's padded buffer first (a memcpy), so any memory will do.
  /// Errors carry line 0 / offset 0 and the field at fault. Valid JSON that is not an audit
  /// event (no auditID, verb, requestURI, stage or kind "Event"; an array, a scalar) is
  /// errc::format_mismatch; invalid JSON is an error of its own (invalid_json, invalid_utf8,
  /// ...), also in parts the parser does not need; empty or blank input is invalid_json.
  result<event> parse(std::string_view json);

  /// As parse(), without the copy: `json.data()` must be readable for `capacity` bytes with
  /// capacity >= json.size() + padding(). The event then points into `json` itself.
  result<event> parse_padded(std::string_view json, std::size_t capacity);

  /// The number of readable bytes parse_padded needs after the JSON (simdjson's padding).
  static std::size_t padding() noexcept;

 private:
  std::unique_ptr<detail::parser_state> impl_;
};

}  // namespace k8saudit
