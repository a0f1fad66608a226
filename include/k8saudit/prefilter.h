// SPDX-License-Identifier: Apache-2.0
// The raw-byte prefilter: "filter before you parse".
//
//   k8saudit::prefilter pf;
//   pf.require_any({{"delete"}});                         // every match contains "delete"
//   pf.require_any({{"secrets"}, {"ConfigMaps", true}});  // ... and "secrets" or "configmaps" (any case)
//   k8saudit::reader_options opt;
//   opt.prefilter = &pf;                                  // records that cannot match are not parsed
//   pf.to_string();  // ("secrets" OR i"configmaps") AND "delete": most selective clause first
//
// A prefilter is a necessary condition on a record's bytes: a conjunction of clauses, each a
// disjunction of literals. A compiled `filter` derives one (filter::required_literals()); it can
// also be built by hand. It must never change which events match, so:
//   - literals are only taken from text whose bytes a JSON encoder never escapes (no `"`, `\`,
//     `/` or control characters: see is_safe());
//   - any character may be written as a \uXXXX escape, and the literal would then not appear as
//     bytes: a record is let through when one of its \u escapes decodes to a character of a
//     literal of the failing clause (or cannot be decoded). Escapes of other characters, such
//     as the \u0026 Go writes for every `&` of a query string, hide nothing and do not count.
// Case-insensitive literals fold ASCII letters only, as the filter language does.
//
// The prefilter does not replace the filter: a reader may still hand out records it would
// reject (see reader_options::prefilter), so apply the filter to every event anyway.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "k8saudit/export.h"

namespace k8saudit {

class K8SAUDIT_API prefilter {
 public:
  struct literal {
    std::string text;
    bool ignore_case{false};  ///< ASCII letters match in either case
  };

  prefilter() = default;

  /// Adds a clause: at least one of `alternatives` must occur in a record that can match.
  /// A clause with no alternative, or with an empty literal, is always true and is dropped.
  /// Precondition: every literal is_safe() (unsafe ones are dropped with their whole clause,
  /// which only makes the prefilter weaker, never wrong).
  /// Normalised on the way in, without changing what passes: case-insensitive texts are stored
  /// in lower case (and as case-sensitive when they hold no letter); an alternative that
  /// implies another one of its clause ("secretsx" next to "secrets") is dropped, as is a clause
  /// implied by another clause. Clauses are kept most selective first (longest shortest
  /// literal; ties in insertion order), the order may_match() tries them in.
  void require_any(std::vector<literal> alternatives);

  /// No clause: every record may match.
  [[nodiscard]] bool empty() const noexcept { return clauses_.empty(); }

  /// False only when `record` cannot contain a matching event: some clause has none of its
  /// literals in the bytes, and no \u escape in the bytes may stand for a character of
  /// that clause's literals. Never allocates.
  [[nodiscard]] bool may_match(std::string_view record) const noexcept;

  [[nodiscard]] std::span<const std::vector<literal>> clauses() const noexcept { return clauses_; }

  /// Human-readable form for `--explain` and tests: `("secrets" OR i"configmaps") AND "delete"`,
  /// clauses in the order they are tried; `true` when empty().
  [[nodiscard]] std::string to_string() const;

  /// True when no byte of `text` can be written differently by a JSON encoder, other than by a
  /// \u escape: no `"`, `\`, `/` or byte below 0x20. (Non-ASCII UTF-8 is safe.)
  [[nodiscard]] static bool is_safe(std::string_view text) noexcept;

  /// The longest run of safe bytes in `text` (the first one on ties), for literals that hold a
  /// few unsafe bytes: every match must still contain that run.
  [[nodiscard]] static std::string_view longest_safe_run(std::string_view text) noexcept;

 private:
  std::vector<std::vector<literal>> clauses_;
};

namespace detail {
/// Index of the first occurrence of `needle` in `haystack` (npos if none; 0 for an empty
/// needle), SIMD-accelerated (AVX2 or SSE2 chosen at run time; a portable loop elsewhere).
/// `ignore_case` folds ASCII letters of both. Reads only the bytes of `haystack`: no padding.
K8SAUDIT_API std::size_t find_literal(std::string_view haystack, std::string_view needle, bool ignore_case) noexcept;
}  // namespace detail

}  // namespace k8saudit
