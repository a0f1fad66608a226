// SPDX-License-Identifier: Apache-2.0
// The substring searches behind detail::find_literal, one per instruction set, exposed so the
// tests can run every variant on any machine (find_literal itself only ever uses one).
#pragma once

#include <cstddef>
#include <string_view>

#if defined(__x86_64__) || defined(_M_X64) || (defined(__i386__) && defined(__SSE2__))
#define K8SAUDIT_PREFILTER_SSE2 1
// target("avx2") and __builtin_cpu_supports are GCC/Clang extensions.
#if defined(__GNUC__) || defined(__clang__)
#define K8SAUDIT_PREFILTER_AVX2 1
#endif
#endif

namespace k8saudit::detail {

/// Portable: memchr for the first byte (or a loop when folding case), then a full compare.
std::size_t find_literal_scalar(std::string_view haystack, std::string_view needle, bool ignore_case) noexcept;

#if defined(K8SAUDIT_PREFILTER_SSE2)
/// 16 positions per step. Always available on x86-64.
std::size_t find_literal_sse2(std::string_view haystack, std::string_view needle, bool ignore_case) noexcept;
#endif

#if defined(K8SAUDIT_PREFILTER_AVX2)
/// 32 positions per step. Precondition: cpu_has_avx2().
std::size_t find_literal_avx2(std::string_view haystack, std::string_view needle, bool ignore_case) noexcept;
/// Whether this CPU (and OS) runs AVX2 code; computed once.
bool cpu_has_avx2() noexcept;
#endif

}  // namespace k8saudit::detail
