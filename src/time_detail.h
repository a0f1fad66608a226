// SPDX-License-Identifier: Apache-2.0
// Internal: the general RFC 3339 parser behind parse_timestamp, which first tries a fast path
// for Kubernetes' MicroTime form. Exposed so tests can check that both give the same result.
#pragma once

#include <string_view>

#include "k8saudit/time.h"

namespace k8saudit::detail {

result<timestamp> parse_timestamp_general(std::string_view text) noexcept;

}  // namespace k8saudit::detail
