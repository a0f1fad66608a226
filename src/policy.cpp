// SPDX-License-Identifier: Apache-2.0
// The audit Policy: loading (YAML or JSON through yaml-cpp), validation, evaluation and the
// request attributes derived from an event. The reference is the project's
// docs/audit-policy.md (sections 1, 2, 3, 5 and 6); `apply`, `drops` and `effective_level` live
// in policy_apply.cpp.
//
// This file is always compiled with exceptions enabled (yaml-cpp reports syntax errors by
// throwing): load() and load_file() catch everything at their boundary, so nothing escapes into
// a library built with -fno-exceptions.
//
// Loading mirrors kube-apiserver's loader: a strict decode whose only failures are unknown or
// duplicate fields falls back to a lenient decode, so those are warnings here; a value of the
// wrong type is a decode error, so it is an error here. Scalars are typed the way the server's
// YAML 1.1 reader types them (`yes`, `on`, `123`, `1.5` are not strings unless quoted).
#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <new>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "k8saudit/policy.h"
#include "ascii.h"

namespace k8saudit {
namespace {

constexpr std::size_t npos = std::string_view::npos;

constexpr std::string_view k_api_version = "audit.k8s.io/v1";
constexpr std::array<std::string_view, 2> k_deprecated_versions{"audit.k8s.io/v1beta1", "audit.k8s.io/v1alpha1"};

struct level_name {
  std::string_view text;
  k8saudit::level value;
};
constexpr std::array<level_name, 4> k_levels{{
    {"None", level::none},
    {"Metadata", level::metadata},
    {"Request", level::request},
    {"RequestResponse", level::request_response},
}};

struct stage_name {
  std::string_view text;
  k8saudit::stage value;
};
constexpr std::array<stage_name, 4> k_stages{{
    {"RequestReceived", stage::request_received},
    {"ResponseStarted", stage::response_started},
    {"ResponseComplete", stage::response_complete},
    {"Panic", stage::panic},
}};

constexpr std::array<std::string_view, 6> k_policy_fields{"apiVersion", "kind",       "metadata",
                                                         "rules",      "omitStages", "omitManagedFields"};
constexpr std::array<std::string_view, 9> k_rule_fields{"level",      "users",           "userGroups",
                                                       "verbs",      "resources",       "namespaces",
                                                       "nonResourceURLs", "omitStages", "omitManagedFields"};
constexpr std::array<std::string_view, 3> k_group_resources_fields{"group", "resources", "resourceNames"};

// ---------------------------------------------------------------------------------------------
// Small string helpers.

using detail::ascii_lower;
using detail::hex_value;
using detail::iequals;

template <std::size_t N>
bool one_of(std::string_view s, const std::array<std::string_view, N>& set) noexcept {
  return std::find(set.begin(), set.end(), s) != set.end();
}

/// The entry of `set` equal to `s` ignoring ASCII case, or empty.
template <std::size_t N>
std::string_view case_insensitive_match(std::string_view s, const std::array<std::string_view, N>& set) noexcept {
  for (std::string_view f : set) {
    if (iequals(f, s)) return f;
  }
  return {};
}

std::string quoted(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

std::string join_path(std::string_view parent, std::string_view key) {
  std::string out(parent);
  if (!out.empty()) out += '.';
  out += key;
  return out;
}

std::string index_path(std::string_view parent, std::size_t i) {
  std::string out(parent);
  out += '[';
  out += std::to_string(i);
  out += ']';
  return out;
}

/// Appends `s` percent-decoded to `out`. In a path `+` stays `+` and an invalid escape is kept
/// as it is; in a query (`query` true) `+` is a space and an invalid escape fails (Go's url
/// package rejects the pair, and the server ignores it).
bool percent_decode(std::string_view s, std::string& out, bool query) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      int hi = i + 1 < s.size() ? hex_value(s[i + 1]) : -1;
      int lo = i + 2 < s.size() ? hex_value(s[i + 2]) : -1;
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>((hi << 4) | lo);
        i += 2;
        continue;
      }
      if (query) return false;
      out += c;
    } else if (c == '+' && query) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Scalar typing, as the server's YAML 1.1 reader (go-yaml v2 under sigs.k8s.io/yaml) does it.

enum class scalar_type { null, boolean, number, string };

constexpr std::array<std::string_view, 11> k_yaml_true{"y",    "Y",    "yes", "Yes", "YES", "true",
                                                      "True", "TRUE", "on",  "On",  "ON"};
constexpr std::array<std::string_view, 11> k_yaml_false{"n",     "N",     "no",  "No",  "NO", "false",
                                                       "False", "FALSE", "off", "Off", "OFF"};

bool all_digits(std::string_view s, int base) noexcept {
  if (s.empty()) return false;
  for (char c : s) {
    int v = hex_value(c);
    if (v < 0 || v >= base) return false;
  }
  return true;
}

/// A YAML 1.1 float: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool yaml_float(std::string_view s) noexcept {
  std::size_t i = 0;
  auto digits = [&] {
    std::size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i - start;
  };
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (digits() == 0) return false;
  } else {
    if (digits() == 0) return false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      digits();
    }
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (digits() == 0) return false;
  }
  return i == s.size();
}

bool yaml_number(std::string_view text) {
  std::string s;
  for (char c : text) {
    if (c != '_') s += c;
  }
  std::string_view v = s;
  std::string_view unsigned_part = v;
  if (!unsigned_part.empty() && (unsigned_part[0] == '+' || unsigned_part[0] == '-')) unsigned_part.remove_prefix(1);
  for (std::string_view special : {".inf", ".Inf", ".INF"}) {
    if (unsigned_part == special) return true;
  }
  for (std::string_view special : {".nan", ".NaN", ".NAN"}) {
    if (v == special) return true;
  }
  if (unsigned_part.size() > 2 && unsigned_part[0] == '0') {
    char p = unsigned_part[1];
    if (p == 'x' || p == 'X') return all_digits(unsigned_part.substr(2), 16);
    if (p == 'o' || p == 'O') return all_digits(unsigned_part.substr(2), 8);
    if (p == 'b' || p == 'B') return all_digits(unsigned_part.substr(2), 2);
  }
  if (all_digits(unsigned_part, 10)) return true;
  return yaml_float(v);
}

