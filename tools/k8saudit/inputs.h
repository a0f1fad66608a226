// SPDX-License-Identifier: Apache-2.0
// What every subcommand shares: reading FILE... (or "-") with one reader, a progress bar on a
// terminal, and the bookkeeping of bad records (counted, the first few kept for the report).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <k8saudit/k8saudit.h>

namespace k8saudit::cli {

/// Exit codes shared by the subcommands.
inline constexpr int exit_ok = 0;
inline constexpr int exit_bad_records = 1;
inline constexpr int exit_failure = 2;

/// A bad record kept for the report (the reader's views are copied).
struct kept_error {
  std::string file;
  k8saudit::error error;
};

struct input_options {
  std::vector<std::string> files;  ///< empty or "-" = standard input
  input_format format{input_format::auto_detect};
  field_mask fields{field_mask::all()};
  std::size_t max_record_size{std::size_t{64} << 20};
  std::size_t keep_errors{10};     ///< how many bad records to keep in `first_errors`
  bool print_errors{true};         ///< print each bad record on stderr (cat)
  const k8saudit::prefilter* prefilter{nullptr};  ///< records that cannot match are not parsed
  bool validate_all{false};        ///< strict: every value checked, skipped ones too (check --strict)
};

struct input_summary {
  counters totals;
  std::vector<kept_error> first_errors;
  bool io_failed{false};
};

/// Input options for FILE... and --input-format (already validated by CLI11).
input_options inputs_from(const std::vector<std::string>& files, const std::string& format);

/// Standard output in 1 MiB blocks: append to text(), call block_done() after each record.
class stdout_writer {
 public:
  stdout_writer() { text_.reserve(block); }
  std::string& text() noexcept { return text_; }
  void block_done() {
    if (text_.size() >= block) flush();
  }
  /// Writes the rest and flushes; false (with a message on stderr) when stdout failed.
  bool finish();

 private:
  void flush();
  static constexpr std::size_t block = std::size_t{1} << 20;
  std::string text_;
};

/// Reads every input and calls on_batch for each batch. I/O failures are printed on stderr and
/// reading goes on with the next file. Returns the totals.
input_summary read_inputs(const input_options& opt, const std::function<void(const batch&)>& on_batch);

/// "12 records: 10 events, 1 skipped (prefiltered 1), 1 error (invalid_json 1)"
std::string summarize(const counters& c);

/// "file:line: offset N: invalid_json, field 'x': detail"
std::string describe(std::string_view file, const k8saudit::error& e);

}  // namespace k8saudit::cli
