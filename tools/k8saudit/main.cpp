// SPDX-License-Identifier: Apache-2.0
// k8saudit: the command-line tool.
#include <cstdio>
#include <functional>

#include <CLI/CLI.hpp>
#include <k8saudit/k8saudit.h>

#include "commands.h"
#include "inputs.h"

int main(int argc, char** argv) {
  CLI::App app{"k8saudit: read Kubernetes audit events fast, from every real wire format", "k8saudit"};
  app.set_version_flag("--version", std::string("k8saudit ") + k8saudit::version());
  app.require_subcommand(1);
  std::function<int()> run;
  k8saudit::cli::add_cat(app, run);
  k8saudit::cli::add_check(app, run);
  k8saudit::cli::add_filter(app, run);
  k8saudit::cli::add_policy(app, run);
  k8saudit::cli::add_query(app, run);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : k8saudit::cli::exit_failure;
  }
  return run ? run() : k8saudit::cli::exit_failure;
}