scalar_type type_of(const YAML::Node& n) {
  if (n.IsNull()) return scalar_type::null;
  const std::string& tag = n.Tag();
  if (tag == "!" || tag == "tag:yaml.org,2002:str") return scalar_type::string;
  if (tag == "tag:yaml.org,2002:bool") return scalar_type::boolean;
  if (tag == "tag:yaml.org,2002:int" || tag == "tag:yaml.org,2002:float") return scalar_type::number;
  if (tag == "tag:yaml.org,2002:null") return scalar_type::null;
  if (tag != "?") return scalar_type::string;
  const std::string& s = n.Scalar();
  if (one_of(s, k_yaml_true) || one_of(s, k_yaml_false)) return scalar_type::boolean;
  if (yaml_number(s)) return scalar_type::number;
  return scalar_type::string;
}

std::string_view describe_type(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: return "null";
    case YAML::NodeType::Scalar: break;
  }
  switch (type_of(n)) {
    case scalar_type::null: return "null";
    case scalar_type::boolean: return "a boolean";
    case scalar_type::number: return "a number";
    case scalar_type::string: return "a string";
  }
  return "a value";
}

// ---------------------------------------------------------------------------------------------
// The loader.

struct map_entry {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
};

enum class object_kind { policy, rule, group_resources };

class loader {
 public:
  std::vector<policy_problem> problems;
  std::vector<policy_rule> rules;
  std::uint8_t omit_stages{0};
  bool omit_managed_fields{false};
  std::string api_version;

  [[nodiscard]] bool failed() const noexcept {
    return std::any_of(problems.begin(), problems.end(), [](const policy_problem& p) { return !p.warning; });
  }

  void error(std::string where, std::string message, const YAML::Node* at = nullptr) {
    add(std::move(where), std::move(message), at, false);
  }
  void warn(std::string where, std::string message, const YAML::Node* at = nullptr) {
    add(std::move(where), std::move(message), at, true);
  }

  void load_document(const YAML::Node& doc);

 private:
  void add(std::string where, std::string message, const YAML::Node* at, bool warning) {
    if (at != nullptr) {
      YAML::Mark m = at->Mark();
      if (!m.is_null() && m.line >= 0 && m.column >= 0) {
        message += " (line ";
        message += std::to_string(m.line + 1);
        message += ", column ";
        message += std::to_string(m.column + 1);
        message += ')';
      }
    }
    problems.push_back(policy_problem{std::move(where), std::move(message), warning});
  }

