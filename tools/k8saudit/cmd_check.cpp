// SPDX-License-Identifier: Apache-2.0
// `k8saudit check`: read everything and report what was found.
#include <cstdio>
#include <string>

#include "commands.h"
#include "inputs.h"

namespace k8saudit::cli {
namespace {

struct check_args {
  std::vector<std::string> files;
  std::string format{"auto"};
  bool json{false};
  bool strict{false};
};

std::string json_report(const input_summary& s) {
  const counters& c = s.totals;
  std::string o = "{\"records\":" + std::to_string(c.records) + ",\"events\":" + std::to_string(c.events) +
                  ",\"skipped\":" + std::to_string(c.skipped) + ",\"errors\":" + std::to_string(c.errors);
  o += ",\"skipped_by_reason\":{";
  bool first = true;
  for (std::size_t i = 0; i < c.skipped_by_reason.size(); ++i) {
    if (c.skipped_by_reason[i] == 0) continue;
    if (!first) o += ',';
    first = false;
    write_json_string(name(static_cast<skip_reason>(i)), o);
    o += ':' + std::to_string(c.skipped_by_reason[i]);
  }
  o += "},\"errors_by_reason\":{";
  first = true;
  for (std::size_t i = 0; i < c.errors_by_code.size(); ++i) {
    if (c.errors_by_code[i] == 0) continue;
    if (!first) o += ',';
    first = false;
    write_json_string(name(static_cast<errc>(i)), o);
    o += ':' + std::to_string(c.errors_by_code[i]);
  }
  o += "},\"first_errors\":[";
  for (std::size_t i = 0; i < s.first_errors.size(); ++i) {
    const kept_error& e = s.first_errors[i];
    if (i != 0) o += ',';
    o += "{\"file\":";
    write_json_string(e.file, o);
    o += ",\"line\":" + std::to_string(e.error.line) + ",\"offset\":" + std::to_string(e.error.offset) + ",\"field\":";
    write_json_string(e.error.field, o);
    o += ",\"code\":";
    write_json_string(name(e.error.code), o);
    o += ",\"message\":";
    write_json_string(e.error.detail.empty() ? name(e.error.code) : e.error.detail, o);
    o += '}';
  }
  o += "]}\n";
  return o;
}

void text_report(const input_summary& s) {
  const counters& c = s.totals;
  std::printf("records  %llu\nevents   %llu\nskipped  %llu\nerrors   %llu\n",
              static_cast<unsigned long long>(c.records), static_cast<unsigned long long>(c.events),
              static_cast<unsigned long long>(c.skipped), static_cast<unsigned long long>(c.errors));
  for (std::size_t i = 0; i < c.skipped_by_reason.size(); ++i) {
    if (c.skipped_by_reason[i] == 0) continue;
    std::printf("  skipped %-20s %llu\n", std::string(name(static_cast<skip_reason>(i))).c_str(),
                static_cast<unsigned long long>(c.skipped_by_reason[i]));
  }
  for (std::size_t i = 0; i < c.errors_by_code.size(); ++i) {
    if (c.errors_by_code[i] == 0) continue;
    std::printf("  error   %-20s %llu\n", std::string(name(static_cast<errc>(i))).c_str(),
                static_cast<unsigned long long>(c.errors_by_code[i]));
  }
  for (const kept_error& e : s.first_errors) std::printf("  %s\n", describe(e.file, e.error).c_str());
  std::printf("bytes    %llu\n", static_cast<unsigned long long>(c.bytes));
}

int run_check(const check_args& a) {
  input_options opt;
  opt.files = a.files;
  opt.format = *parse_input_format(a.format);
  opt.print_errors = false;
  opt.validate_all = a.strict;
  input_summary sum = read_inputs(opt, [](const batch&) {});
  if (a.json) {
    std::string r = json_report(sum);
    std::fwrite(r.data(), 1, r.size(), stdout);
  } else {
    text_report(sum);
  }
  if (sum.io_failed) return exit_failure;
  return sum.totals.errors > 0 ? exit_bad_records : exit_ok;
}

}  // namespace

void add_check(CLI::App& app, std::function<int()>& run) {
  auto args = std::make_shared<check_args>();
  CLI::App* cmd = app.add_subcommand("check", "Read everything and report records, events, skips and errors");
  add_input_format_option(*cmd, args->format);
  cmd->add_flag("--json", args->json, "One JSON object on standard output");
  cmd->add_flag("--strict", args->strict,
                "Check every value as JSON, those no field needs too (a record with a bad one is an error)");
  cmd->add_option("files", args->files, "Input files (- for standard input; .gz is detected)");
  cmd->callback([args, &run] { run = [args] { return run_check(*args); }; });
}

}  // namespace k8saudit::cli
