// SPDX-License-Identifier: Apache-2.0
// `k8saudit query PIPELINE`, `stats`, `top --by`, `merge STATE...`: aggregation over every core,
// with states that can be saved and merged across machines.
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <k8saudit/aggregate.h>
#include <k8saudit/parallel.h>

#include "commands.h"
#include "inputs.h"
#include "progress.h"
#include "table_output.h"

namespace k8saudit::cli {
namespace {

struct agg_args {
  std::string pipeline;
  std::vector<std::string> files;
  std::string format{"auto"};
  std::string output;
  std::string save_state;
  unsigned threads{0};
  // top
  std::string by;
  std::size_t n{10};
  std::string expression;
};

void add_common(CLI::App& cmd, agg_args& a) {
  add_input_format_option(cmd, a.format);
  cmd.add_option("-j,--threads", a.threads, "Threads (default: all cores); large files are split at record boundaries");
  cmd.add_option("--output", a.output, "table, json or csv (default: table on a terminal, json otherwise)")
      ->check(CLI::IsMember({"table", "json", "csv"}));
  cmd.add_option("files", a.files, "Input files (- for standard input; .gz is detected)");
}

struct run_result {
  std::vector<query_state> states;
  counters totals;
  bool io_failed{false};
};

// One pass over every input feeding every query. Large files are read by a pool of threads, one
// state per query and worker, merged in worker order (merging is exact, so the result does not
// depend on the thread count).
run_result run_queries(const std::vector<query>& queries, const agg_args& a) {
  run_result r;
  for (const query& q : queries) r.states.push_back(q.make_state());
  reader_options ro;
  ro.format = *parse_input_format(a.format);
  ro.fields = field_mask::none();
  for (const query& q : queries) ro.fields |= q.fields();
  if (queries.size() == 1) ro.prefilter = &queries[0].required_literals();
  parallel_options po;
  po.threads = a.threads;
  po.exact_event_lines = false;  // aggregates never read event lines; errors keep theirs
  std::vector<std::string> files = a.files;
  if (files.empty()) files.emplace_back("-");
  std::size_t shown = 0;
  for (const std::string& f : files) {
    const unsigned workers = parallel_workers(f, ro, po);
    std::vector<std::vector<query_state>> per_worker(workers);
    for (auto& w : per_worker) {
      for (const query& q : queries) w.push_back(q.make_state());
    }
    // Progress: the bytes of the records handed out so far, over the file's size; drawn by
    // worker 0, which is the calling thread.
    struct stat info {};
    const std::uint64_t size = (f != "-" && ::stat(f.c_str(), &info) == 0) ? static_cast<std::uint64_t>(info.st_size) : 0;
    progress bar(f, size);
    std::atomic<std::uint64_t> done{0};
    parallel_summary s = read_parallel(
        f, ro, po,
        [&](unsigned worker, const batch& b) {
          query_state::add(per_worker[worker], b.events);
          std::uint64_t bytes = 0;
          for (const event& ev : b.events) bytes += ev.origin.record.size() + 1;
          done.fetch_add(bytes, std::memory_order_relaxed);
          if (worker == 0) bar.update(size == 0 ? done.load() : std::min(done.load(), size));  // gzip: input bytes != records
        },
        [&](const record_error& e) {
          if (shown++ < 1000) std::fprintf(stderr, "k8saudit: %s\n", describe(e.file, e.error).c_str());
        });
    if (s.failed) {
      std::fprintf(stderr, "k8saudit: %s: %s\n", f.c_str(), message(s.failure).c_str());
      r.io_failed = true;
    }
    r.totals += s.totals;
    for (auto& w : per_worker) {
      for (std::size_t i = 0; i < w.size(); ++i) (void)r.states[i].merge(w[i]);
    }
  }
  if (r.totals.errors > 0) {
    std::fprintf(stderr, "k8saudit: %s: those records are not in the results\n", summarize(r.totals).c_str());
  }
  return r;
}

int exit_code(const run_result& r) {
  if (r.io_failed) return exit_failure;
  return r.totals.errors > 0 ? exit_bad_records : exit_ok;
}

bool print(const table& t, output_format f) {
  stdout_writer out;
  out.text() = render(t, f);
  for (const std::string& n : t.notes) std::fprintf(stderr, "k8saudit: note: %s\n", n.c_str());
  return out.finish();
}

result<query, expression_error> compile_or_report(const std::string& text) {
  auto q = query::compile(text);
  if (!q) std::fprintf(stderr, "k8saudit: %s\n", q.error().render().c_str());
  return q;
}

int run_query(const agg_args& a) {
  auto q = compile_or_report(a.pipeline);
  if (!q) return exit_failure;
  run_result r = run_queries({*q}, a);
  if (!a.save_state.empty()) {
    std::string bytes;
    r.states[0].serialize(bytes);
    std::ofstream f(a.save_state, std::ios::binary);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!f) {
      std::fprintf(stderr, "k8saudit: cannot write %s\n", a.save_state.c_str());
      return exit_failure;
    }
  }
  if (!print(r.states[0].finish(), choose_output(a.output))) return exit_failure;
  return exit_code(r);
}

int run_top(const agg_args& a) {
  std::string text;
  if (!a.expression.empty()) text = "where " + a.expression + " | ";
  text += "summarize count() by " + a.by + " | top " + std::to_string(a.n) + " by count_";
  agg_args b = a;
  b.pipeline = text;
  return run_query(b);
}

int run_merge(const agg_args& a) {
  std::vector<query_state> states;
  for (const std::string& f : a.files) {
    std::ifstream in(f, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    if (!in) {
      std::fprintf(stderr, "k8saudit merge: cannot read %s\n", f.c_str());
      return exit_failure;
    }
    auto st = query_state::deserialize(ss.str());
    if (!st) {
      std::fprintf(stderr, "k8saudit merge: %s: %s\n", f.c_str(), message(st.error()).c_str());
      return exit_failure;
    }
    if (!states.empty()) {
      if (auto ok = states[0].merge(*st); !ok) {
        std::fprintf(stderr, "k8saudit merge: %s: %s\n", f.c_str(), message(ok.error()).c_str());
        return exit_failure;
      }
    } else {
      states.push_back(std::move(*st));
    }
  }
  if (states.empty()) {
    std::fputs("k8saudit merge: no state files\n", stderr);
    return exit_failure;
  }
  return print(states[0].finish(), choose_output(a.output)) ? exit_ok : exit_failure;
}

// The overview: the library's sections, all fed in one pass; the first becomes four tables.
int run_stats(const agg_args& a) {
  std::vector<query> queries;
  for (const overview_section& s : overview_sections()) {
    auto q = query::compile(s.pipeline);
    if (!q) {  // a bug, not a user error
      std::fprintf(stderr, "k8saudit stats: %s\n", q.error().render().c_str());
      return exit_failure;
    }
    queries.push_back(std::move(*q));
  }
  run_result r = run_queries(queries, a);
  std::vector<std::pair<std::string, table>> sections;
  const table breakdown = r.states[0].finish();
  sections.emplace_back("totals", overview_totals(breakdown));
  sections.emplace_back("stage", overview_breakdown(breakdown, "stage"));
  sections.emplace_back("level", overview_breakdown(breakdown, "level"));
  sections.emplace_back("verb", overview_breakdown(breakdown, "verb"));
  sections.emplace_back("response code class", overview_breakdown(breakdown, "class"));
  for (std::size_t i = 1; i < queries.size(); ++i) {
    sections.emplace_back(std::string(overview_sections()[i].name), r.states[i].finish());
  }
  const output_format f = choose_output(a.output);
  stdout_writer out;
  for (std::size_t i = 0; i < sections.size(); ++i) {
    auto& [name, t] = sections[i];
    if (f == output_format::json) {
      // One object per row, with the section's name first.
      t.columns.insert(t.columns.begin(), "section");
      for (auto& row : t.rows) {
        value v;
        v.k = value::kind::string;
        v.text = name;
        row.insert(row.begin(), std::move(v));
      }
      out.text() += render(t, f);
    } else {
      out.text() += std::string(i ? "\n" : "") + (f == output_format::table ? "## " : "# ") + name + "\n";
      out.text() += render(t, f);
    }
    for (const std::string& n : t.notes) std::fprintf(stderr, "k8saudit: note: %s: %s\n", name.c_str(), n.c_str());
  }
  if (!out.finish()) return exit_failure;
  return exit_code(r);
}

}  // namespace

void add_query(CLI::App& app, std::function<int()>& run) {
  {
    auto a = std::make_shared<agg_args>();
    CLI::App* cmd = app.add_subcommand("query", "Run a KQL-style pipeline: where ... | summarize ... by ... | top N by ...");
    cmd->add_option("pipeline", a->pipeline, R"(e.g. 'where responseStatus.code >= 400 | summarize count() by user.username | top 10 by count_')")
        ->required();
    add_common(*cmd, *a);
    cmd->add_option("--save-state", a->save_state, "Also write the aggregation state to FILE (finish it with `k8saudit merge`)");
    cmd->callback([a, &run] { run = [a] { return run_query(*a); }; });
  }
  {
    auto a = std::make_shared<agg_args>();
    CLI::App* cmd = app.add_subcommand("stats", "An overview: time span, totals by stage, level, verb and code class, "
                                                "top users, resources and namespaces, denials, latency");
    add_common(*cmd, *a);
    cmd->callback([a, &run] { run = [a] { return run_stats(*a); }; });
  }
  {
    auto a = std::make_shared<agg_args>();
    CLI::App* cmd = app.add_subcommand("top", "The most frequent values of one or more fields");
    cmd->add_option("--by", a->by, "FIELD[,FIELD...], e.g. user.username,verb")->required();
    cmd->add_option("-n", a->n, "How many (default 10)");
    cmd->add_option("-e,--expression", a->expression, "Only events matching this filter expression");
    add_common(*cmd, *a);
    cmd->callback([a, &run] { run = [a] { return run_top(*a); }; });
  }
  {
    auto a = std::make_shared<agg_args>();
    CLI::App* cmd = app.add_subcommand("merge", "Merge states saved by `query --save-state` and print the result");
    cmd->add_option("states", a->files, "State files")->required();
    cmd->add_option("--output", a->output, "table, json or csv")->check(CLI::IsMember({"table", "json", "csv"}));
    cmd->callback([a, &run] { run = [a] { return run_merge(*a); }; });
  }
}

}  // namespace k8saudit::cli
