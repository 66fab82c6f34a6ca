// SPDX-License-Identifier: MIT
// jetml/core/pipeline.hpp - an ordered batch pipeline: one reader thread, N worker threads and the
// calling thread writing the batches back in input order.
//
// The tools stream their input in batches. Running one OpenMP loop per batch leaves the workers
// spinning while the main thread reads and writes, which on a 2-core machine takes the core the
// I/O needs. Here every hand-off blocks on a condition variable, so an idle thread sleeps, and
// reading, computing and writing overlap. The caller owns the batch storage ("slots", indices
// 0..slots-1) and any per-worker scratch (indexed by the worker number).
#pragma once
#include <cstddef>
#include <functional>

namespace jetml {

/// Runs the pipeline until `read` reports the end of the input.
///  - read(slot) fills a free slot on the reader thread; false = end of input (slot unused).
///  - work(slot, worker) processes a filled slot on worker thread `worker` in [0, workers).
///  - write(slot) consumes the processed slots on the calling thread, in the order they were read.
/// Needs workers >= 1 and slots >= workers + 2 (workers + 3 keeps every thread busy).
/// An exception from read or work for a slot is rethrown here when that slot's turn to be
/// written comes (so the first error in input order wins, whatever the thread count); one from
/// write is rethrown at once. In every case the other threads are stopped and joined first;
/// stopping waits for a read in progress to return.
void run_ordered(std::size_t workers, std::size_t slots, const std::function<bool(std::size_t)>& read,
                 const std::function<void(std::size_t slot, std::size_t worker)>& work,
                 const std::function<void(std::size_t)>& write);

/// The same contract without dedicated reader and writer threads: each of the `workers` threads
/// (the calling thread is worker 0) reads a batch, processes it, and then writes every batch
/// that is next in input order and done - whichever thread finished it. Reads are one at a time
/// and writes are one at a time (in input order), each on whichever thread gets to it, so the
/// callbacks need no thread of their own; with workers == 1 all of it runs on the calling
/// thread, one core's worth of work with no hand-offs. Suits work that is cheap next to the
/// copying of its bytes, where a reader and a writer thread would compete with the workers
/// for the cores. Needs workers >= 1 and slots >= workers (2 * workers lets a thread that
/// finished a batch early read the next one). Errors as run_ordered.
void run_ordered_inline(std::size_t workers, std::size_t slots, const std::function<bool(std::size_t)>& read,
                        const std::function<void(std::size_t slot, std::size_t worker)>& work,
                        const std::function<void(std::size_t)>& write);

}  // namespace jetml
