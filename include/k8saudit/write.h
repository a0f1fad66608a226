// SPDX-License-Identifier: Apache-2.0
// Writers: events back to bytes.
//
//   std::string line;
//   k8saudit::write_json(ev, line);   // appends one compact audit.k8s.io/v1 object, no newline
//
// The output is what kube-apiserver's log backend writes: fields in the Event struct's order,
// `"kind":"Event","apiVersion":"audit.k8s.io/v1"`, strings escaped as Go's encoding/json does
// (`<`, `>`, `&` as \u003c, \u003e, \u0026). Raw sub-objects (requestObject, responseObject,
// annotations, user.extra, responseStatus.details ...) are copied byte for byte; only when they
// span lines are they minified so that the output stays one line. Timestamps are written as
// read when already RFC 3339 UTC (`...Z`), else re-formatted with microseconds. Envelopes are
// not written: this is how AKS / Log Analytics records become native lines.
#pragma once

#include <string>

#include "k8saudit/event.h"
#include "k8saudit/export.h"

namespace k8saudit {

/// Appends `ev` as one line of compact audit.k8s.io/v1 JSON (without the newline) to `out`.
/// Allocates only when `out` must grow.
K8SAUDIT_API void write_json(const event& ev, std::string& out);

/// Appends `s` as a JSON string literal (quotes included), escaped like Go's encoding/json.
K8SAUDIT_API void write_json_string(std::string_view s, std::string& out);

}  // namespace k8saudit
