// SPDX-License-Identifier: Apache-2.0
#include "k8saudit/event.h"

#include <cstring>

#include "json_scan.h"

namespace k8saudit {

level parse_level(std::string_view t) noexcept {
  if (t.empty()) return level::absent;
  if (t == "Metadata") return level::metadata;
  if (t == "RequestResponse") return level::request_response;
  if (t == "Request") return level::request;
  if (t == "None") return level::none;
  return level::unknown;
}

stage parse_stage(std::string_view t) noexcept {
  if (t.empty()) return stage::absent;
  if (t == "ResponseComplete") return stage::response_complete;
  if (t == "RequestReceived") return stage::request_received;
  if (t == "ResponseStarted") return stage::response_started;
  if (t == "Panic") return stage::panic;
  return stage::unknown;
}

verb_kind classify_verb(std::string_view t) noexcept {
  // Dispatch on length first: one comparison for the common verbs.
  switch (t.size()) {
    case 0: return verb_kind::absent;
    case 3:
      if (t == "get") return verb_kind::get;
      if (t == "put") return verb_kind::put;
      break;
    case 4:
      if (t == "list") return verb_kind::list;
      if (t == "post") return verb_kind::post;
      if (t == "head") return verb_kind::head;
      break;
    case 5:
      if (t == "watch") return verb_kind::watch;
      if (t == "patch") return verb_kind::patch;
      break;
    case 6:
      if (t == "update") return verb_kind::update;
      if (t == "create") return verb_kind::create;
      if (t == "delete") return verb_kind::delete_;
      break;
    case 7:
      if (t == "options") return verb_kind::options;
      break;
    case 16:
      if (t == "deletecollection") return verb_kind::deletecollection;
      break;
    default: break;
  }
  return verb_kind::other;
}

std::string_view to_string(level l) noexcept {
  switch (l) {
    case level::none: return "None";
    case level::metadata: return "Metadata";
    case level::request: return "Request";
    case level::request_response: return "RequestResponse";
    default: return {};
  }
}

std::string_view to_string(stage s) noexcept {
  switch (s) {
    case stage::request_received: return "RequestReceived";
    case stage::response_started: return "ResponseStarted";
    case stage::response_complete: return "ResponseComplete";
    case stage::panic: return "Panic";
    default: return {};
  }
}

result<std::string_view> find_string(raw_json object, std::string_view key, std::string& scratch) {
  std::string_view v = detail::find_member(object.text, key, scratch);
  if (v.empty() || v == "null") return std::string_view{};
  if (v.front() != '"' || v.size() < 2) return unexpected(errc::wrong_type, {}, "not a string");
  std::string_view content = v.substr(1, v.size() - 2);
  if (content.find('\\') == std::string_view::npos) return content;
  if (!detail::unescape(content, scratch)) return unexpected(errc::invalid_string, {}, "bad escape");
  return std::string_view{scratch};
}

namespace {

// Visits every string view and list of an event, so that sizing and copying cannot disagree.
template <class Str, class List>
void visit_views(event& e, Str&& str, List&& list) {
  auto user = [&](user_info& u) {
    str(u.username);
    str(u.uid);
    list(u.groups);
    str(u.extra.text);
  };
  str(e.kind);
  str(e.api_version);
  str(e.level_text);
  str(e.audit_id);
  str(e.stage_text);
  str(e.request_uri);
  str(e.verb);
  user(e.user);
  user(e.impersonated_user);
  str(e.authentication_metadata.text);
  list(e.source_ips);
  str(e.user_agent);
  auto& o = e.object_ref;
  for (std::string_view* s : {&o.resource, &o.namespace_, &o.name, &o.uid, &o.api_group, &o.api_version,
                              &o.resource_version, &o.subresource}) {
    str(*s);
  }
  auto& r = e.response_status;
  for (std::string_view* s : {&r.status, &r.reason, &r.message, &r.details.text, &r.metadata.text}) str(*s);
  str(e.request_object.text);
  str(e.response_object.text);
  str(e.request_received_timestamp_text);
  str(e.stage_timestamp_text);
  str(e.annotations.text);
  auto& g = e.origin;
  for (std::string_view* s : {&g.file, &g.record, &g.category, &g.resource_id, &g.pod, &g.time}) str(*s);
}

}  // namespace

owned_event event::to_owned() const {
  owned_event out;
  out.ev_ = *this;
  std::size_t bytes = 0, items = 0;
  visit_views(
      out.ev_, [&](std::string_view& s) { bytes += s.size(); },
      [&](std::span<const std::string_view>& l) {
        items += l.size();
        for (std::string_view s : l) bytes += s.size();
      });
  out.bytes_ = std::make_unique<char[]>(bytes + 1);
  out.lists_ = std::make_unique<std::string_view[]>(items + 1);
  char* p = out.bytes_.get();
  std::string_view* q = out.lists_.get();
  auto copy = [&](std::string_view s) {
    if (!s.empty()) std::memcpy(p, s.data(), s.size());
    std::string_view r(p, s.size());
    p += s.size();
    return r;
  };
  visit_views(
      out.ev_, [&](std::string_view& s) { s = copy(s); },
      [&](std::span<const std::string_view>& l) {
        std::string_view* first = q;
        for (std::string_view s : l) *q++ = copy(s);
        l = std::span<const std::string_view>(first, l.size());
      });
  return out;
}

}  // namespace k8saudit