  std::vector<map_entry> entries(const YAML::Node& map, const std::string& where);
  void collect(const YAML::Node& map, const std::string& where, std::vector<map_entry>& out, bool merged, int depth);
  std::size_t merge_budget_{10'000};  ///< merged mappings visited per load
  void unknown_field(const map_entry& e, const std::string& where, object_kind in);

  bool read_string(const YAML::Node& n, const std::string& where, std::string& out);
  void read_string_list(const YAML::Node& n, const std::string& where, std::vector<std::string>& out);
  void read_bool(const YAML::Node& n, const std::string& where, std::optional<bool>& out);
  void read_stages(const YAML::Node& n, const std::string& where, std::uint8_t& bits);
  void read_rule(const YAML::Node& n, const std::string& where, policy_rule& rule);
  void read_group_resources(const YAML::Node& n, const std::string& where, group_resources& gr);
  void check_rules(const std::vector<YAML::Node>& rule_nodes);
};

void loader::collect(const YAML::Node& map, const std::string& where, std::vector<map_entry>& out, bool merged,
                     int depth) {
  std::vector<map_entry> own;
  std::vector<YAML::Node> merges;
  for (auto it = map.begin(); it != map.end(); ++it) {
    const YAML::Node k = it->first;  // a copy: the iterator's proxy is a temporary
    const YAML::Node v = it->second;
    std::string key;
    if (k.IsScalar()) {
      key = k.Scalar();
      if (key == "<<" && k.Tag() == "?") {
        merges.push_back(v);
        continue;
      }
    } else if (k.IsNull()) {
      key = "null";
    } else {
      error(where.empty() ? std::string("(document)") : where,
            "a mapping key must be a string, got " + std::string(describe_type(k)), &k);
      continue;
    }
    own.push_back(map_entry{std::move(key), k, v});
  }
  // Duplicate keys: the last one wins (the server's lenient decode). yaml-cpp nodes have
  // reference semantics (assigning one rewrites the document), so entries are only ever copied
  // into place, never assigned.
  for (std::size_t i = 0; i < own.size(); ++i) {
    bool later = false;
    for (std::size_t j = i + 1; j < own.size() && !later; ++j) later = own[j].key == own[i].key;
    if (later) continue;
    bool earlier = false;
    for (std::size_t j = 0; j < i && !earlier; ++j) earlier = own[j].key == own[i].key;
    if (earlier && !merged) {
      warn(join_path(where, own[i].key), "duplicate field " + quoted(own[i].key) + ": the last value is used",
           &own[i].key_node);
    }
    bool present = std::any_of(out.begin(), out.end(), [&](const map_entry& o) { return o.key == own[i].key; });
    if (!present) out.push_back(own[i]);
  }
  // YAML merge keys (`<<: *anchor`): keys written in the mapping itself win, then the merged
  // mappings in the order listed.
  // Merge keys can fan out exponentially (<<: [*a, *a, *a] at every level): bound the depth
  // and the total work of one load.
  if (depth > 32) return;
  if (merge_budget_ < merges.size()) {
    error(join_path(where, "<<"), "too many merged mappings (YAML merge keys nest too much)", &map);
    return;
  }
  merge_budget_ -= merges.size();
  for (const YAML::Node& m : merges) {
    if (m.IsMap()) {
      collect(m, where, out, true, depth + 1);
    } else if (m.IsSequence()) {
      for (auto it = m.begin(); it != m.end(); ++it) {
        if (merge_budget_ == 0) {
          error(join_path(where, "<<"), "too many merged mappings (YAML merge keys nest too much)", &m);
          return;
        }
        --merge_budget_;
        if (it->IsMap()) {
          collect(*it, where, out, true, depth + 1);
        } else {
          error(join_path(where, "<<"), "a merge key needs a mapping or a list of mappings", &m);
        }
      }
    } else {
      error(join_path(where, "<<"), "a merge key needs a mapping or a list of mappings", &m);
    }
  }
}

std::vector<map_entry> loader::entries(const YAML::Node& map, const std::string& where) {
  std::vector<map_entry> out;
  if (map.IsMap()) collect(map, where, out, false, 0);
  return out;
}

void loader::unknown_field(const map_entry& e, const std::string& where, object_kind in) {
  std::string msg = "unknown field " + quoted(e.key) + ", ignored";
  std::string_view suggestion;
  switch (in) {
    case object_kind::policy: suggestion = case_insensitive_match(e.key, k_policy_fields); break;
    case object_kind::rule: suggestion = case_insensitive_match(e.key, k_rule_fields); break;
    case object_kind::group_resources: suggestion = case_insensitive_match(e.key, k_group_resources_fields); break;
  }
  if (!suggestion.empty()) {
    msg += " (field names are case-sensitive: did you mean " + quoted(suggestion) + "?)";
  } else if (in == object_kind::group_resources && one_of(e.key, k_rule_fields)) {
    msg += " (" + quoted(e.key) +
           " is a field of the rule, not of a resources entry: is it indented too far? As written the rule is "
           "not restricted by it)";
  } else if (in == object_kind::policy && one_of(e.key, k_rule_fields)) {
    msg += " (" + quoted(e.key) + " is a field of a rule: it belongs inside an entry of \"rules\")";
  } else if (in == object_kind::rule && one_of(e.key, k_group_resources_fields)) {
    msg += " (" + quoted(e.key) + " is a field of an entry of \"resources\")";
  }
  warn(join_path(where, e.key), std::move(msg), &e.key_node);
}

bool loader::read_string(const YAML::Node& n, const std::string& where, std::string& out) {
  out.clear();
  if (n.IsNull()) return true;
  if (n.IsScalar() && type_of(n) == scalar_type::string) {
    out = n.Scalar();
    return true;
  }
  std::string msg = "expected a string, got " + std::string(describe_type(n));
  if (n.IsScalar()) msg += " (" + n.Scalar() + "; quote it to make it a string)";
  error(where, std::move(msg), &n);
  return false;
}

void loader::read_string_list(const YAML::Node& n, const std::string& where, std::vector<std::string>& out) {
  out.clear();
  if (n.IsNull()) return;
  if (!n.IsSequence()) {
    std::string msg = "expected a list of strings, got " + std::string(describe_type(n));
    if (n.IsScalar()) msg += " (write [" + n.Scalar() + "])";
    error(where, std::move(msg), &n);
    return;
  }
  std::size_t i = 0;
  for (auto it = n.begin(); it != n.end(); ++it, ++i) {
    std::string s;
    read_string(*it, index_path(where, i), s);
    out.push_back(std::move(s));
  }
}

void loader::read_bool(const YAML::Node& n, const std::string& where, std::optional<bool>& out) {
  out.reset();
  if (n.IsNull()) return;
  if (n.IsScalar() && type_of(n) == scalar_type::boolean) {
    const std::string& s = n.Scalar();
    if (one_of(s, k_yaml_true)) {
      out = true;
      return;
    }
    if (one_of(s, k_yaml_false)) {
      out = false;
      return;
    }
  }
  std::string msg = "expected true or false, got " + std::string(describe_type(n));
  if (n.IsScalar()) msg += " (" + quoted(n.Scalar()) + ")";
  error(where, std::move(msg), &n);
}

void loader::read_stages(const YAML::Node& n, const std::string& where, std::uint8_t& bits) {
  bits = 0;
  std::vector<std::string> names;
  std::size_t before = problems.size();
  read_string_list(n, where, names);
  bool typed = problems.size() == before;
  std::size_t i = 0;
  auto it = n.IsSequence() ? n.begin() : n.end();
  for (const std::string& s : names) {
    YAML::Node at = it != n.end() ? *it : n;
    auto found = std::find_if(k_stages.begin(), k_stages.end(), [&](const stage_name& st) { return st.text == s; });
    if (found != k_stages.end()) {
      bits = static_cast<std::uint8_t>(bits | stage_bit(found->value));
    } else if (typed || !s.empty()) {
      std::string msg = "unsupported value " + quoted(s) +
                        ": must be one of RequestReceived, ResponseStarted, ResponseComplete, Panic";
      for (const stage_name& st : k_stages) {
        if (iequals(st.text, s)) msg += " (values are case-sensitive: did you mean " + quoted(st.text) + "?)";
      }
      error(index_path(where, i), std::move(msg), &at);
    }
    ++i;
    if (it != n.end()) ++it;
  }
}

bool valid_dns1123_subdomain(std::string_view s) noexcept {
  if (s.empty() || s.size() > 253) return false;
  std::size_t label_start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == '.') {
      std::string_view label = s.substr(label_start, i - label_start);
      if (label.empty() || label.front() == '-' || label.back() == '-') return false;
      label_start = i + 1;
      continue;
    }
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

void loader::read_group_resources(const YAML::Node& n, const std::string& where, group_resources& gr) {
  if (!n.IsMap() && !n.IsNull()) {
    error(where, "expected a mapping (group, resources, resourceNames), got " + std::string(describe_type(n)), &n);
    return;
  }
  YAML::Node group_node;
  YAML::Node names_node;
  YAML::Node resources_node;
  bool group_ok = true;
  for (const map_entry& e : entries(n, where)) {
    std::string path = join_path(where, e.key);
    if (e.key == "group") {
      group_ok = read_string(e.value, path, gr.group);
      group_node = e.value;
    } else if (e.key == "resources") {
      read_string_list(e.value, path, gr.resources);
      resources_node = e.value;
    } else if (e.key == "resourceNames") {
      read_string_list(e.value, path, gr.resource_names);
      names_node = e.value;
    } else {
      unknown_field(e, where, object_kind::group_resources);
    }
  }
  if (group_ok && !gr.group.empty() && gr.group != "*" && !valid_dns1123_subdomain(gr.group)) {
    std::string msg = "invalid API group " + quoted(gr.group) +
                      ": must be \"\" (the core group), \"*\" (every group) or a lower-case DNS-1123 subdomain "
                      "of at most 253 characters";
    if (gr.group.find('/') != std::string::npos) {
      msg += "; write the group without its version (\"" + gr.group.substr(0, gr.group.find('/')) + "\")";
    } else if (std::any_of(gr.group.begin(), gr.group.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
      msg += "; API groups are lower-case";
    }
    error(join_path(where, "group"), std::move(msg), &group_node);
  }
  if (!gr.resource_names.empty() && gr.resources.empty()) {
    error(join_path(where, "resourceNames"),
          "resourceNames requires at least one entry in resources (in the same resources entry)", &names_node);
  }
  // Patterns that are accepted by validation but can never match (spec 2.4).
  std::size_t k = 0;
  for (const std::string& pat : gr.resources) {
    const YAML::Node& seq = resources_node;
    YAML::Node at = seq.IsSequence() && k < seq.size() ? seq[k] : seq;
    std::string path = index_path(join_path(where, "resources"), k);
    ++k;
    const YAML::Node* loc = &at;
    if (pat == "*") continue;
    if (pat == "*/*") {
      warn(path,
           "never matches: \"*/*\" matches only a literal \"*\" resource or subresource; \"*\" matches every "
           "resource and subresource of the group",
           loc);
      continue;
    }
    std::size_t slashes = static_cast<std::size_t>(std::count(pat.begin(), pat.end(), '/'));
    if (pat.empty()) {
      warn(path, "never matches: an empty resource pattern", loc);
    } else if (slashes > 1) {
      warn(path,
           "never matches: " + quoted(pat) +
               " has more than one \"/\"; a pattern is resource, resource/subresource, *, resource/* or */subresource",
           loc);
    } else if (slashes == 1 && (pat.front() == '/' || pat.back() == '/')) {
      warn(path, "never matches: " + quoted(pat) + " has an empty resource or subresource", loc);
    }
  }
}

void loader::read_rule(const YAML::Node& n, const std::string& where, policy_rule& rule) {
  if (!n.IsMap() && !n.IsNull()) {
    error(where, "expected a mapping (a rule), got " + std::string(describe_type(n)), &n);
    return;
  }
  bool level_seen = false;
  YAML::Node level_node;
  std::string level_text;
  bool level_typed = true;
  YAML::Node nru_node;
  for (const map_entry& e : entries(n, where)) {
    std::string path = join_path(where, e.key);
    if (e.key == "level") {
      level_seen = true;
      level_node = e.value;
      level_typed = read_string(e.value, path, level_text);
    } else if (e.key == "users") {
      read_string_list(e.value, path, rule.users);
    } else if (e.key == "userGroups") {
      read_string_list(e.value, path, rule.user_groups);
    } else if (e.key == "verbs") {
      read_string_list(e.value, path, rule.verbs);
    } else if (e.key == "namespaces") {
      read_string_list(e.value, path, rule.namespaces);
    } else if (e.key == "nonResourceURLs") {
      nru_node = e.value;
      read_string_list(e.value, path, rule.non_resource_urls);
    } else if (e.key == "omitStages") {
      read_stages(e.value, path, rule.omit_stages);
    } else if (e.key == "omitManagedFields") {
      read_bool(e.value, path, rule.omit_managed_fields);
    } else if (e.key == "resources") {
      if (e.value.IsNull()) continue;
      if (!e.value.IsSequence()) {
        error(path, "expected a list of resources entries (group, resources, resourceNames), got " +
                        std::string(describe_type(e.value)), &e.value);
        continue;
      }
      std::size_t j = 0;
      for (auto it = e.value.begin(); it != e.value.end(); ++it, ++j) {
        group_resources gr;
        read_group_resources(*it, index_path(path, j), gr);
        rule.resources.push_back(std::move(gr));
      }
    } else {
      unknown_field(e, where, object_kind::rule);
    }
  }

  // level: required, one of four exact strings.
  std::string level_path = join_path(where, "level");
  if (level_typed) {
    if (level_text.empty()) {
      error(level_path, "required: one of None, Metadata, Request, RequestResponse",
            level_seen ? &level_node : (n.IsMap() ? &n : nullptr));
    } else {
      auto found =
          std::find_if(k_levels.begin(), k_levels.end(), [&](const level_name& l) { return l.text == level_text; });
      if (found != k_levels.end()) {
        rule.level = found->value;
      } else {
        std::string msg = "unsupported value " + quoted(level_text) +
                          ": must be one of None, Metadata, Request, RequestResponse";
        for (const level_name& l : k_levels) {
          if (iequals(l.text, level_text)) msg += " (values are case-sensitive: did you mean " + quoted(l.text) + "?)";
        }
        error(level_path, std::move(msg), &level_node);
      }
    }
  }

  // nonResourceURLs: "*" or a path starting with "/", "*" only as the last character.
  std::string nru_path = join_path(where, "nonResourceURLs");
  for (std::size_t i = 0; i < rule.non_resource_urls.size(); ++i) {
    const std::string& u = rule.non_resource_urls[i];
    const YAML::Node& seq = nru_node;
    YAML::Node at = seq.IsSequence() && i < seq.size() ? seq[i] : seq;
    std::string path = index_path(nru_path, i);
    if (u.empty()) {
      error(path, "an empty non-resource URL is invalid: use \"*\" or a path starting with \"/\"", &at);
    } else if (u != "*" && u.front() != '/') {
      error(path, "invalid non-resource URL " + quoted(u) + ": must be \"*\" or start with \"/\"", &at);
    } else if (std::string_view(u).substr(0, u.size() - 1).find('*') != npos) {
      error(path,
            "invalid non-resource URL " + quoted(u) + ": \"*\" is allowed only as the last character", &at);
    } else if (u.find('?') != std::string::npos) {
      warn(path,
           "never matches: " + quoted(u) + " contains \"?\", but paths are matched without their query string",
           &at);
    }
  }
  if (!rule.non_resource_urls.empty() && (!rule.resources.empty() || !rule.namespaces.empty())) {
    error(nru_path,
          "a rule cannot apply to both resources and non-resource URLs: nonResourceURLs may not be set together "
          "with " + std::string(!rule.resources.empty() ? "resources" : "namespaces"),
          nru_node.IsDefined() ? &nru_node : nullptr);
  }
}

bool catch_all(const policy_rule& r) noexcept {
  return r.users.empty() && r.user_groups.empty() && r.verbs.empty() && r.resources.empty() &&
         r.namespaces.empty() && r.non_resource_urls.empty();
}

void loader::check_rules(const std::vector<YAML::Node>& rule_nodes) {
  std::optional<std::size_t> first_catch_all;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const YAML::Node* at = i < rule_nodes.size() ? &rule_nodes[i] : nullptr;
    if (first_catch_all) {
      warn(index_path("rules", i),
           "never reached: rule " + std::to_string(*first_catch_all) +
               " before it sets only `level` and matches every request",
           at);
    } else if (catch_all(rules[i])) {
      first_catch_all = i;
    }
  }
}

void loader::load_document(const YAML::Node& doc) {
  if (doc.IsNull()) {
    error("", "the document is empty: expected a Policy (apiVersion: audit.k8s.io/v1, kind: Policy, rules)");
    return;
  }
  if (!doc.IsMap()) {
    error("", "expected a Policy mapping (apiVersion, kind, rules, ...), got " + std::string(describe_type(doc)),
          &doc);
    return;
  }
  bool api_seen = false, kind_seen = false, rules_typed = true;
  bool api_typed = true, kind_typed = true;  // false: a value of the wrong type, already reported
  std::string kind;
  YAML::Node api_node, kind_node;
  std::vector<YAML::Node> rule_nodes;
  for (const map_entry& e : entries(doc, "")) {
    const std::string& path = e.key;
    if (e.key == "apiVersion") {
      api_seen = true;
      api_typed = read_string(e.value, path, api_version);
      api_node = e.value;
    } else if (e.key == "kind") {
      kind_seen = true;
      kind_typed = read_string(e.value, path, kind);
      kind_node = e.value;
    } else if (e.key == "metadata") {
      if (!e.value.IsMap() && !e.value.IsNull()) {
        error(path, "expected a mapping (ObjectMeta), got " + std::string(describe_type(e.value)), &e.value);
      }
    } else if (e.key == "rules") {
      if (e.value.IsNull()) continue;
      if (!e.value.IsSequence()) {
        rules_typed = false;
        error(path, "expected a list of rules, got " + std::string(describe_type(e.value)), &e.value);
        continue;
      }
      std::size_t i = 0;
      for (auto it = e.value.begin(); it != e.value.end(); ++it, ++i) {
        policy_rule rule;
        read_rule(*it, index_path("rules", i), rule);
        rules.push_back(std::move(rule));
        rule_nodes.push_back(*it);
      }
    } else if (e.key == "omitStages") {
      read_stages(e.value, path, omit_stages);
    } else if (e.key == "omitManagedFields") {
      std::optional<bool> v;
      read_bool(e.value, path, v);
      omit_managed_fields = v.value_or(false);
    } else {
      unknown_field(e, "", object_kind::policy);
    }
  }

  if (!api_typed) {
    // reported by read_string
  } else if (api_version.empty()) {
    error("apiVersion", "required: audit.k8s.io/v1", api_seen ? &api_node : nullptr);
  } else if (one_of(api_version, k_deprecated_versions)) {
    warn("apiVersion",
         quoted(api_version) +
             " is deprecated (kube-apiserver rejects it since 1.24); its Policy is identical to audit.k8s.io/v1 and "
             "is read as v1",
         &api_node);
  } else if (api_version != k_api_version) {
    error("apiVersion", "unsupported apiVersion " + quoted(api_version) + ": expected audit.k8s.io/v1", &api_node);
  }
  if (!kind_typed) {
    // reported by read_string
  } else if (kind.empty()) {
    error("kind", "required: Policy", kind_seen ? &kind_node : nullptr);
  } else if (kind != "Policy") {
    error("kind", "unsupported kind " + quoted(kind) + ": expected Policy", &kind_node);
  }
  if (rules.empty() && rules_typed) {
    error("rules", "a policy needs at least one rule (kube-apiserver refuses to load a policy with 0 rules)");
  }
  check_rules(rule_nodes);
}

// ---------------------------------------------------------------------------------------------
// Matching (spec section 2).

bool contains(const std::vector<std::string>& list, std::string_view s) noexcept {
  for (const std::string& x : list) {
    if (x == s) return true;
  }
  return false;
}

/// pat == resource + ("/" + subresource if subresource is not empty), without building it.
bool equals_combined(std::string_view pat, std::string_view resource, std::string_view subresource) noexcept {
  if (subresource.empty()) return pat == resource;
  return pat.size() == resource.size() + 1 + subresource.size() && pat.substr(0, resource.size()) == resource &&
         pat[resource.size()] == '/' && pat.substr(resource.size() + 1) == subresource;
}

bool resource_match(const policy_rule& rule, const request_attributes& a) noexcept {
  if (!a.resource_request) return false;
  if (!rule.namespaces.empty() && !contains(rule.namespaces, a.namespace_)) return false;
  if (rule.resources.empty()) return true;
  for (const group_resources& gr : rule.resources) {
    if (gr.group != a.api_group && gr.group != "*") continue;
    if (gr.resources.empty()) return true;
    for (const std::string& p : gr.resources) {
      std::string_view pat = p;
      if (!gr.resource_names.empty() && !contains(gr.resource_names, a.name)) continue;
      if (pat == "*" || equals_combined(pat, a.resource, a.subresource)) return true;
      if (!a.subresource.empty() && pat.size() >= 2 && pat.substr(0, 2) == "*/" && pat.substr(2) == a.subresource) {
        return true;
      }
      if (pat.size() >= 2 && pat.substr(pat.size() - 2) == "/*" && pat.substr(0, pat.size() - 2) == a.resource) {
        return true;
      }
    }
  }
  return false;
}

bool path_match(std::string_view path, std::string_view spec) noexcept {
  if (spec == "*" || spec == path) return true;
  if (!spec.empty() && spec.back() == '*') {
    std::size_t end = spec.find_last_not_of('*');
    std::string_view prefix = end == npos ? std::string_view{} : spec.substr(0, end + 1);
    return path.substr(0, prefix.size()) == prefix;
  }
  return false;
}

bool non_resource_match(const policy_rule& rule, const request_attributes& a) noexcept {
  if (a.resource_request) return false;
  for (const std::string& spec : rule.non_resource_urls) {
    if (path_match(a.path, spec)) return true;
  }
  return false;
}

bool matches(const policy_rule& rule, const request_attributes& a) noexcept {
  if (!rule.users.empty() && (!a.has_user || !contains(rule.users, a.user))) return false;
  if (!rule.user_groups.empty()) {
    if (!a.has_user) return false;
    bool any = false;
    for (std::string_view g : a.groups) {
      if (contains(rule.user_groups, g)) {
        any = true;
        break;
      }
    }
    if (!any) return false;
  }
  if (!rule.verbs.empty() && !contains(rule.verbs, a.verb)) return false;
  if (!rule.namespaces.empty() || !rule.resources.empty()) return resource_match(rule, a);
  if (!rule.non_resource_urls.empty()) return non_resource_match(rule, a);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Request attributes (spec section 3).

/// A byte range of the attributes' storage.
struct range {
  std::size_t offset{0};
  std::size_t length{0};
};

/// The name the server parsed from a resource URL path (already percent-decoded), spec 3.1.
/// Returns nothing when the path is not a resource path of the `api`/`apis` prefixes (or is one
/// the server rejects, such as `/api/v1/watch`).
std::optional<range> name_from_path(std::string_view path, std::size_t base) {
  constexpr std::size_t max_parts = 12;
  std::array<range, max_parts> parts{};
  std::size_t n = 0;
  std::size_t b = path.find_first_not_of('/');
  std::size_t e = path.find_last_not_of('/');
  if (b != npos) {
    std::string_view trimmed = path.substr(b, e - b + 1);
    std::size_t start = 0;
    while (true) {
      std::size_t slash = trimmed.find('/', start);
      std::size_t end = slash == npos ? trimmed.size() : slash;
      if (n < max_parts) parts[n] = range{b + start, end - start};
      ++n;
      if (slash == npos) break;
      start = slash + 1;
    }
  }
  auto part = [&](std::size_t i) -> std::string_view {
    return i < max_parts ? path.substr(parts[i].offset, parts[i].length) : std::string_view{};
  };
  if (n < 3) return std::nullopt;
  std::size_t i = 0;
  if (part(0) == "api") {
    i = 1;
  } else if (part(0) == "apis") {
    if (n - 1 < 3) return std::nullopt;
    i = 2;  // skip the group
  } else {
    return std::nullopt;
  }
  ++i;  // the version
  // A leading `watch` or `proxy` segment is the verb. (A proxy verb also means there is no
  // subresource, but the subresource is taken from objectRef.)
  if (part(i) == "watch" || part(i) == "proxy") {
    if (n - i < 2) return std::nullopt;  // the server cannot tell the resource
    ++i;
  }
  if (part(i) == "namespaces" && n - i > 2 && part(i + 2) != "status" && part(i + 2) != "finalize") {
    i += 2;
  }
  // parts[i..]: resource/name/subresource/...
  std::size_t rest = n - i;
  if (rest >= 2 && i + 1 < max_parts) return range{base + parts[i + 1].offset, parts[i + 1].length};
  return range{base, 0};
}

/// Undoes a field-selector value's backslash escapes (\\ \, \=); fails on any other escape and
/// on an unescaped ',' or '='.
bool unescape_selector_value(std::string_view v, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    if (c == '\\') {
      if (i + 1 >= v.size()) return false;
      char d = v[++i];
      if (d != '\\' && d != ',' && d != '=') return false;
      out += d;
    } else if (c == ',' || c == '=') {
      return false;
    } else {
      out += c;
    }
  }
  return true;
}

/// The name a `fieldSelector` requires exactly (metadata.name=X or ==X), the way the server's
/// field-selector parser finds it: terms split at unescaped commas, sorted, each split at its
/// first operator (!=, ==, =); any malformed term makes the whole selector (and the name) void.
std::optional<std::string> selector_name(std::string_view sel) {
  std::vector<std::string_view> terms;
  std::size_t start = 0;
  bool escaped = false;
  for (std::size_t i = 0; i < sel.size(); ++i) {
    if (escaped) {
      escaped = false;
    } else if (sel[i] == '\\') {
      escaped = true;
    } else if (sel[i] == ',') {
      terms.push_back(sel.substr(start, i - start));
      start = i + 1;
    }
  }
  terms.push_back(sel.substr(start));
  std::sort(terms.begin(), terms.end());
  std::optional<std::string> found;
  for (std::string_view term : terms) {
    if (term.empty()) continue;
    std::size_t at = npos;
    std::size_t op_len = 0;
    bool negated = false;
    for (std::size_t i = 0; i < term.size() && at == npos; ++i) {
      std::string_view rest = term.substr(i);
      if (rest.substr(0, 2) == "!=") {
        at = i, op_len = 2, negated = true;
      } else if (rest.substr(0, 2) == "==") {
        at = i, op_len = 2;
      } else if (rest.front() == '=') {
        at = i, op_len = 1;
      }
    }
    if (at == npos) return std::nullopt;
    std::string value;
    if (!unescape_selector_value(term.substr(at + op_len), value)) return std::nullopt;
    if (!negated && !found && term.substr(0, at) == "metadata.name") found = std::move(value);
  }
  if (found && (*found == "." || *found == ".." || found->find('/') != std::string::npos ||
                found->find('%') != std::string::npos)) {
    return std::nullopt;  // not a valid path segment name: the server ignores it
  }
  return found;
}

/// The first `fieldSelector` query parameter, decoded (pairs that do not decode are skipped).
std::optional<std::string> field_selector(std::string_view query) {
  std::string key;
  std::string value;
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty() || pair.find(';') != npos) continue;
    std::size_t eq = pair.find('=');
    std::string_view k = pair.substr(0, eq);
    std::string_view v = eq == npos ? std::string_view{} : pair.substr(eq + 1);
    key.clear();
    value.clear();
    if (!percent_decode(k, key, true) || !percent_decode(v, value, true)) continue;
    if (key == "fieldSelector") return value;
  }
  return std::nullopt;
}

