// SPDX-License-Identifier: Apache-2.0
// A log-forwarding connector, the shape to copy into a SIEM shipper: read audit records of any
// format from stdin, keep what a filter (-e) and an audit Policy (-p) keep, and forward the
// events as native audit.k8s.io/v1 JSON lines in batches. Memory stays bounded whatever the
// input size: one reader window, one reader batch and one outgoing batch.
// Usage: siem_connector [-e EXPRESSION] [-p POLICY.yaml] [-n EVENTS_PER_BATCH] < records
// Exit status: 0 all forwarded; 1 some records were bad (reported on stderr with their line and
// offset; the others were forwarded); 2 bad usage, filter or policy, an input or send failure.
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include <k8saudit/k8saudit.h>

namespace {
constexpr std::size_t kBatchBytes = 1u << 20;  // send when a batch holds this many bytes, or -n events

// WHERE A REAL CONNECTOR SENDS THE BATCH. `payload` holds `events` lines of JSON (one event per
// line, each ending in '\n'). Replace the fwrite with, e.g.:
//   - HTTP: POST it (gzip'd) to Splunk HEC, Elasticsearch _bulk, the Azure Monitor Logs
//     ingestion API, Datadog ...; retry 429/5xx with exponential backoff and jitter;
//   - Kafka / Event Hubs: produce one message per line (key = auditID keeps a request's stages
//     in order) or the batch as one message, and wait for the acknowledgement;
//   - a file or blob: append, and rotate by size.
// Send synchronously (or with a bounded queue): while the sink is slow the reader does not read
// on, so memory stays bounded (backpressure). For at-least-once delivery, checkpoint the input
// position (origin.offset of the last event) only after a successful send. Return false on a
// permanent failure: the connector then stops with exit status 2.
bool send_batch(std::string_view payload, std::size_t events) {
  (void)events;  // a real sink might report it, or split by it
  return std::fwrite(payload.data(), 1, payload.size(), stdout) == payload.size() && std::fflush(stdout) == 0;
}

int fail(std::string_view message) {  // setup and fatal errors: exit status 2
  if (message.ends_with('\n')) message.remove_suffix(1);
  std::fprintf(stderr, "siem_connector: %.*s\n", static_cast<int>(message.size()), message.data());
  return 2;
}
}  // namespace

int main(int argc, char** argv) {
  k8saudit::filter filter;  // default: matches every event
  std::optional<k8saudit::policy> policy;
  std::size_t batch_events = 500;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i + 1 == argc || (arg != "-e" && arg != "-p" && arg != "-n")) {
      std::fprintf(stderr, "usage: %s [-e EXPRESSION] [-p POLICY] [-n EVENTS_PER_BATCH] < records\n", argv[0]);
      return 2;
    }
    if (arg == "-n") {
      batch_events = std::strtoul(argv[++i], nullptr, 10);
      if (batch_events == 0) return fail("-n needs a positive number");
    } else if (arg == "-e") {
      auto f = k8saudit::filter::compile(argv[++i]);
      if (!f) return fail(f.error().render());
      filter = *f;
    } else {
      auto p = k8saudit::policy::load_file(argv[++i]);
      if (!p) return fail(p.error().render());
      policy = std::move(*p);
    }
  }
  k8saudit::reader_options opt;                 // every field: the events are forwarded whole
  opt.prefilter = &filter.required_literals();  // with -e, records that cannot match are not
                                                // parsed (nor reported when malformed)
  k8saudit::reader reader(opt);
  if (auto ok = reader.open("-"); !ok) return fail(k8saudit::message(ok.error()));

  std::string payload;
  std::size_t in_payload = 0;
  std::uint64_t forwarded = 0, filtered_out = 0, dropped = 0, batches = 0;
  auto flush = [&] {
    if (in_payload == 0) return true;
    if (!send_batch(payload, in_payload)) return false;
    forwarded += in_payload, ++batches, in_payload = 0;
    payload.clear();  // keeps its capacity: no allocation in the steady state
    return true;
  };
  k8saudit::batch batch;
  while (reader.next(batch)) {
    for (const k8saudit::record_error& e : batch.errors)  // message() names the line and offset
      std::fprintf(stderr, "siem_connector: bad record: %s\n", k8saudit::message(e.error).c_str());
    for (const k8saudit::event& ev : batch.events) {
      if (!filter.matches(ev)) {
        ++filtered_out;
        continue;
      }
      if (policy) {
        if (!k8saudit::apply(policy->evaluate(ev), ev, payload)) {
          ++dropped;
          continue;
        }
      } else {
        k8saudit::write_json(ev, payload);  // AKS / Event Hub envelopes become native lines
      }
      payload += '\n';
      if ((++in_payload >= batch_events || payload.size() >= kBatchBytes) && !flush()) return fail("send failed");
    }
  }
  if (!flush()) return fail("send failed");
  if (reader.failed()) std::fprintf(stderr, "siem_connector: %s\n", k8saudit::message(reader.failure()).c_str());
  const k8saudit::counters& c = reader.stats();
  std::fprintf(stderr,
               "siem_connector: records %" PRIu64 ", events %" PRIu64 ", forwarded %" PRIu64 " in %" PRIu64
               " batches, filtered out %" PRIu64 ", dropped by policy %" PRIu64 ", skipped %" PRIu64
               ", bad records %" PRIu64 "\n",
               c.records, c.events, forwarded, batches, filtered_out, dropped, c.skipped, c.errors);
  return reader.failed() ? 2 : (c.errors != 0 ? 1 : 0);
}
