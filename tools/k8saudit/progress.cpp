// SPDX-License-Identifier: Apache-2.0
#include "progress.h"

#include <unistd.h>

#include <cstdio>

namespace k8saudit::cli {

progress::progress(std::string label, std::uint64_t total)
    : label_(std::move(label)),
      total_(total),
      enabled_(::isatty(STDERR_FILENO) == 1 && (total == 0 || total >= progress_threshold)),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

progress::~progress() {
  if (drawn_) std::fputs("\r\033[K", stderr);
}

void progress::update(std::uint64_t done) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_ < std::chrono::milliseconds(100)) return;
  // Unknown sizes (stdin, pipes) only get a counter once they are large.
  if (total_ == 0 && done < progress_threshold) return;
  last_ = now;
  draw(done);
}

void progress::draw(std::uint64_t done) {
  double secs = std::chrono::duration<double>(last_ - start_).count();
  double mbps = secs > 0 ? static_cast<double>(done) / secs / 1e6 : 0.0;
  if (total_ > 0) {
    double frac = static_cast<double>(done) / static_cast<double>(total_);
    if (frac > 1) frac = 1;
    constexpr int width = 30;
    int fill = static_cast<int>(frac * width);
    std::string bar(static_cast<std::size_t>(fill), '#');
    bar.resize(width, '.');
    std::fprintf(stderr, "\r%s [%s] %5.1f%% %8.1f MB/s", label_.c_str(), bar.c_str(), frac * 100, mbps);
  } else {
    std::fprintf(stderr, "\r%s %10.1f MB %8.1f MB/s", label_.c_str(), static_cast<double>(done) / 1e6, mbps);
  }
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace k8saudit::cli
