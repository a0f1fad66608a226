// SPDX-License-Identifier: Apache-2.0
// The Kubernetes audit Policy (audit.k8s.io/v1), applied client-side with the API server's
// semantics (specification: docs/audit-policy.md of the project's shared docs, restated in
// docs/policy.md).
//
//   auto p = k8saudit::policy::load_file("policy.yaml");
//   if (!p) { std::cerr << p.error().render(); return 2; }     // every problem, with rule and field
//   k8saudit::reader r; ...
//   for (const k8saudit::event& ev : batch.events) {
//     k8saudit::policy_decision d = p->evaluate(ev);           // first matching rule wins
//     if (k8saudit::apply(d, ev, line)) write(line);           // dropped, or downgraded + stripped
//   }
//
// A loaded policy is immutable and may be shared between threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "k8saudit/error.h"
#include "k8saudit/event.h"
#include "k8saudit/export.h"

namespace k8saudit {

/// One problem found while loading a policy. `where` names the place: "rules[3].resources[0].group".
struct policy_problem {
  std::string where;
  std::string message;
  bool warning{false};  ///< warnings (unknown fields, rules that can never match) do not fail a load
};

/// Why a policy did not load: every problem found, not only the first.
struct K8SAUDIT_API policy_load_error {
  std::vector<policy_problem> problems;
  /// One line per problem: "error: rules[3].level: ..." / "warning: ...".
  [[nodiscard]] std::string render() const;
};

/// An entry of a rule's `resources`.
struct group_resources {
  std::string group;                        ///< "" = the core group only; "*" = every group
  std::vector<std::string> resources;       ///< patterns: name, name/sub, *, name/*, */sub
  std::vector<std::string> resource_names;
};

struct policy_rule {
  k8saudit::level level{k8saudit::level::none};
  std::vector<std::string> users;
  std::vector<std::string> user_groups;
  std::vector<std::string> verbs;
  std::vector<group_resources> resources;
  std::vector<std::string> namespaces;
  std::vector<std::string> non_resource_urls;
  std::uint8_t omit_stages{0};              ///< the rule's own, as stage bits (see stage_bit)
  std::optional<bool> omit_managed_fields;  ///< absent = inherit the policy's
};

/// The bit of a stage in omit_stages masks.
constexpr std::uint8_t stage_bit(k8saudit::stage s) noexcept {
  return static_cast<std::uint8_t>(1u << static_cast<unsigned>(s));
}

/// What the API server would have evaluated for a request (spec section 3.2), derived from an
/// event. Views point into the event or into `storage`.
struct request_attributes {
  bool has_user{false};                         ///< false: authentication failed / empty user
  std::string_view user{};
  std::span<const std::string_view> groups{};
  std::string_view verb{};
  bool resource_request{false};                 ///< the event has an objectRef
  std::string_view api_group{};
  std::string_view resource{};
  std::string_view subresource{};
  std::string_view namespace_{};
  std::string_view name{};                      ///< from requestURI (never a create's body name)
  std::string_view path{};                      ///< requestURI without query, percent-decoded
  std::string storage{};                        ///< backing for decoded name and path
};

/// Derives the attributes of `ev`. `out` is overwritten (its storage reused); its views point
/// into `ev` and `out.storage`, so `ev` must outlive them. Uses the event's user, verb,
/// requestURI and objectRef (keep those parts when parsing with a field mask).
/// `resource_request` is "the event has an objectRef": an event object cannot tell an absent
/// objectRef from an empty `{}`, so an objectRef counts as present when any of its fields is
/// non-empty. The name is parsed from requestURI (spec 3.1, with fieldSelector=metadata.name=X
/// for list/watch); when requestURI is not an `/api` or `/apis` resource path, objectRef.name is
/// used, except for a create without subresource (its name comes from the body: "").
K8SAUDIT_API void derive_attributes(const event& ev, request_attributes& out);

/// The outcome of evaluating a policy for one request.
struct policy_decision {
  k8saudit::level level{k8saudit::level::none};  ///< the matching rule's level (None when none matched)
  std::uint8_t omit_stages{0};                   ///< union of the policy's and the rule's
  bool omit_managed_fields{false};
  std::optional<std::size_t> rule;               ///< index of the matching rule
  [[nodiscard]] bool omits(k8saudit::stage s) const noexcept { return (omit_stages & stage_bit(s)) != 0; }
};

class K8SAUDIT_API policy {
 public:
  /// Loads a Policy from YAML or JSON text. Fails with every problem found; warnings (unknown
  /// or duplicate fields, rules that can never match, deprecated apiVersions) are kept in
  /// warnings(). Never throws, even in a build with exceptions disabled elsewhere.
  static result<policy, policy_load_error> load(std::string_view text);
  static result<policy, policy_load_error> load_file(const std::string& path);

  [[nodiscard]] std::span<const policy_rule> rules() const noexcept { return rules_; }
  [[nodiscard]] std::uint8_t omit_stages() const noexcept { return omit_stages_; }
  [[nodiscard]] bool omit_managed_fields() const noexcept { return omit_managed_fields_; }
  [[nodiscard]] std::span<const policy_problem> warnings() const noexcept { return warnings_; }

  /// First match wins; no match gives level None with the policy's own omitStages.
  [[nodiscard]] policy_decision evaluate(const request_attributes& a) const noexcept;
  /// derive_attributes + evaluate (thread-safe; uses a thread-local scratch).
  [[nodiscard]] policy_decision evaluate(const event& ev) const;

  /// The rules in a readable form, one block per rule (for `k8saudit policy check`).
  [[nodiscard]] std::string describe() const;

 private:
  std::vector<policy_rule> rules_;
  std::uint8_t omit_stages_{0};
  bool omit_managed_fields_{false};
  std::vector<policy_problem> warnings_;
  std::string api_version_;  ///< as written (a deprecated v1beta1/v1alpha1 is kept for describe())
};

/// Whether the decision drops the event (level None, or its stage omitted).
[[nodiscard]] K8SAUDIT_API bool drops(const policy_decision& d, const event& ev) noexcept;

/// The level the event is written at: min(decision level, the event's recorded level). An event
/// whose recorded level is absent or unknown keeps the decision's level.
[[nodiscard]] K8SAUDIT_API k8saudit::level effective_level(const policy_decision& d, const event& ev) noexcept;

/// Applies a decision: returns false when the event is dropped; otherwise appends the event to
/// `out` as one line of native JSON (no newline) at the effective level: requestObject removed
/// below Request, responseObject below RequestResponse, `level` set, `metadata.managedFields`
/// stripped from the bodies (and their list items and Table rows; never from a patch body) when
/// the decision says so. Everything else is written as write_json writes it, which for a native
/// API-server line is byte for byte.
K8SAUDIT_API bool apply(const policy_decision& d, const event& ev, std::string& out);

}  // namespace k8saudit
