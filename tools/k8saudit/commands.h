// SPDX-License-Identifier: Apache-2.0
// The subcommands. Each registers its options on the CLI11 app and returns an exit code.
#pragma once

#include <CLI/CLI.hpp>

namespace k8saudit::cli {

/// Registers `cat`; `run` is set to the command's body when it is chosen.
void add_cat(CLI::App& app, std::function<int()>& run);
void add_check(CLI::App& app, std::function<int()>& run);
void add_filter(CLI::App& app, std::function<int()>& run);
void add_policy(CLI::App& app, std::function<int()>& run);
void add_query(CLI::App& app, std::function<int()>& run);  // query, stats, top, merge

/// --input-format, shared by the subcommands that read events.
void add_input_format_option(CLI::App& cmd, std::string& target);

}  // namespace k8saudit::cli
