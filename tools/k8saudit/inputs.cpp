// SPDX-License-Identifier: Apache-2.0
#include "inputs.h"

#include <cstdio>

#include "progress.h"

namespace k8saudit::cli {

std::string describe(std::string_view file, const k8saudit::error& e) {
  std::string s(file);
  if (e.line != 0) {
    s += ':';
    s += std::to_string(e.line);
  }
  s += ": offset ";
  s += std::to_string(e.offset);
  s += ": ";
  s += name(e.code);
  if (!e.field.empty()) {
    s += ", field '";
    s += e.field;
    s += '\'';
  }
  if (!e.detail.empty()) {
    s += ": ";
    s += e.detail;
  }
  return s;
}

input_options inputs_from(const std::vector<std::string>& files, const std::string& format) {
  input_options opt;
  opt.files = files;
  opt.format = *parse_input_format(format);
  return opt;
}

void stdout_writer::flush() {
  if (!text_.empty()) std::fwrite(text_.data(), 1, text_.size(), stdout);
  text_.clear();
}

bool stdout_writer::finish() {
  flush();
  if (std::fflush(stdout) != 0) {
    std::fputs("k8saudit: cannot write to standard output\n", stderr);
    return false;
  }
  return true;
}

std::string summarize(const counters& c) {
  auto plural = [](std::uint64_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
  };
  std::string s = plural(c.records, "record", "records") + ": " + plural(c.events, "event", "events") + ", " +
                  std::to_string(c.skipped) + " skipped";
  std::string parts;
  for (std::size_t i = 0; i < c.skipped_by_reason.size(); ++i) {
    if (c.skipped_by_reason[i] == 0) continue;
    parts += (parts.empty() ? "" : ", ") + std::string(name(static_cast<skip_reason>(i))) + " " +
             std::to_string(c.skipped_by_reason[i]);
  }
  if (!parts.empty()) s += " (" + parts + ")";
  s += ", " + plural(c.errors, "error", "errors");
  parts.clear();
  for (std::size_t i = 0; i < c.errors_by_code.size(); ++i) {
    if (c.errors_by_code[i] == 0) continue;
    parts += (parts.empty() ? "" : ", ") + std::string(name(static_cast<errc>(i))) + " " +
             std::to_string(c.errors_by_code[i]);
  }
  if (!parts.empty()) s += " (" + parts + ")";
  return s;
}

input_summary read_inputs(const input_options& opt, const std::function<void(const batch&)>& on_batch) {
  input_summary sum;
  reader_options ro;
  ro.format = opt.format;
  ro.fields = opt.fields;
  ro.max_record_size = opt.max_record_size;
  ro.prefilter = opt.prefilter;
  ro.validate_all = opt.validate_all;
  reader r(ro);
  batch b;
  std::vector<std::string> files = opt.files;
  if (files.empty()) files.emplace_back("-");
  for (const std::string& f : files) {
    if (auto ok = r.open(f); !ok) {
      std::fprintf(stderr, "k8saudit: %s: %s\n", f.c_str(), message(ok.error()).c_str());
      sum.io_failed = true;
      continue;
    }
    progress bar(f, r.source_size());
    while (r.next(b)) {
      on_batch(b);
      for (const record_error& e : b.errors) {
        if (opt.print_errors) std::fprintf(stderr, "k8saudit: %s\n", describe(e.file, e.error).c_str());
        if (sum.first_errors.size() < opt.keep_errors) sum.first_errors.push_back({std::string(e.file), e.error});
      }
      bar.update(r.source_position());
    }
    if (r.failed()) {
      std::fprintf(stderr, "k8saudit: %s: %s\n", f.c_str(), message(r.failure()).c_str());
      sum.io_failed = true;
    }
    sum.totals += r.stats();
  }
  return sum;
}

}  // namespace k8saudit::cli