bool empty_ref(const object_reference& o) noexcept {
  return o.resource.empty() && o.namespace_.empty() && o.name.empty() && o.uid.empty() && o.api_group.empty() &&
         o.api_version.empty() && o.resource_version.empty() && o.subresource.empty();
}

// ---------------------------------------------------------------------------------------------
// describe()

void append_list(std::string& out, std::string_view label, const std::vector<std::string>& items) {
  if (items.empty()) return;
  out += "; ";
  out += label;
  out += ": ";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i != 0) out += ", ";
    out += items[i].empty() ? std::string_view("\"\"") : std::string_view(items[i]);
  }
}

std::string stage_list(std::uint8_t bits) {
  std::string out;
  for (const stage_name& s : k_stages) {
    if ((bits & stage_bit(s.value)) == 0) continue;
    if (!out.empty()) out += ", ";
    out += s.text;
  }
  return out;
}

std::string_view level_text(level l) noexcept {
  for (const level_name& n : k_levels) {
    if (n.value == l) return n.text;
  }
  return "None";
}

// Walks a YAML stream's documents without building them, noting where each one starts and its
// first node that is not null. It replaces YAML::LoadAll(), which never returns on a stray
// top-level ',' (yaml-cpp 0.7 ends the document there without consuming the ',', so the next
// document starts at the same token, again and again, each round allocating a node).
class document_scan final : public YAML::EventHandler {
 public:
  YAML::Mark start{};                   ///< where the current document starts
  std::optional<YAML::Mark> content{};  ///< its first node that is not null

