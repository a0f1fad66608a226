// SPDX-License-Identifier: Apache-2.0
#include "query/fields.h"
#include "ascii.h"

#include <algorithm>
#include <array>
#include <vector>

namespace k8saudit::lang {
namespace {

using ft = field_type;
constexpr field_mask none = field_mask::none();

// Indexed by field_id.
constexpr std::array<field_info, static_cast<std::size_t>(field_id::count_)> table{{
    {field_id::kind, "kind", ft::string, part::kind},
    {field_id::api_version, "apiVersion", ft::string, part::api_version},
    {field_id::level, "level", ft::string, part::level},
    {field_id::audit_id, "auditID", ft::string, part::audit_id},
    {field_id::stage, "stage", ft::string, part::stage},
    {field_id::request_uri, "requestURI", ft::string, part::request_uri},
    {field_id::verb, "verb", ft::string, part::verb},
    {field_id::user_agent, "userAgent", ft::string, part::user_agent},
    {field_id::user_username, "user.username", ft::string, part::user},
    {field_id::user_uid, "user.uid", ft::string, part::user},
    {field_id::user_groups, "user.groups", ft::strings, part::user | part::user_groups},
    {field_id::user_extra, "user.extra", ft::dynamic, part::user | part::user_groups},
    {field_id::imp_username, "impersonatedUser.username", ft::string, part::impersonated_user},
    {field_id::imp_uid, "impersonatedUser.uid", ft::string, part::impersonated_user},
    {field_id::imp_groups, "impersonatedUser.groups", ft::strings, part::impersonated_user | part::user_groups},
    {field_id::imp_extra, "impersonatedUser.extra", ft::dynamic, part::impersonated_user | part::user_groups},
    {field_id::source_ips, "sourceIPs", ft::strings, part::source_ips},
    {field_id::obj_resource, "objectRef.resource", ft::string, part::object_ref},
    {field_id::obj_namespace, "objectRef.namespace", ft::string, part::object_ref},
    {field_id::obj_name, "objectRef.name", ft::string, part::object_ref},
    {field_id::obj_uid, "objectRef.uid", ft::string, part::object_ref},
    {field_id::obj_api_group, "objectRef.apiGroup", ft::string, part::object_ref},
    {field_id::obj_api_version, "objectRef.apiVersion", ft::string, part::object_ref},
    {field_id::obj_resource_version, "objectRef.resourceVersion", ft::string, part::object_ref},
    {field_id::obj_subresource, "objectRef.subresource", ft::string, part::object_ref},
    {field_id::status_code, "responseStatus.code", ft::integer, part::response_status},
    {field_id::status_status, "responseStatus.status", ft::string, part::response_status},
    {field_id::status_reason, "responseStatus.reason", ft::string, part::response_status},
    {field_id::status_message, "responseStatus.message", ft::string, part::response_status},
    {field_id::status_details, "responseStatus.details", ft::dynamic, part::response_status},
    {field_id::request_object, "requestObject", ft::dynamic, part::request_object},
    {field_id::response_object, "responseObject", ft::dynamic, part::response_object},
    {field_id::annotations, "annotations", ft::dynamic, part::annotations},
    {field_id::request_received, "requestReceivedTimestamp", ft::datetime, part::request_received_timestamp},
    {field_id::stage_time, "stageTimestamp", ft::datetime, part::stage_timestamp},
    {field_id::latency, "latency", ft::timespan, part::request_received_timestamp | part::stage_timestamp},
    {field_id::category, "category", ft::string, none},
    {field_id::cluster, "cluster", ft::string, none},
    {field_id::resource_id, "resourceId", ft::string, none},
    {field_id::pod, "pod", ft::string, none},
    {field_id::time_generated, "time", ft::datetime, none},
}};

// Canonical names first (closest() prefers them on ties), then the AKSAudit / AKSAuditAdmin
// column names and the sub-fields of their dynamic columns.
constexpr spelling all_spellings[] = {
    {"kind", field_id::kind},
    {"apiVersion", field_id::api_version},
    {"level", field_id::level},
    {"auditID", field_id::audit_id},
    {"stage", field_id::stage},
    {"requestURI", field_id::request_uri},
    {"verb", field_id::verb},
    {"userAgent", field_id::user_agent},
    {"user.username", field_id::user_username},
    {"user.uid", field_id::user_uid},
    {"user.groups", field_id::user_groups},
    {"user.extra", field_id::user_extra},
    {"impersonatedUser.username", field_id::imp_username},
    {"impersonatedUser.uid", field_id::imp_uid},
    {"impersonatedUser.groups", field_id::imp_groups},
    {"impersonatedUser.extra", field_id::imp_extra},
    {"sourceIPs", field_id::source_ips},
    {"objectRef.resource", field_id::obj_resource},
    {"objectRef.namespace", field_id::obj_namespace},
    {"objectRef.name", field_id::obj_name},
    {"objectRef.uid", field_id::obj_uid},
    {"objectRef.apiGroup", field_id::obj_api_group},
    {"objectRef.apiVersion", field_id::obj_api_version},
    {"objectRef.resourceVersion", field_id::obj_resource_version},
    {"objectRef.subresource", field_id::obj_subresource},
    {"responseStatus.code", field_id::status_code},
    {"responseStatus.status", field_id::status_status},
    {"responseStatus.reason", field_id::status_reason},
    {"responseStatus.message", field_id::status_message},
    {"responseStatus.details", field_id::status_details},
    {"requestObject", field_id::request_object},
    {"responseObject", field_id::response_object},
    {"annotations", field_id::annotations},
    {"requestReceivedTimestamp", field_id::request_received},
    {"stageTimestamp", field_id::stage_time},
    {"latency", field_id::latency},
    {"category", field_id::category},
    {"cluster", field_id::cluster},
    {"resourceId", field_id::resource_id},
    {"pod", field_id::pod},
    {"time", field_id::time_generated},
    // AKSAudit columns.
    {"Level", field_id::level},
    {"AuditId", field_id::audit_id},
    {"Stage", field_id::stage},
    {"RequestUri", field_id::request_uri},
    {"Verb", field_id::verb},
    {"UserAgent", field_id::user_agent},
    {"User.username", field_id::user_username},
    {"User.uid", field_id::user_uid},
    {"User.groups", field_id::user_groups},
    {"User.extra", field_id::user_extra},
    {"ImpersonatedUser.username", field_id::imp_username},
    {"ImpersonatedUser.uid", field_id::imp_uid},
    {"ImpersonatedUser.groups", field_id::imp_groups},
    {"ImpersonatedUser.extra", field_id::imp_extra},
    {"SourceIps", field_id::source_ips},
    {"ObjectRef.resource", field_id::obj_resource},
    {"ObjectRef.namespace", field_id::obj_namespace},
    {"ObjectRef.name", field_id::obj_name},
    {"ObjectRef.uid", field_id::obj_uid},
    {"ObjectRef.apiGroup", field_id::obj_api_group},
    {"ObjectRef.apiVersion", field_id::obj_api_version},
    {"ObjectRef.resourceVersion", field_id::obj_resource_version},
    {"ObjectRef.subresource", field_id::obj_subresource},
    {"ResponseStatus.code", field_id::status_code},
    {"ResponseStatus.status", field_id::status_status},
    {"ResponseStatus.reason", field_id::status_reason},
    {"ResponseStatus.message", field_id::status_message},
    {"ResponseStatus.details", field_id::status_details},
    {"RequestObject", field_id::request_object},
    {"ResponseObject", field_id::response_object},
    {"Annotations", field_id::annotations},
    {"RequestReceivedTime", field_id::request_received},
    {"StageReceivedTime", field_id::stage_time},
    {"Category", field_id::category},
    {"_ResourceId", field_id::resource_id},
    {"PodName", field_id::pod},
    {"TimeGenerated", field_id::time_generated},
};

using detail::ascii_lower;
}  // namespace

// Edit distance with case differences costing nothing (case is the commonest slip).
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t sub = prev[j - 1] + (ascii_lower(a[i - 1]) == ascii_lower(b[j - 1]) ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

const field_info& info(field_id id) noexcept { return table[static_cast<std::size_t>(id)]; }

bool lookup(std::string_view dotted, field_id& out) noexcept {
  for (const spelling& s : all_spellings) {
    if (s.name == dotted) {
      out = s.id;
      return true;
    }
  }
  return false;
}

std::string_view closest(std::string_view dotted) {
  std::string_view best;
  std::size_t best_d = dotted.size() / 2 + 2;  // farther than this is not a typo
  for (const spelling& s : all_spellings) {
    std::size_t d = edit_distance(dotted, s.name);
    // A name that ends the same way ("namespace" for "objectRef.namespace") is a good guess too.
    const auto dot = s.name.rfind('.');
    if (dot != std::string_view::npos && edit_distance(dotted, s.name.substr(dot + 1)) == 0) d = 1;
    if (d < best_d) {
      best_d = d;
      best = s.name;
    }
  }
  return best;
}

std::span<const spelling> spellings() noexcept { return all_spellings; }

}  // namespace k8saudit::lang
