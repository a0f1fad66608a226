// SPDX-License-Identifier: Apache-2.0
#include "k8saudit/formats.h"

#include <array>
#include <utility>

namespace k8saudit {
namespace {
constexpr std::array<std::pair<std::string_view, input_format>, 7> input_names{{
    {"auto", input_format::auto_detect},
    {"jsonl", input_format::jsonl},
    {"eventlist", input_format::eventlist},
    {"array", input_format::array},
    {"aks", input_format::aks},
    {"loganalytics", input_format::loganalytics},
    {"json", input_format::jsonl},  // an alias people type
}};
}  // namespace

std::string_view to_string(input_format f) noexcept {
  for (const auto& [n, v] : input_names) {
    if (v == f) return n;
  }
  return "auto";
}

std::optional<input_format> parse_input_format(std::string_view n) noexcept {
  for (const auto& [k, v] : input_names) {
    if (k == n) return v;
  }
  return std::nullopt;
}

std::string_view to_string(record_format f) noexcept {
  switch (f) {
    case record_format::unknown: return "unknown";
    case record_format::native: return "native";
    case record_format::eventlist_item: return "eventlist_item";
    case record_format::array_item: return "array_item";
    case record_format::aks_record: return "aks_record";
    case record_format::aks_eventhub_record: return "aks_eventhub_record";
    case record_format::loganalytics_row: return "loganalytics_row";
    case record_format::azure_diagnostics_row: return "azure_diagnostics_row";
  }
  return "unknown";
}

}  // namespace k8saudit
