// SPDX-License-Identifier: Apache-2.0
// KQL datetime literals: RFC 3339, plus the shorter forms KQL accepts (a date alone, a date and
// a time without seconds or zone, a space instead of `T`). All are UTC unless an offset is given.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "k8saudit/time.h"

namespace k8saudit::lang {

inline bool parse_kql_datetime(std::string_view text, std::int64_t& ns) {
  auto take = [&](std::string_view t) {
    auto r = parse_timestamp(t);
    if (!r) return false;
    ns = r->time_since_epoch().count();
    return true;
  };
  if (take(text)) return true;
  std::string t(text);
  if (t.size() >= 11 && t[10] == ' ') t[10] = 'T';
  if (take(t)) return true;
  if (t.size() > 16 && t[13] == ':' && t[16] != ':') {             // 2024-05-01T10:00Z / +02:00
    t.insert(16, ":00");
    if (take(t)) return true;
  }
  if (t.size() == 10) return take(t + "T00:00:00Z");               // 2024-05-01
  if (t.size() == 16) return take(t + ":00Z");                     // 2024-05-01T10:00
  if (t.size() >= 19 && t.find_first_of("Zz+", 19) == std::string::npos &&
      t.find('-', 19) == std::string::npos) {
    return take(t + "Z");                                          // no zone: UTC
  }
  return false;
}

}  // namespace k8saudit::lang
