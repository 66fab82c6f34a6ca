// SPDX-License-Identifier: MIT
// jetml/core/shard.hpp - `--shard K/N` and `--shard slurm`: which contiguous part of its input
// rows one job of N takes, so that the N outputs, concatenated in order (jetmerge), are the
// bytes of the single job's output.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

namespace jetml {

/// Part `index` (0-based) of `count` equal contiguous parts; count 1 is the whole input.
struct shard_spec {
    std::uint64_t index = 0;  ///< 0 .. count-1
    std::uint64_t count = 1;  ///< N >= 1
    bool whole() const { return count == 1; }
    /// "shard 2/7" (1-based, as written on the command line).
    std::string description() const;
};

/// Looks an environment variable up: nullptr when unset (std::getenv by default; tests pass their own).
using env_lookup = std::function<const char*(const char*)>;

/// Parses "K/N" (K from 1 to N, as GNU split -n K/N) or "slurm": the job array's task
/// (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_STEP of
/// SLURM_ARRAY_TASK_COUNT tasks. Anything else, K out of 1..N, or a task id outside the array
/// is a usage_error naming the text or the variable.
shard_spec parse_shard(const std::string& spec, const env_lookup& env = {});

/// Rows [begin, end) of a shard.
struct row_range {
    std::uint64_t begin = 0, end = 0;
    std::uint64_t size() const { return end - begin; }
};

/// Part s of n rows: [floor(n k / N), floor(n (k+1) / N)). The parts are contiguous, in order,
/// cover 0..n and differ in size by at most one row.
row_range shard_rows(const shard_spec& s, std::uint64_t n);

/// The help text of --shard, the same in every tool; `rows` says what is split ("jets", "rows").
std::string shard_help(const std::string& rows);

/// For inputs whose row count no header gives (CSV, HepMC, FastJet text): counts the rows of
/// the file `path` with `count` (a first pass over a second opening of the file) and returns
/// the shard's range. Standard input cannot be read twice: "-" is a usage_error saying so.
row_range shard_rows_of_file(const shard_spec& s, const std::string& path,
                             const std::function<std::uint64_t(const std::string&)>& count);

}  // namespace jetml
