// SPDX-License-Identifier: Apache-2.0
// Result tables on stdout: an aligned table (the default on a terminal), JSON (one object per
// row, keyed by column name) or CSV (RFC 4180).
#pragma once

#include <string>

#include <k8saudit/aggregate.h>

namespace k8saudit::cli {

enum class output_format { table, json, csv };

/// "table", "json", "csv", or "" (= table on a terminal, json otherwise).
output_format choose_output(const std::string& requested);

/// Renders `t`; notes (limits hit) go to stderr, not into the data.
std::string render(const table& t, output_format f);

}  // namespace k8saudit::cli
