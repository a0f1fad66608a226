// SPDX-License-Identifier: Apache-2.0
// The fields of the query language: names (audit.k8s.io/v1 paths and AKSAudit column names),
// types, the parser parts they need, and how to read them from an event.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "k8saudit/event.h"
#include "k8saudit/filter.h"
#include "k8saudit/parser.h"
#include "k8saudit/time.h"

namespace k8saudit::lang {

using field_id = k8saudit::detail::field_id;

/// The value type of a field.
enum class field_type : std::uint8_t {
  string,    ///< one string (absent = "")
  strings,   ///< a list of strings; an operator matches when any element matches
  integer,   ///< a number (absent = null: every comparison is false)
  datetime,  ///< a point in time (absent = null)
  timespan,  ///< a duration (absent = null)
  dynamic,   ///< JSON text, looked into by a path; its values' types are known only at run time
};

struct field_info {
  field_id id;
  std::string_view name;  ///< the canonical audit.k8s.io/v1 path
  field_type type;
  field_mask parts;       ///< what the parser must read
};

/// The table entry of a field.
const field_info& info(field_id id) noexcept;

/// Looks a dotted name up among canonical names and AKSAudit aliases (case-sensitive, as in
/// KQL). Returns false when unknown.
bool lookup(std::string_view dotted, field_id& out) noexcept;

/// Levenshtein distance, ignoring ASCII case.
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The known name closest to `dotted` (for "did you mean"), or empty when nothing is close.
std::string_view closest(std::string_view dotted);

/// Every spelling (canonical and alias) with its field, for docs and tests.
struct spelling {
  std::string_view name;
  field_id id;
};
std::span<const spelling> spellings() noexcept;

// Readers of an event's values by field (here, inline: filters and aggregations call them for
// every event, several times).
inline std::string_view get_string(const event& ev, field_id id) noexcept {
  switch (id) {
    case field_id::kind: return ev.kind;
    case field_id::api_version: return ev.api_version;
    case field_id::level: return ev.level_text;
    case field_id::audit_id: return ev.audit_id;
    case field_id::stage: return ev.stage_text;
    case field_id::request_uri: return ev.request_uri;
    case field_id::verb: return ev.verb;
    case field_id::user_agent: return ev.user_agent;
    case field_id::user_username: return ev.user.username;
    case field_id::user_uid: return ev.user.uid;
    case field_id::imp_username: return ev.impersonated_user.username;
    case field_id::imp_uid: return ev.impersonated_user.uid;
    case field_id::obj_resource: return ev.object_ref.resource;
    case field_id::obj_namespace: return ev.object_ref.namespace_;
    case field_id::obj_name: return ev.object_ref.name;
    case field_id::obj_uid: return ev.object_ref.uid;
    case field_id::obj_api_group: return ev.object_ref.api_group;
    case field_id::obj_api_version: return ev.object_ref.api_version;
    case field_id::obj_resource_version: return ev.object_ref.resource_version;
    case field_id::obj_subresource: return ev.object_ref.subresource;
    case field_id::status_status: return ev.response_status.status;
    case field_id::status_reason: return ev.response_status.reason;
    case field_id::status_message: return ev.response_status.message;
    case field_id::category: return ev.origin.category;
    case field_id::cluster: return ev.origin.cluster();
    case field_id::resource_id: return ev.origin.resource_id;
    case field_id::pod: return ev.origin.pod;
    default: return {};
  }
}

inline std::span<const std::string_view> get_strings(const event& ev, field_id id) noexcept {
  switch (id) {
    case field_id::user_groups: return ev.user.groups;
    case field_id::imp_groups: return ev.impersonated_user.groups;
    case field_id::source_ips: return ev.source_ips;
    default: return {};
  }
}

/// Dynamic bases.
inline std::string_view get_json(const event& ev, field_id id) noexcept {
  switch (id) {
    case field_id::user_extra: return ev.user.extra.text;
    case field_id::imp_extra: return ev.impersonated_user.extra.text;
    case field_id::status_details: return ev.response_status.details.text;
    case field_id::request_object: return ev.request_object.text;
    case field_id::response_object: return ev.response_object.text;
    case field_id::annotations: return ev.annotations.text;
    default: return {};
  }
}

/// Integer, datetime (ns since epoch) and timespan (ns) fields; false when null.
inline bool get_number(const event& ev, field_id id, std::int64_t& out) noexcept {
  switch (id) {
    case field_id::status_code:
      if (ev.response_status.code == 0) return false;
      out = ev.response_status.code;
      return true;
    case field_id::request_received:
      if (!ev.has_request_received_timestamp()) return false;
      out = ev.request_received_timestamp.time_since_epoch().count();
      return true;
    case field_id::stage_time:
      if (!ev.has_stage_timestamp()) return false;
      out = ev.stage_timestamp.time_since_epoch().count();
      return true;
    case field_id::latency:
      if (!ev.has_stage_timestamp() || !ev.has_request_received_timestamp()) return false;
      // Timestamps span 1678-2262: their difference can overflow; that latency is null.
      return !__builtin_sub_overflow(ev.stage_timestamp.time_since_epoch().count(),
                                     ev.request_received_timestamp.time_since_epoch().count(), &out);
    case field_id::time_generated: {
      if (ev.origin.time.empty()) return false;
      auto t = parse_timestamp(ev.origin.time);
      if (!t) return false;
      out = t->time_since_epoch().count();
      return true;
    }
    default: return false;
  }
}

}  // namespace k8saudit::lang
