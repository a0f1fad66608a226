// SPDX-License-Identifier: Apache-2.0
// Filters: the `where` clause of KQL over audit events, compiled once and evaluated per event or
// per batch. The language is described in docs/query-language.md.
//
//   auto f = k8saudit::filter::compile(R"(verb == "delete" and objectRef.resource in ("secrets", "configmaps"))");
//   if (!f) { std::cerr << f.error().render(); return 2; }
//   k8saudit::reader_options opt;
//   opt.fields = f->fields();                  // projection: the parser reads only what f needs
//   opt.prefilter = &f->required_literals();   // records without "delete" are not even parsed
//   k8saudit::reader r(opt);  ...  if (f->matches(ev)) ...
//
// The same filter from C++ without text, type-checked by the compiler:
//
//   using namespace k8saudit;
//   auto g = filter::compile(field::verb == "delete" && field::object_namespace == "kube-system");
//
// A filter is immutable, cheap to copy (shared program) and safe to use from several threads.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "k8saudit/error.h"
#include "k8saudit/event.h"
#include "k8saudit/export.h"
#include "k8saudit/parser.h"
#include "k8saudit/prefilter.h"
#include "k8saudit/time.h"

namespace k8saudit {

/// Why an expression does not compile: where (a 1-based byte column) and what, with a
/// suggestion for unknown names. render() gives the message, the expression and a caret.
struct K8SAUDIT_API expression_error {
  std::string expression;
  std::size_t column{0};
  std::string message;
  /// "error: unknown field 'vreb' (did you mean 'verb'?)\n  vreb == \"x\"\n  ^" (no final newline).
  [[nodiscard]] std::string render() const;
};

class filter;
struct expression_error;
namespace detail {
struct ast_node;
struct filter_program;
/// Compiles a syntax tree parsed elsewhere (pipelines): `text` is the source it came from, for
/// error columns.
K8SAUDIT_API result<filter, expression_error> compile_tree(const ast_node& root, std::string_view text);
/// The fields of the language (see docs/query-language.md for their names and aliases).
enum class field_id : std::uint8_t {
  kind, api_version, level, audit_id, stage, request_uri, verb, user_agent,
  user_username, user_uid, user_groups, user_extra,
  imp_username, imp_uid, imp_groups, imp_extra,
  source_ips,
  obj_resource, obj_namespace, obj_name, obj_uid, obj_api_group, obj_api_version, obj_resource_version,
  obj_subresource,
  status_code, status_status, status_reason, status_message, status_details,
  request_object, response_object, annotations,
  request_received, stage_time, latency,
  category, cluster, resource_id, pod, time_generated,
  count_,
};
}  // namespace detail

/// A boolean expression built in C++: combine with &&, || and !. Compile with filter::compile.
class K8SAUDIT_API expr {
 public:
  explicit expr(std::shared_ptr<const detail::ast_node> node) noexcept : node_(std::move(node)) {}
  [[nodiscard]] const std::shared_ptr<const detail::ast_node>& node() const noexcept { return node_; }
  friend K8SAUDIT_API expr operator&&(const expr& a, const expr& b);
  friend K8SAUDIT_API expr operator||(const expr& a, const expr& b);
  friend K8SAUDIT_API expr operator!(const expr& a);

 private:
  std::shared_ptr<const detail::ast_node> node_;
};

class K8SAUDIT_API filter {
 public:
  /// The filter that matches every event (and needs no field).
  filter();

  /// Compiles an expression of the language. Syntax errors, unknown fields and type
  /// mismatches (`responseStatus.code == "abc"`) are reported here, never at run time.
  static result<filter, expression_error> compile(std::string_view text);
  /// Compiles a typed-builder expression. Only values the C++ compiler cannot check (a regular
  /// expression, an IPv4 range) can fail here.
  static result<filter, expression_error> compile(const expr& e);

  /// Whether `ev` satisfies the filter. Fields outside fields() read as absent.
  [[nodiscard]] bool matches(const event& ev) const noexcept;

