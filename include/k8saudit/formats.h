// SPDX-License-Identifier: Apache-2.0
// The input formats k8saudit reads (see docs/formats.md for each one's shape).
//
//   k8saudit::reader_options opt;
//   opt.format = k8saudit::parse_input_format("aks").value_or(k8saudit::input_format::auto_detect);
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "k8saudit/export.h"

namespace k8saudit {

/// What a reader accepts. `auto_detect` decides per record; the others force one shape and make
/// every record of another shape an errc::format_mismatch error.
enum class input_format : std::uint8_t {
  auto_detect,   ///< decide per record (the default)
  jsonl,         ///< native audit events, one per line (kube-apiserver log backend)
  eventlist,     ///< webhook `{"kind":"EventList","items":[...]}` bodies
  array,         ///< a JSON array of events
  aks,           ///< AKS diagnostic records: PT1H.json lines or Event Hub `{"records":[...]}`
  loganalytics,  ///< Log Analytics rows: AKSAudit/AKSAuditAdmin columns or AzureDiagnostics `log_s`
};

/// The shape a record was found in (reported in origin::format).
enum class record_format : std::uint8_t {
  unknown,
  native,              ///< a bare audit event
  eventlist_item,      ///< an item of an EventList
  array_item,          ///< an element of a top-level JSON array
  aks_record,          ///< one AKS diagnostic record (a PT1H.json line)
  aks_eventhub_record, ///< a record inside an Event Hub `{"records":[...]}` message
  loganalytics_row,    ///< an AKSAudit / AKSAuditAdmin row
  azure_diagnostics_row,  ///< an AzureDiagnostics row whose `log_s` holds the event
};

/// "auto", "jsonl", "eventlist", "array", "aks", "loganalytics".
K8SAUDIT_API std::string_view to_string(input_format f) noexcept;
K8SAUDIT_API std::string_view to_string(record_format f) noexcept;
K8SAUDIT_API std::optional<input_format> parse_input_format(std::string_view name) noexcept;

}  // namespace k8saudit
