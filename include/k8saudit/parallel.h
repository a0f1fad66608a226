// SPDX-License-Identifier: Apache-2.0
// Parallel reading of one large file: the file is split at record boundaries into chunks, and a
// fixed pool of threads reads them, one reader per thread. Results never depend on the number of
// threads: the same events (same line, offset and content), the same errors in the same order,
// the same counters as one k8saudit::reader reading the whole file.
//
//   k8saudit::parallel_options p;                              // threads = hardware_concurrency()
//   std::vector<std::uint64_t> per_worker(k8saudit::parallel_workers(path, opt, p));
//   auto s = k8saudit::read_parallel(path, opt, p,
//       [&](unsigned worker, const k8saudit::batch& b) { per_worker[worker] += b.events.size(); },
//       [&](const k8saudit::record_error& e) { log(e); });
//   if (s.failed) return fail(s.failure);
//
// Splitting. Only a regular, uncompressed file read as input_format::auto_detect, jsonl or aks
// is split ("-", pipes, gzip input and the other forced formats are read by one reader, on the
// calling thread). Nominal split points are placed every size / chunks bytes (chunks = up to
// 4 * threads, each at least min_chunk bytes); from each one the first boundary before the next
// point is taken: a newline such that the line before it, trimmed of trailing spaces, tabs and
// CRs, ends with `}` and the next byte that is not whitespace (blank lines included) is `{`. In
// JSON a `}` that ends a line inside an open container is followed by `,`, `}` or `]`, never by
// `{`, so such a newline always lies between two top-level records, pretty-printed documents
// included. A point with no boundary before the next one is dropped (its chunks merge): a file
// that holds one big document (a pretty-printed EventList) is one chunk. (One limit, for input
// that is not JSON: the reader checks where brackets may open only 64 levels deep, and simdjson
// does not validate the values an event does not use, so a pretty-printed document with `}` and
// `{` on consecutive lines more than 64 levels deep may be one record to a single reader and be
// split here.) A boundary is also not used when the reader could not see its `{` from the start
// of the line before it (more than max_record_size bytes), as the prefilter needs that look-ahead.
// One pass over the file (in parallel) finds the boundaries and counts the newlines before each,
// so every chunk knows its first line; a second pass parses.
//
// Threads and ordering. The chunks are handed out in input order to threads_used workers (the
// calling thread is worker 0); each chunk is read by exactly one worker, from start to end, and a
// worker reads one chunk at a time, so the batches of one worker arrive in input order. Chunks
// of different workers are read concurrently: on_batch is called concurrently for different
// workers (give each worker its own state and merge the states at the end: the worker index
// exists for that).
//
// Errors (bad records) are not in the batches: on_error gets every one of them, in input order,
// on the calling thread, never concurrently with on_batch. With one worker they come as they are
// met; with more, after all workers finished. Memory stays bounded: at most keep_errors errors
// per chunk are kept; the errors of a chunk that had more are read again (that chunk is parsed a
// second time, on the calling thread) when their turn comes.
//
// Failures: an I/O failure stops the reading as a single reader would: the summary reports it,
// and counters and errors cover the input up to it. (Chunks after the failure that were read
// concurrently may already have delivered their events.) An exception thrown by on_batch stops
// all workers and is rethrown by read_parallel on the calling thread; on_batch must not throw
// when the library is built without exceptions.
//
// Memory: one reader window (see reader_options) and one 1 MiB scan buffer per worker, plus the
// kept errors.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "k8saudit/error.h"
#include "k8saudit/export.h"
#include "k8saudit/reader.h"

namespace k8saudit {

struct parallel_options {
  unsigned threads{0};                           ///< 0 = std::thread::hardware_concurrency()
  std::size_t min_chunk{std::size_t{32} << 20};  ///< files smaller than 2 chunks are read by one thread
  std::size_t keep_errors{10};                   ///< errors kept in memory per chunk (see above)
  /// true: events carry their line in the file, which takes a pass counting the newlines before
  /// reading. false: that pass is skipped and an event's origin.line counts from the start of its
  /// chunk; errors still get their line in the file (aggregations, which never look at event
  /// lines, use false).
  bool exact_event_lines{true};
};

struct parallel_summary {
  counters totals;          ///< summed over chunks: equal to a single reader's counters
  bool failed{false};       ///< an I/O failure stopped the reading (reader::failed())
  error failure{};          ///< the failure (reader::failure()), with its global offset
  unsigned threads_used{1}; ///< workers that read chunks; every worker index was below it
};

/// Reads `path` as described above. on_batch(worker, batch): worker < threads_used (and never
/// more than parallel_workers() returned for the same, unchanged, file); batch.errors is always
/// empty; the events' views are valid during the call only (the reader's lifetime rule).
/// on_error(record_error): record_error::file views a string that lives until read_parallel
/// returns. If the file cannot be opened, the summary has failed = true and nothing is called.
K8SAUDIT_API parallel_summary read_parallel(const std::string& path, const reader_options& options,
                                            const parallel_options& p,
                                            const std::function<void(unsigned worker, const batch&)>& on_batch,
                                            const std::function<void(const record_error&)>& on_error);

/// The most workers read_parallel() would use for `path` as it is now (at least 1), so callers
/// can allocate per-worker state first. It looks at the file's type, size and first two bytes
/// only; read_parallel() may use fewer workers (fewer boundaries than split points).
K8SAUDIT_API unsigned parallel_workers(const std::string& path, const reader_options& options,
                                       const parallel_options& p);

}  // namespace k8saudit
