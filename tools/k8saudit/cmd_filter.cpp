// SPDX-License-Identifier: Apache-2.0
// `k8saudit filter -e EXPR`: the events that satisfy a KQL-style `where` expression.
//
// Exit codes follow grep: 0 when something matched, 1 when nothing did, 2 on any error (a bad
// expression, an unreadable input, or bad records, which are reported on stderr as in `check`).
#include <cstdio>
#include <string>
#include <vector>

#include "commands.h"
#include "inputs.h"

namespace k8saudit::cli {
namespace {

struct filter_args {
  std::string expression;
  std::vector<std::string> files;
  std::string format{"auto"};
  bool count{false};
  bool raw{false};
  bool no_prefilter{false};
  bool explain{false};
};

int run_filter(const filter_args& a) {
  auto compiled = filter::compile(a.expression);
  if (!compiled) {
    std::fprintf(stderr, "k8saudit filter: %s\n", compiled.error().render().c_str());
    return exit_failure;
  }
  const filter& f = *compiled;
  if (a.explain) {
    std::printf("expression: %s\nfields read: %u parts (mask 0x%x)\nprefilter: %s\n", f.text().c_str(),
                static_cast<unsigned>(__builtin_popcount(f.fields().bits())), f.fields().bits(),
                f.required_literals().empty() ? "none (every record is parsed)"
                                              : f.required_literals().to_string().c_str());
    return exit_ok;
  }

  input_options opt = inputs_from(a.files, a.format);
  // Writing native JSON needs every part of the event; counting and raw output need only what
  // the expression reads.
  opt.fields = (a.count || a.raw) ? f.fields() : field_mask::all();
  opt.prefilter = a.no_prefilter ? nullptr : &f.required_literals();

  std::uint64_t matched = 0;
  stdout_writer out;
  std::vector<std::uint32_t> selection;
  input_summary sum = read_inputs(opt, [&](const batch& b) {
    f.select(b.events, selection);
    matched += selection.size();
    if (a.count) return;
    for (std::uint32_t i : selection) {
      const event& ev = b.events[i];
      if (a.raw) {
        out.text() += ev.origin.record;
      } else {
        write_json(ev, out.text());
      }
      out.text() += '\n';
      out.block_done();
    }
  });
  if (a.count) out.text() = std::to_string(matched) + "\n";
  if (!out.finish()) return exit_failure;
  if (sum.totals.errors > 0) {
    std::fprintf(stderr, "k8saudit filter: %s; %llu matched\n", summarize(sum.totals).c_str(),
                 static_cast<unsigned long long>(matched));
  }
  if (sum.io_failed || sum.totals.errors > 0) return exit_failure;
  return matched > 0 ? exit_ok : exit_bad_records;
}

}  // namespace

void add_filter(CLI::App& app, std::function<int()>& run) {
  auto args = std::make_shared<filter_args>();
  CLI::App* cmd = app.add_subcommand(
      "filter", "Write the events that match a KQL-style where expression (docs/query-language.md)");
  cmd->add_option("-e,--expression", args->expression,
                  R"(The expression, e.g. 'verb == "delete" and objectRef.resource == "secrets"')")
      ->required();
  add_input_format_option(*cmd, args->format);
  cmd->add_flag("--count", args->count, "Print only the number of matching events");
  cmd->add_flag("--raw", args->raw, "Write each match's original record bytes (envelope included)");
  cmd->add_flag("--no-prefilter", args->no_prefilter,
                "Parse every record, even those whose bytes cannot match (validates every record)");
  cmd->add_flag("--explain", args->explain, "Print the compiled filter's projection and prefilter, read nothing");
  cmd->add_option("files", args->files, "Input files (- for standard input; .gz is detected)");
  cmd->callback([args, &run] { run = [args] { return run_filter(*args); }; });
}

}  // namespace k8saudit::cli