  /// Batch evaluation: writes the indexes of the matching events of `events` to `selection`
  /// (which must hold events.size() entries) and returns how many there are. No allocation,
  /// except that predicates on JSON paths grow a per-thread scratch once.
  std::size_t select(std::span<const event> events, std::span<std::uint32_t> selection) const noexcept;
  /// As above into a vector, resized to the number of matches.
  void select(std::span<const event> events, std::vector<std::uint32_t>& selection) const;

  /// The parts of an event the filter reads: give them to parser_options / reader_options.
  [[nodiscard]] field_mask fields() const noexcept;
  /// Literals every matching record contains (for reader_options::prefilter). Empty when the
  /// filter has no such literal (e.g. `responseStatus.code >= 400`).
  [[nodiscard]] const prefilter& required_literals() const noexcept;
  /// The expression as compiled (the text given, or a rendering of the builder's tree).
  [[nodiscard]] const std::string& text() const noexcept;

 private:
  friend result<filter, expression_error> detail::compile_tree(const detail::ast_node&, std::string_view);
  explicit filter(std::shared_ptr<const detail::filter_program> p) noexcept : prog_(std::move(p)) {}
  std::shared_ptr<const detail::filter_program> prog_;
};

/// Typed field references for the builder. Each kind of field offers the operators that make
/// sense for its type, so `field::response_code == "abc"` does not compile.
namespace field {

/// A string field (absent reads as ""). Lists of strings (user.groups, sourceIPs) use the same
/// operators and match when any element matches; negated operators match when none does.
class K8SAUDIT_API string_field {
 public:
  constexpr explicit string_field(detail::field_id id) noexcept : id_(id) {}
  expr operator==(std::string_view v) const;  ///< case-sensitive
  expr operator!=(std::string_view v) const;
  expr equals_ci(std::string_view v) const;   ///< =~
  expr has(std::string_view term) const;      ///< whole term, case-insensitive
  expr has_cs(std::string_view term) const;
  expr contains(std::string_view v) const;    ///< substring, case-insensitive
  expr contains_cs(std::string_view v) const;
  expr startswith(std::string_view v) const;  ///< case-insensitive
  expr startswith_cs(std::string_view v) const;
  expr endswith(std::string_view v) const;    ///< case-insensitive
  expr endswith_cs(std::string_view v) const;
  expr in(std::initializer_list<std::string_view> values) const;
  expr in_ci(std::initializer_list<std::string_view> values) const;
  expr matches_regex(std::string_view re2_pattern) const;
  expr empty() const;                         ///< isempty()
  expr ipv4_in_range(std::string_view cidr) const;  ///< ipv4_is_in_range()

 protected:
  detail::field_id id_;
};

/// responseStatus.code (absent = null: every comparison is false).
class K8SAUDIT_API integer_field {
 public:
  constexpr explicit integer_field(detail::field_id id) noexcept : id_(id) {}
  expr operator==(std::int64_t v) const;
  expr operator!=(std::int64_t v) const;
  expr operator<(std::int64_t v) const;
  expr operator<=(std::int64_t v) const;
  expr operator>(std::int64_t v) const;
  expr operator>=(std::int64_t v) const;
  expr between(std::int64_t lo, std::int64_t hi) const;  ///< inclusive
  expr in(std::initializer_list<std::int64_t> values) const;
  expr empty() const;

 private:
  detail::field_id id_;
};

/// requestReceivedTimestamp, stageTimestamp, time (absent = null).
class K8SAUDIT_API time_field {
 public:
  constexpr explicit time_field(detail::field_id id) noexcept : id_(id) {}
  expr operator<(timestamp t) const;
  expr operator<=(timestamp t) const;
  expr operator>(timestamp t) const;
  expr operator>=(timestamp t) const;
  expr between(timestamp lo, timestamp hi) const;
  expr empty() const;

 private:
  detail::field_id id_;
};

/// latency (absent = null).
class K8SAUDIT_API duration_field {
 public:
  constexpr explicit duration_field(detail::field_id id) noexcept : id_(id) {}
  expr operator<(std::chrono::nanoseconds d) const;
  expr operator<=(std::chrono::nanoseconds d) const;
  expr operator>(std::chrono::nanoseconds d) const;
  expr operator>=(std::chrono::nanoseconds d) const;
  expr between(std::chrono::nanoseconds lo, std::chrono::nanoseconds hi) const;
  expr empty() const;

