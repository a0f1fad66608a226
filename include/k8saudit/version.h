// SPDX-License-Identifier: Apache-2.0
// k8saudit version: the single source of truth (CMake reads these lines).
#pragma once

#define K8SAUDIT_VERSION_MAJOR 0
#define K8SAUDIT_VERSION_MINOR 1
#define K8SAUDIT_VERSION_PATCH 0
#define K8SAUDIT_VERSION_STRING "0.1.0"

namespace k8saudit {
/// The library's version as "MAJOR.MINOR.PATCH".
constexpr const char* version() noexcept { return K8SAUDIT_VERSION_STRING; }
}  // namespace k8saudit
