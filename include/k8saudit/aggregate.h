// SPDX-License-Identifier: Apache-2.0
// Aggregation: KQL-style pipelines (`where ... | summarize ... by ... | top 10 by count_`) over
// audit events, with mergeable state. The language is described in docs/query-language.md.
//
//   auto q = k8saudit::query::compile(
//       R"(where responseStatus.code >= 400 | summarize count() by user.username, verb | top 10 by count_)");
//   if (!q) { std::cerr << q.error().render(); return 2; }
//   k8saudit::query_state st = q->make_state();
//   ... for each event: st.add(ev);                   // or one state per thread, then merge
//   k8saudit::table t = st.finish();                   // rows, KQL column names (count_, dcount_user_username)
//
// States are mergeable (a.merge(b) gives what one state fed both inputs gives) and serialisable
// (save on many machines, merge on one). Results are exact and independent of how the input was
// split while the limits below are not hit: counts, sums, min/max, and dcount() up to
// distinct_counter's exact limit; percentiles come from a sketch with at most 1% relative error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "k8saudit/error.h"
#include "k8saudit/event.h"
#include "k8saudit/export.h"
#include "k8saudit/filter.h"
#include "k8saudit/parser.h"
#include "k8saudit/prefilter.h"

namespace k8saudit {

/// A cell of a result table.
struct value {
  enum class kind : std::uint8_t { null, integer, real, string, datetime, timespan, boolean, dynamic } k{kind::null};
  std::int64_t integer{0};  ///< integer, datetime (ns since epoch), timespan (ns), boolean (0/1)
  double real{0};
  std::string text{};       ///< string, or JSON text for dynamic (make_set)
  friend bool operator==(const value&, const value&) = default;
};

/// A query's result: named columns and rows, plus what was left out.
struct table {
  std::vector<std::string> columns;
  std::vector<std::vector<value>> rows;
  std::vector<std::string> notes;  ///< limits that were hit ("make_set(verb) kept 128 of 301 values")
};

/// Limits that keep memory bounded whatever the input (documented in docs/query-language.md).
struct query_limits {
  std::size_t max_groups{200'000};  ///< further groups are not created; their events are counted in a note
  std::size_t max_set_size{128};    ///< make_set() default cap (the smallest values are kept)
  /// dcount() / requests() count exactly up to this many distinct values per group (~32 bytes
  /// each), then switch to a 16 KiB HyperLogLog (about 1% error).
  std::uint64_t exact_distinct{10'000};
  /// Bytes the state may hold (groups, their keys and aggregates, sketches, sets), so that a `by`
  /// over a high-cardinality key cannot exhaust memory. A group with dcount(), requests() or
  /// percentiles() counts what those may grow to (16 KiB each) when it is created; an exact
  /// distinct set beyond that counts as it grows. Once the limit is reached, new groups are
  /// refused (their events counted in the same note as max_groups), exact distinct sets switch
  /// to their HyperLogLog, and make_set() stops taking values.
  std::size_t max_memory{std::size_t{1} << 30};
};

namespace detail { struct query_program; struct query_groups; }

class query_state;

/// A compiled pipeline. Immutable, cheap to copy, shareable between threads.
class K8SAUDIT_API query {
 public:
  static result<query, expression_error> compile(std::string_view text, query_limits limits = {});

  /// A new, empty state for this query.
  [[nodiscard]] query_state make_state() const;
  /// The parts of an event the pipeline reads (give them to reader_options::fields).
  [[nodiscard]] field_mask fields() const noexcept;
  /// Literals the leading `where` clauses require (give them to reader_options::prefilter).
  [[nodiscard]] const prefilter& required_literals() const noexcept;
  [[nodiscard]] const std::string& text() const noexcept;

 private:
  friend class query_state;
  explicit query(std::shared_ptr<const detail::query_program> p) noexcept : prog_(std::move(p)) {}
  std::shared_ptr<const detail::query_program> prog_;
};

/// The mergeable state of a query: the groups and their aggregates.
class K8SAUDIT_API query_state {
 public:
  query_state(query_state&&) noexcept;
  query_state& operator=(query_state&&) noexcept;
  query_state(const query_state&) = delete;
  query_state& operator=(const query_state&) = delete;
  ~query_state();

  /// Feeds one event (the leading `where` clauses are applied here).
  void add(const event& ev);
  void add(std::span<const event> events) {
    for (const event& e : events) add(e);
  }
  /// Feeds each event to every state in turn, so that an event is read from memory once for
  /// all the queries rather than once per query (prefer this to one add() per state).
  static void add(std::span<query_state> states, std::span<const event> events) {
    for (const event& e : events) {
      for (query_state& s : states) s.add(e);
    }
  }
  /// Folds in a state of the same query (fails when the queries differ).
  result<void> merge(const query_state& other);
  /// Events fed, and events that passed the where clauses.
  [[nodiscard]] std::uint64_t events_seen() const noexcept;
  [[nodiscard]] std::uint64_t events_matched() const noexcept;
  /// What the state holds, as query_limits::max_memory counts it (never more than that limit).
  [[nodiscard]] std::size_t memory_bytes() const noexcept;

  /// Appends a versioned binary form (the query text included).
  void serialize(std::string& out) const;
  /// Reads a state written by serialize(); the query is recompiled from the saved text.
  static result<query_state> deserialize(std::string_view bytes, query_limits limits = {});

  /// Finishes the pipeline (aggregates to values, then top / order by / take / project / extend).
  [[nodiscard]] table finish() const;
  [[nodiscard]] const query& source() const noexcept { return query_; }

 private:
  friend class query;
  explicit query_state(query q);
  query query_;
  std::unique_ptr<detail::query_groups> groups_;
};

/// The overview `k8saudit stats` prints: pipelines run together in one pass. The first one
/// counts by stage, level, verb and response code class at once, with the first and last times
/// (one group lookup per event); overview_totals() and overview_breakdown() turn it into the
/// totals and one table per column.
struct overview_section {
  std::string_view name;
  std::string_view pipeline;
};
K8SAUDIT_API std::span<const overview_section> overview_sections() noexcept;
/// From the first section's table: count_ summed by `column`, largest first (code classes in
/// ascending order).
K8SAUDIT_API table overview_breakdown(const table& by_all, std::string_view column);
/// From the first section's table: events, first and last time over all of it.
K8SAUDIT_API table overview_totals(const table& by_all);

/// Renders a cell as text ("2024-05-01T10:00:00.000000000Z", "1.5s" style timespans as KQL's
/// d.hh:mm:ss.fffffff, numbers as JSON would).
K8SAUDIT_API std::string to_text(const value& v);

}  // namespace k8saudit