  void OnDocumentStart(const YAML::Mark& m) override {
    start = m;
    content.reset();
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark& m, YAML::anchor_t) override { seen(m); }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t, const std::string&) override { seen(m); }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    seen(m);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    seen(m);
  }
  void OnMapEnd() override {}

 private:
  void seen(const YAML::Mark& m) {
    if (!content) content = m;
  }
};

std::string mark_text(const YAML::Mark& m) {
  return "line " + std::to_string(m.line + 1) + ", column " + std::to_string(m.column + 1);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Public API.

std::string policy_load_error::render() const {
  std::string out;
  for (const policy_problem& p : problems) {
    out += p.warning ? "warning: " : "error: ";
    if (!p.where.empty()) {
      out += p.where;
      out += ": ";
    }
    out += p.message;
    out += '\n';
  }
  return out;
}

result<policy, policy_load_error> policy::load(std::string_view text) {
  try {
    loader ld;
    const std::string source(text);
    YAML::Node doc;
    std::vector<std::pair<std::size_t, YAML::Mark>> ignored;  // documents after the first with content
    try {
      // Every document is checked for syntax errors (as the server's decoder would fail on them),
      // but only the first one is built.
      std::istringstream in(source);
      YAML::Parser parser(in);
      document_scan scan;
      std::optional<int> previous_start;
      for (std::size_t i = 0; parser.HandleNextDocument(scan); ++i) {
        if (previous_start && scan.start.pos == *previous_start) {
          const auto at = static_cast<std::size_t>(scan.start.pos);
          const std::string what = at < source.size() ? "'" + std::string(1, source[at]) + "'" : "content";
          ld.error(mark_text(scan.start), "YAML/JSON syntax error: unexpected " + what);
          return unexpected(policy_load_error{std::move(ld.problems)});
        }
        previous_start = scan.start.pos;
        if (i > 0 && scan.content) ignored.emplace_back(i, *scan.content);
      }
      // An empty stream is an empty policy; only the first document counts (as on the server).
      doc = YAML::Load(source);
    } catch (const YAML::Exception& e) {
      std::string where;
      if (!e.mark.is_null()) where = mark_text(e.mark);
      ld.error(std::move(where), "YAML/JSON syntax error: " + (e.msg.empty() ? std::string(e.what()) : e.msg));
      return unexpected(policy_load_error{std::move(ld.problems)});
    }
    ld.load_document(doc);
    for (const auto& [i, mark] : ignored) {
      ld.warn("", "document " + std::to_string(i + 1) + " ignored: only the first YAML document is read (" +
                      mark_text(mark) + ")");
    }
    if (ld.failed()) return unexpected(policy_load_error{std::move(ld.problems)});
    policy p;
    p.rules_ = std::move(ld.rules);
    p.omit_stages_ = ld.omit_stages;
    p.omit_managed_fields_ = ld.omit_managed_fields;
    p.api_version_ = std::move(ld.api_version);
    p.warnings_ = std::move(ld.problems);
    return p;
  } catch (const YAML::Exception& e) {
    std::string where;
    if (!e.mark.is_null()) {
      where = "line " + std::to_string(e.mark.line + 1) + ", column " + std::to_string(e.mark.column + 1);
    }
    return unexpected(policy_load_error{{policy_problem{std::move(where), e.what(), false}}});
  } catch (const std::bad_alloc&) {
    return unexpected(policy_load_error{{policy_problem{"", "out of memory", false}}});
  } catch (const std::exception& e) {
    return unexpected(policy_load_error{{policy_problem{"", std::string("internal error: ") + e.what(), false}}});
  } catch (...) {
    return unexpected(policy_load_error{{policy_problem{"", "internal error", false}}});
  }
}

result<policy, policy_load_error> policy::load_file(const std::string& path) {
  auto fail = [&](std::string_view what, int err) {
    std::string msg(what);
    if (err != 0) {
      msg += ": ";
      msg += std::strerror(err);
    }
    return unexpected(policy_load_error{{policy_problem{path, std::move(msg), false}}});
  };
  try {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) return fail("cannot open the file", errno);
    std::string text;
    std::array<char, 65536> buf{};
    std::size_t n = 0;
    while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) text.append(buf.data(), n);
    int err = std::ferror(f) != 0 ? errno : 0;
    bool failed = std::ferror(f) != 0;
    std::fclose(f);
    if (failed) return fail("cannot read the file", err);
    return load(text);
  } catch (...) {
    return fail("cannot read the file", 0);
  }
}

