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

input_summary read_inputs(const input_options& opt, const std::function<void(const batch&)>& on_batch) {
  input_summary sum;
  reader_options ro;
  ro.format = opt.format;
  ro.fields = opt.fields;
  ro.max_record_size = opt.max_record_size;
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
