// SPDX-License-Identifier: Apache-2.0
// The audit event: a zero-copy view of one audit.k8s.io/v1 Event.
//
//   k8saudit::parser p;
//   auto ev = p.parse(R"({"kind":"Event","verb":"delete","user":{"username":"alice"}})");
//   if (ev && ev->verb_kind() == k8saudit::verb_kind::delete_) { use(ev->user.username); }
//
// LIFETIME: every std::string_view and std::span in an `event` points either into the input
// bytes (strings that had no escape) or into the arena of the parser/reader that produced it
// (unescaped strings, unwrapped envelopes). They stay valid until the next call on that parser
// or reader. Call `to_owned()` to keep an event longer.
//
// Only standard headers here: simdjson stays inside the library.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "k8saudit/error.h"
#include "k8saudit/export.h"
#include "k8saudit/formats.h"
#include "k8saudit/time.h"

namespace k8saudit {

/// audit.k8s.io level. `unknown` is any other text (never an error); `absent` = no field.
enum class level : std::uint8_t { absent, unknown, none, metadata, request, request_response };
/// audit.k8s.io stage. `unknown` is any other text (never an error); `absent` = no field.
enum class stage : std::uint8_t { absent, unknown, request_received, response_started, response_complete, panic };
/// Classification of the verb text: the Kubernetes resource verbs, then the lower-case HTTP
/// methods used for non-resource requests. `other` for anything else (e.g. "impersonate").
enum class verb_kind : std::uint8_t {
  absent, other, get, list, watch, create, update, patch, delete_, deletecollection,
  post, put, head, options,
};

K8SAUDIT_API level parse_level(std::string_view text) noexcept;
K8SAUDIT_API stage parse_stage(std::string_view text) noexcept;
K8SAUDIT_API verb_kind classify_verb(std::string_view text) noexcept;
/// The Kubernetes spelling ("RequestResponse", "ResponseComplete"); empty for absent/unknown.
K8SAUDIT_API std::string_view to_string(level l) noexcept;
K8SAUDIT_API std::string_view to_string(stage s) noexcept;

/// A JSON value kept as its original text (an object, array or string), looked into on demand.
/// Empty text means the field was absent or null.
struct raw_json {
  std::string_view text{};

  [[nodiscard]] bool empty() const noexcept { return text.empty(); }
  /// AKS puts the string "skipped-too-big-size-object" where an oversized object was.
  [[nodiscard]] bool skipped_too_big() const noexcept {
    return text == R"("skipped-too-big-size-object")";
  }
  [[nodiscard]] bool is_object() const noexcept { return !text.empty() && text.front() == '{'; }
};

/// Looks up `key` in a JSON object given as text and returns its value when it is a string.
/// The view points into `object.text` when the value has no escape, else into `scratch`
/// (which this call overwrites). Not found, null, or not an object: an empty optional-like
/// result with errc::ok; a value of another type: errc::wrong_type. Does not allocate when
/// `scratch` has capacity.
K8SAUDIT_API result<std::string_view> find_string(raw_json object, std::string_view key, std::string& scratch);

/// authentication/v1 UserInfo.
struct user_info {
  std::string_view username{};
  std::string_view uid{};
  std::span<const std::string_view> groups{};
  raw_json extra{};  ///< map<string, []string>, as text
};

/// The object a request is about.
struct object_reference {
  std::string_view resource{};
  std::string_view namespace_{};
  std::string_view name{};
  std::string_view uid{};
  std::string_view api_group{};
  std::string_view api_version{};
  std::string_view resource_version{};
  std::string_view subresource{};
};

/// metav1.Status as audited. `code` is 0 when absent.
struct response_status {
  std::int32_t code{0};
  std::string_view status{};
  std::string_view reason{};
  std::string_view message{};
  raw_json details{};
  raw_json metadata{};
};

/// Where an event came from: its record's place in the input and, for envelopes, the
/// envelope's metadata. Views follow the event's lifetime rule; `file` the reader's.
struct origin {
  std::string_view file{};      ///< the reader's name for the input ("-" for stdin)
  std::uint64_t line{0};        ///< 1-based line of the record's first byte (0 = unknown)
  std::uint64_t offset{0};      ///< byte offset of the record's first byte, decompressed
  std::string_view record{};    ///< the whole record as read, envelope included
  record_format format{record_format::unknown};  ///< the shape the record was found in
  std::string_view category{};  ///< AKS / Log Analytics: "kube-audit", "kube-audit-admin"
  std::string_view resource_id{};  ///< AKS: the managed cluster's resource ID
  std::string_view pod{};       ///< AKS: properties.pod (the API server pod)
  std::string_view time{};      ///< AKS `time` / Log Analytics `TimeGenerated`, as text

  /// The cluster name: the last path segment of resource_id (empty when there is none).
  [[nodiscard]] std::string_view cluster() const noexcept {
    auto slash = resource_id.rfind('/');
    return slash == std::string_view::npos ? resource_id : resource_id.substr(slash + 1);
  }
};

class owned_event;

/// One audit event. Absent optional fields are empty views, zero codes and `timestamp{}`.
struct K8SAUDIT_API event {
  std::string_view kind{};
  std::string_view api_version{};
  k8saudit::level level{k8saudit::level::absent};
  std::string_view level_text{};
  std::string_view audit_id{};
  k8saudit::stage stage{k8saudit::stage::absent};
  std::string_view stage_text{};
  std::string_view request_uri{};
  std::string_view verb{};
  user_info user{};
  user_info impersonated_user{};
  raw_json authentication_metadata{};
  std::span<const std::string_view> source_ips{};
  std::string_view user_agent{};
  object_reference object_ref{};
  k8saudit::response_status response_status{};
  raw_json request_object{};
  raw_json response_object{};
  /// requestReceivedTimestamp, falling back to v1beta1 `timestamp`. timestamp{} when absent.
  timestamp request_received_timestamp{};
  /// stageTimestamp, falling back to metadata.creationTimestamp, then `timestamp`.
  timestamp stage_timestamp{};
  std::string_view request_received_timestamp_text{};  ///< the text request_received_timestamp came from
  std::string_view stage_timestamp_text{};             ///< the text stage_timestamp came from
  raw_json annotations{};                    ///< map<string,string>, as text
  bool has_impersonated_user{false};
  k8saudit::origin origin{};

  [[nodiscard]] k8saudit::verb_kind verb_kind() const noexcept { return classify_verb(verb); }
  [[nodiscard]] bool has_request_received_timestamp() const noexcept {
    return !request_received_timestamp_text.empty();
  }
  [[nodiscard]] bool has_stage_timestamp() const noexcept { return !stage_timestamp_text.empty(); }

  /// An annotation's value (see find_string for `scratch` and the result).
  result<std::string_view> annotation(std::string_view key, std::string& scratch) const {
    return find_string(annotations, key, scratch);
  }

  /// A deep copy that owns its bytes (one allocation for the strings, one for the lists).
  [[nodiscard]] owned_event to_owned() const;
};

/// An event that owns its storage; `view()` is valid as long as this object (moves keep it).
class owned_event {
 public:
  owned_event() = default;
  [[nodiscard]] const event& view() const noexcept { return ev_; }
  const event* operator->() const noexcept { return &ev_; }
  const event& operator*() const noexcept { return ev_; }

 private:
  friend struct event;
  event ev_{};
  std::unique_ptr<char[]> bytes_{};
  std::unique_ptr<std::string_view[]> lists_{};
};

}  // namespace k8saudit
