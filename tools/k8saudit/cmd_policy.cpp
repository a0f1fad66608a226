// SPDX-License-Identifier: Apache-2.0
// `k8saudit policy check|apply|explain -p POLICY`: the audit Policy a managed cluster refuses
// you, applied to the events it gives you.
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <k8saudit/policy.h>

#include "commands.h"
#include "inputs.h"

namespace k8saudit::cli {
namespace {

struct policy_args {
  std::string policy_file;
  std::vector<std::string> files;
  std::string format{"auto"};
  std::string summary_json;
  bool json{false};
};

// Loads the policy, printing every problem (errors and warnings) on stderr.
const policy* load(const std::string& path, policy& storage) {
  auto p = policy::load_file(path);
  if (!p) {
    std::fprintf(stderr, "k8saudit policy: %s: the policy does not load\n%s", path.c_str(), p.error().render().c_str());
    return nullptr;
  }
  for (const policy_problem& w : p->warnings()) {
    std::fprintf(stderr, "k8saudit policy: %s: warning: %s: %s\n", path.c_str(), w.where.c_str(), w.message.c_str());
  }
  storage = std::move(*p);
  return &storage;
}

int run_check(const policy_args& a) {
  policy storage;
  const policy* p = load(a.policy_file, storage);
  if (p == nullptr) return exit_failure;
  std::string text = p->describe();
  if (!text.empty() && text.back() != '\n') text += '\n';
  std::fwrite(text.data(), 1, text.size(), stdout);
  return exit_ok;
}

void append_stages(std::uint8_t mask, std::string& o) {
  o += '[';
  bool first = true;
  for (stage s : {stage::request_received, stage::response_started, stage::response_complete, stage::panic}) {
    if ((mask & stage_bit(s)) == 0) continue;
    if (!first) o += ',';
    first = false;
    write_json_string(to_string(s), o);
  }
  o += ']';
}

std::string_view level_name(level l) { return l == level::none ? std::string_view("None") : to_string(l); }

int run_explain(const policy_args& a) {
  policy storage;
  const policy* p = load(a.policy_file, storage);
  if (p == nullptr) return exit_failure;
  input_options opt = inputs_from(a.files, a.format);
  opt.fields = part::user | part::user_groups | part::verb | part::object_ref | part::request_uri | part::audit_id | part::stage |
               part::level;
  stdout_writer writer;
  std::string& out = writer.text();
  input_summary sum = read_inputs(opt, [&](const batch& b) {
    for (const event& ev : b.events) {
      const policy_decision d = p->evaluate(ev);
      const bool dropped = drops(d, ev);
      if (a.json) {
        out += "{\"auditID\":";
        write_json_string(ev.audit_id, out);
        out += ",\"stage\":";
        write_json_string(ev.stage_text, out);
        out += ",\"level\":";
        write_json_string(level_name(d.level), out);
        out += ",\"omitStages\":";
        append_stages(d.omit_stages, out);
        out += d.omit_managed_fields ? ",\"omitManagedFields\":true" : ",\"omitManagedFields\":false";
        out += ",\"rule\":" + (d.rule ? std::to_string(*d.rule) : std::string("null"));
        out += dropped ? ",\"dropped\":true}\n" : ",\"dropped\":false}\n";
      } else {
        out += std::string(ev.audit_id) + "\t" + std::string(ev.stage_text) + "\t" + std::string(level_name(d.level)) +
               "\trule " + (d.rule ? std::to_string(*d.rule) : std::string("-")) + (dropped ? "\tdropped\n" : "\tkept\n");
      }
      writer.block_done();
    }
  });
  if (!writer.finish() || sum.io_failed) return exit_failure;
  return sum.totals.errors > 0 ? exit_bad_records : exit_ok;
}

struct apply_stats {
  std::uint64_t events_in{0}, events_out{0}, bytes_out{0}, dropped_none{0}, dropped_stage{0};
  std::vector<std::uint64_t> hits;  // per rule, then one for "no rule"
};

std::string summary_json(const apply_stats& s, const counters& c) {
  std::string o = "{\"records\":" + std::to_string(c.records) + ",\"errors\":" + std::to_string(c.errors) +
                  ",\"events_in\":" + std::to_string(s.events_in) + ",\"events_out\":" + std::to_string(s.events_out) +
                  ",\"bytes_in\":" + std::to_string(c.bytes) + ",\"bytes_out\":" + std::to_string(s.bytes_out);
  const double reduction = c.bytes == 0 ? 0.0 : 100.0 * (1.0 - static_cast<double>(s.bytes_out) / static_cast<double>(c.bytes));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", reduction);
  o += ",\"reduction_percent\":" + std::string(buf);
  o += ",\"dropped_level_none\":" + std::to_string(s.dropped_none) +
       ",\"dropped_omitted_stage\":" + std::to_string(s.dropped_stage) + ",\"rule_hits\":[";
  for (std::size_t i = 0; i + 1 < s.hits.size(); ++i) o += (i ? "," : "") + std::to_string(s.hits[i]);
  o += "],\"no_rule\":" + std::to_string(s.hits.back()) + "}\n";
  return o;
}

int run_apply(const policy_args& a) {
  policy storage;
  const policy* p = load(a.policy_file, storage);
  if (p == nullptr) return exit_failure;
  apply_stats s;
  s.hits.assign(p->rules().size() + 1, 0);
  stdout_writer out;
  input_summary sum = read_inputs(inputs_from(a.files, a.format), [&](const batch& b) {
    for (const event& ev : b.events) {
      ++s.events_in;
      const policy_decision d = p->evaluate(ev);
      ++s.hits[d.rule ? *d.rule : p->rules().size()];
      const std::size_t before = out.text().size();
      if (!apply(d, ev, out.text())) {
        ++(d.level == level::none ? s.dropped_none : s.dropped_stage);
        continue;
      }
      out.text() += '\n';
      ++s.events_out;
      s.bytes_out += out.text().size() - before;
      out.block_done();
    }
  });
  if (!out.finish()) return exit_failure;
  const counters& c = sum.totals;
  const double reduction = c.bytes == 0 ? 0.0 : 100.0 * (1.0 - static_cast<double>(s.bytes_out) / static_cast<double>(c.bytes));
  std::fprintf(stderr,
               "k8saudit policy apply: events in %llu, out %llu (dropped: level None %llu, omitted stage %llu); "
               "bytes read %llu (as stored, envelopes included), written %llu: %.1f%% less\n",
               static_cast<unsigned long long>(s.events_in), static_cast<unsigned long long>(s.events_out),
               static_cast<unsigned long long>(s.dropped_none), static_cast<unsigned long long>(s.dropped_stage),
               static_cast<unsigned long long>(c.bytes), static_cast<unsigned long long>(s.bytes_out), reduction);
  for (std::size_t i = 0; i < s.hits.size(); ++i) {
    if (i + 1 < s.hits.size()) {
      std::fprintf(stderr, "  rule %zu (%s): %llu\n", i, std::string(level_name(p->rules()[i].level)).c_str(),
                   static_cast<unsigned long long>(s.hits[i]));
    } else {
      std::fprintf(stderr, "  no rule (None): %llu\n", static_cast<unsigned long long>(s.hits[i]));
    }
  }
  if (c.errors > 0) std::fprintf(stderr, "k8saudit policy apply: %s\n", summarize(c).c_str());
  if (!a.summary_json.empty()) {
    std::ofstream f(a.summary_json, std::ios::binary);
    f << summary_json(s, c);
    if (!f) {
      std::fprintf(stderr, "k8saudit policy apply: cannot write %s\n", a.summary_json.c_str());
      return exit_failure;
    }
  }
  if (sum.io_failed) return exit_failure;
  return c.errors > 0 ? exit_bad_records : exit_ok;
}

}  // namespace

void add_policy(CLI::App& app, std::function<int()>& run) {
  CLI::App* group = app.add_subcommand("policy", "Apply a Kubernetes audit Policy (audit.k8s.io/v1) client-side");
  group->require_subcommand(1);
  auto add = [&](const char* name, const char* help, int (*body)(const policy_args&)) {
    auto args = std::make_shared<policy_args>();
    CLI::App* cmd = group->add_subcommand(name, help);
    cmd->add_option("-p,--policy", args->policy_file, "The Policy, YAML or JSON")->required();
    if (body != run_check) {
      add_input_format_option(*cmd, args->format);
      cmd->add_option("files", args->files, "Input files (- for standard input; .gz is detected)");
    }
    if (body == run_apply) {
      cmd->add_option("--summary-json", args->summary_json, "Also write the summary as JSON to this file");
    }
    if (body == run_explain) cmd->add_flag("--json", args->json, "One JSON object per event");
    cmd->callback([args, body, &run] { run = [args, body] { return body(*args); }; });
  };
  add("check", "Validate a policy and print its rules", run_check);
  add("apply", "Write the events the policy keeps, at the policy's level, as native JSON lines", run_apply);
  add("explain", "For each event: the rule that matched, its level, and whether the event is dropped", run_explain);
}

}  // namespace k8saudit::cli