policy_decision policy::evaluate(const request_attributes& a) const noexcept {
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    const policy_rule& r = rules_[i];
    if (!matches(r, a)) continue;
    policy_decision d;
    d.level = r.level;
    d.omit_stages = static_cast<std::uint8_t>(omit_stages_ | r.omit_stages);
    d.omit_managed_fields = r.omit_managed_fields.value_or(omit_managed_fields_);
    d.rule = i;
    return d;
  }
  policy_decision d;
  d.level = level::none;
  d.omit_stages = omit_stages_;
  d.omit_managed_fields = omit_managed_fields_;
  return d;
}

policy_decision policy::evaluate(const event& ev) const {
  thread_local request_attributes scratch;
  derive_attributes(ev, scratch);
  return evaluate(scratch);
}

void derive_attributes(const event& ev, request_attributes& out) {
  std::string& st = out.storage;
  st.clear();
  out.has_user = !ev.user.username.empty();
  out.user = ev.user.username;
  out.groups = ev.user.groups;
  out.verb = ev.verb;
  const object_reference& o = ev.object_ref;
  out.resource_request = !empty_ref(o);
  out.api_group = o.api_group;
  out.resource = o.resource;
  out.subresource = o.subresource;
  out.namespace_ = o.namespace_;

  std::string_view uri = ev.request_uri;
  std::size_t q = uri.find('?');
  std::string_view raw_path = uri.substr(0, q);
  std::string_view query = q == npos ? std::string_view{} : uri.substr(q + 1);
  percent_decode(raw_path, st, false);
  range path{0, st.size()};

  std::optional<range> name;            // in storage
  std::string_view outside_name;        // in the event
  if (out.resource_request) {
    name = name_from_path(std::string_view(st).substr(0, path.length), 0);
    if (name) {
      if (name->length == 0 && (ev.verb == "list" || ev.verb == "watch")) {
        if (auto sel = field_selector(query)) {
          if (auto n = selector_name(*sel)) {
            name = range{st.size(), n->size()};
            st += *n;
          }
        }
      }
    } else if (!(ev.verb == "create" && o.subresource.empty())) {
      outside_name = o.name;  // the URI does not parse: objectRef.name, never a create's body name
    }
  }

  std::string_view s = st;
  out.path = s.substr(path.offset, path.length);
  out.name = name ? s.substr(name->offset, name->length) : outside_name;
}

