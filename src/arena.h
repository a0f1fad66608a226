// SPDX-License-Identifier: Apache-2.0
// A chunked bump allocator whose blocks never move: views into it stay valid until reset().
// Standard blocks are kept across resets (steady state allocates nothing); blocks made for one
// oversized request are released at reset so that one huge record does not pin memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <vector>

namespace k8saudit::detail {

class arena {
 public:
  static constexpr std::size_t block_size = std::size_t{256} << 10;

  /// `n` bytes aligned to `align` (a power of two), or nullptr when memory is exhausted.
  char* allocate(std::size_t n, std::size_t align = 1) noexcept {
    if (!blocks_.empty()) {
      std::size_t at = (used_ + align - 1) & ~(align - 1);
      if (at + n <= block_size) {
        used_ = at + n;
        return blocks_[current_].get() + at;
      }
    }
    return allocate_slow(n, align);
  }

  template <class T>
  T* allocate_array(std::size_t n) noexcept {
    return reinterpret_cast<T*>(allocate(n * sizeof(T), alignof(T)));
  }

  /// Gives back the end of the latest allocation `p` of `old_n` bytes, keeping `new_n`
  /// (a no-op when `p` is not the latest, or has a block of its own).
  void shrink(const char* p, std::size_t old_n, std::size_t new_n) noexcept {
    if (!blocks_.empty() && new_n <= old_n && p + old_n == blocks_[current_].get() + used_) used_ -= old_n - new_n;
  }

  void reset() noexcept {
    big_.clear();
    big_bytes_ = 0;
    current_ = 0;
    used_ = 0;
  }

  /// Bytes held (for memory accounting in tests).
  [[nodiscard]] std::size_t capacity() const noexcept {
    return blocks_.size() * block_size + big_bytes_;
  }

 private:
  char* allocate_slow(std::size_t n, std::size_t align) noexcept {
    if (n + align > block_size / 4) {
      // Large requests get a block of their own, released at reset().
      std::unique_ptr<char[]> mem(new (std::nothrow) char[n + align]);
      if (!mem) return nullptr;
      char* p = mem.get();
      std::size_t pad = (align - (reinterpret_cast<std::uintptr_t>(p) & (align - 1))) & (align - 1);
      big_bytes_ += n + align;
      big_.push_back(std::move(mem));
      return p + pad;
    }
    if (!blocks_.empty() && current_ + 1 < blocks_.size()) {
      ++current_;  // reuse a block kept from an earlier batch
    } else {
      std::unique_ptr<char[]> mem(new (std::nothrow) char[block_size]);
      if (!mem) return nullptr;
      blocks_.push_back(std::move(mem));
      current_ = blocks_.size() - 1;
    }
    used_ = 0;
    return allocate(n, align);
  }

  std::vector<std::unique_ptr<char[]>> blocks_;
  std::vector<std::unique_ptr<char[]>> big_;
  std::size_t big_bytes_{0};
  std::size_t current_{0};
  std::size_t used_{0};
};

}  // namespace k8saudit::detail