 private:
  detail::field_id id_;
};

/// A path into a JSON field: `field::request_object["spec"]["containers"].all()["image"]`.
class K8SAUDIT_API dynamic_path {
 public:
  explicit dynamic_path(detail::field_id id) : id_(id) {}
  dynamic_path operator[](std::string_view key) const;
  dynamic_path at(std::int64_t index) const;  ///< negative counts from the end
  dynamic_path all() const;                   ///< [*]: every element of an array
  expr operator==(std::string_view v) const;
  expr operator==(const char* v) const { return *this == std::string_view(v); }
  expr operator==(std::int64_t v) const;
  expr operator==(int v) const { return *this == std::int64_t{v}; }
  expr operator==(bool v) const;
  expr operator!=(std::string_view v) const;
  expr operator!=(const char* v) const { return *this != std::string_view(v); }
  expr has(std::string_view term) const;
  expr contains(std::string_view v) const;
  expr startswith(std::string_view v) const;
  expr operator>(std::int64_t v) const;
  expr operator<(std::int64_t v) const;
  expr empty() const;

 private:
  struct step {
    std::string key;
    std::int64_t index;
    int kind;  // 0 key, 1 index, 2 all
  };
  detail::field_id id_;
  std::vector<step> steps_;
  friend class dynamic_root;
  [[nodiscard]] expr make(int o, bool negated, int value_kind, std::string_view s, std::int64_t i, bool b) const;
};

class dynamic_root {
 public:
  constexpr explicit dynamic_root(detail::field_id id) noexcept : id_(id) {}
  dynamic_path operator[](std::string_view key) const { return dynamic_path(id_)[key]; }
  [[nodiscard]] dynamic_path path() const { return dynamic_path(id_); }
  expr has(std::string_view term) const { return path().has(term); }
  expr contains(std::string_view v) const { return path().contains(v); }
  expr empty() const { return path().empty(); }

 private:
  detail::field_id id_;
};

using id = detail::field_id;
inline constexpr string_field kind{id::kind};
inline constexpr string_field api_version{id::api_version};
inline constexpr string_field level{id::level};
inline constexpr string_field audit_id{id::audit_id};
inline constexpr string_field stage{id::stage};
inline constexpr string_field request_uri{id::request_uri};
inline constexpr string_field verb{id::verb};
inline constexpr string_field user_agent{id::user_agent};
inline constexpr string_field user_username{id::user_username};
inline constexpr string_field user_uid{id::user_uid};
inline constexpr string_field user_groups{id::user_groups};
inline constexpr dynamic_root user_extra{id::user_extra};
inline constexpr string_field impersonated_username{id::imp_username};
inline constexpr string_field impersonated_uid{id::imp_uid};
inline constexpr string_field impersonated_groups{id::imp_groups};
inline constexpr string_field source_ips{id::source_ips};
inline constexpr string_field object_resource{id::obj_resource};
inline constexpr string_field object_namespace{id::obj_namespace};
inline constexpr string_field object_name{id::obj_name};
inline constexpr string_field object_uid{id::obj_uid};
inline constexpr string_field object_api_group{id::obj_api_group};
inline constexpr string_field object_api_version{id::obj_api_version};
inline constexpr string_field object_subresource{id::obj_subresource};
inline constexpr integer_field response_code{id::status_code};
inline constexpr string_field response_reason{id::status_reason};
inline constexpr string_field response_status{id::status_status};
inline constexpr string_field response_message{id::status_message};
inline constexpr dynamic_root request_object{id::request_object};
inline constexpr dynamic_root response_object{id::response_object};
inline constexpr dynamic_root annotations{id::annotations};
inline constexpr time_field request_received_timestamp{id::request_received};
inline constexpr time_field stage_timestamp{id::stage_time};
inline constexpr time_field time{id::time_generated};
inline constexpr duration_field latency{id::latency};
inline constexpr string_field category{id::category};
inline constexpr string_field cluster{id::cluster};
inline constexpr string_field pod{id::pod};

}  // namespace field

}  // namespace k8saudit