std::string policy::describe() const {
  std::string out = "Policy";
  if (!api_version_.empty()) out += " (" + api_version_ + ")";
  out += ": " + std::to_string(rules_.size()) + (rules_.size() == 1 ? " rule" : " rules");
  out += "\n  omitStages: ";
  out += omit_stages_ == 0 ? std::string("(none)") : stage_list(omit_stages_);
  out += "\n  omitManagedFields: ";
  out += omit_managed_fields_ ? "true" : "false";
  out += '\n';
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    const policy_rule& r = rules_[i];
    out += "rule " + std::to_string(i) + ": level ";
    out += level_text(r.level);
    if (catch_all(r)) out += " (every request)";
    append_list(out, "users", r.users);
    append_list(out, "userGroups", r.user_groups);
    append_list(out, "verbs", r.verbs);
    if (!r.resources.empty()) {
      out += "; resources: ";
      bool first = true;
      for (const group_resources& gr : r.resources) {
        std::string group = gr.group.empty() ? std::string("core") : gr.group;
        std::string names;
        if (!gr.resource_names.empty()) {
          names = " (names: ";
          for (std::size_t k = 0; k < gr.resource_names.size(); ++k) {
            if (k != 0) names += ", ";
            names += gr.resource_names[k];
          }
          names += ')';
        }
        if (gr.resources.empty()) {
          if (!first) out += ", ";
          first = false;
          out += group + "/*" + names;
        }
        for (const std::string& res : gr.resources) {
          if (!first) out += ", ";
          first = false;
          out += group + "/" + res + names;
        }
      }
    }
    append_list(out, "namespaces", r.namespaces);
    append_list(out, "nonResourceURLs", r.non_resource_urls);
    if (r.omit_stages != 0) out += "; omitStages: " + stage_list(r.omit_stages);
    if (r.omit_managed_fields) out += std::string("; omitManagedFields: ") + (*r.omit_managed_fields ? "true" : "false");
    out += '\n';
  }
  return out;
}

}  // namespace k8saudit
