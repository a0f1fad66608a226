// SPDX-License-Identifier: Apache-2.0
// A progress bar on stderr, drawn only when stderr is a terminal and the input is large.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace k8saudit::cli {

class progress {
 public:
  /// `total` bytes expected (0 = unknown: a byte counter is shown instead of a bar).
  progress(std::string label, std::uint64_t total);
  ~progress();
  progress(const progress&) = delete;
  progress& operator=(const progress&) = delete;

  /// Redraws at most ten times a second.
  void update(std::uint64_t done);

 private:
  void draw(std::uint64_t done);
  std::string label_;
  std::uint64_t total_;
  bool enabled_;
  bool drawn_{false};
  std::chrono::steady_clock::time_point start_, last_;
};

/// Inputs smaller than this never show a bar.
inline constexpr std::uint64_t progress_threshold = std::uint64_t{64} << 20;

}  // namespace k8saudit::cli
