// SPDX-License-Identifier: Apache-2.0
// Byte sources: where a reader's bytes come from. Internal, but stable enough for embedders who
// feed a reader from their own transport (reader::open_source).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "k8saudit/error.h"
#include "k8saudit/export.h"

namespace k8saudit::detail {

/// A forward-only stream of bytes.
class K8SAUDIT_API byte_source {
 public:
  virtual ~byte_source() = default;
  /// Reads up to `n` bytes into `dst`. Returns the count read; 0 means end of input. Never
  /// returns fewer than 1 byte unless at the end. Errors: errc::io_error, errc::gzip_error
  /// (with a static detail string).
  virtual result<std::size_t> read(char* dst, std::size_t n) = 0;
  /// Bytes consumed from the underlying medium (compressed bytes for gzip), for progress.
  [[nodiscard]] virtual std::uint64_t position() const noexcept = 0;
  /// Size of the underlying medium when known (regular files, memory), else 0.
  [[nodiscard]] virtual std::uint64_t size() const noexcept = 0;
};

/// A file by path, or standard input for "-". Errors: errc::io_error.
K8SAUDIT_API result<std::unique_ptr<byte_source>> open_file(const std::string& path);
/// Bytes in memory, not copied.
K8SAUDIT_API std::unique_ptr<byte_source> memory_source(std::string_view data);
/// As above, reading from byte `start` on (position() and size() still count from data's start).
K8SAUDIT_API std::unique_ptr<byte_source> memory_source(std::string_view data, std::size_t start);
/// Wraps `inner`: if it starts with the gzip magic bytes (1f 8b), inflates it (concatenated
/// members included) in a fixed buffer; else passes bytes through unchanged.
K8SAUDIT_API std::unique_ptr<byte_source> auto_decompress(std::unique_ptr<byte_source> inner);

}  // namespace k8saudit::detail
