// SPDX-License-Identifier: Apache-2.0
// `k8saudit cat`: every event as one line of native audit.k8s.io/v1 JSON, in input order.
#include <cstdio>
#include <string>

#include "commands.h"
#include "inputs.h"

namespace k8saudit::cli {

void add_input_format_option(CLI::App& cmd, std::string& target) {
  cmd.add_option("--input-format", target, "auto, jsonl, eventlist, array, aks or loganalytics")
      ->check(CLI::IsMember({"auto", "jsonl", "json", "eventlist", "array", "aks", "loganalytics"}))
      ->default_val("auto");
}

namespace {

struct cat_args {
  std::vector<std::string> files;
  std::string format{"auto"};
};

int run_cat(const cat_args& a) {
  stdout_writer out;
  input_summary sum = read_inputs(inputs_from(a.files, a.format), [&](const batch& b) {
    for (const event& ev : b.events) {
      write_json(ev, out.text());
      out.text() += '\n';
      out.block_done();
    }
  });
  if (!out.finish() || sum.io_failed) return exit_failure;
  return sum.totals.errors > 0 ? exit_bad_records : exit_ok;
}

}  // namespace

void add_cat(CLI::App& app, std::function<int()>& run) {
  auto args = std::make_shared<cat_args>();
  CLI::App* cmd = app.add_subcommand("cat", "Write every event as one line of native audit.k8s.io/v1 JSON");
  add_input_format_option(*cmd, args->format);
  cmd->add_option("files", args->files, "Input files (- for standard input; .gz is detected)");
  cmd->callback([args, &run] { run = [args] { return run_cat(*args); }; });
}

}  // namespace k8saudit::cli
