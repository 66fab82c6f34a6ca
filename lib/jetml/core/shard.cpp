// SPDX-License-Identifier: MIT
// jetml/core/shard.cpp
#include "jetml/core/shard.hpp"

#include <cstdlib>

#include "jetml/core/error.hpp"

namespace jetml {

namespace {

constexpr std::uint64_t max_shards = std::uint64_t(1) << 31;  // keeps shard_rows exact in 64 bits

/// A whole number without sign or junk; false otherwise (also on overflow).
bool parse_count(const std::string& s, std::uint64_t& v) {
    if (s.empty() || s.size() > 18) return false;
    v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + std::uint64_t(c - '0');
    }
    return true;
}

std::uint64_t env_number(const env_lookup& env, const char* name, bool required, std::uint64_t fallback) {
    const char* v = env(name);
    if (!v || !*v) {
        if (required)
            throw usage_error(std::string("--shard slurm: ") + name +
                              " is not set; expected to run as a task of a Slurm job array (sbatch --array)");
        return fallback;
    }
    std::uint64_t x = 0;
    if (!parse_count(v, x))
        throw usage_error(std::string("--shard slurm: ") + name + "='" + printable(v) + "' is not a whole number");
    return x;
}

}  // namespace

std::string shard_spec::description() const {
    return "shard " + std::to_string(index + 1) + "/" + std::to_string(count);
}

shard_spec parse_shard(const std::string& spec, const env_lookup& env_in) {
    const env_lookup env = env_in ? env_in : env_lookup([](const char* n) { return std::getenv(n); });
    shard_spec s;
    if (spec == "slurm") {
        const std::uint64_t id = env_number(env, "SLURM_ARRAY_TASK_ID", true, 0);
        const std::uint64_t count = env_number(env, "SLURM_ARRAY_TASK_COUNT", true, 0);
        const std::uint64_t min = env_number(env, "SLURM_ARRAY_TASK_MIN", false, 0);
        const std::uint64_t step = env_number(env, "SLURM_ARRAY_TASK_STEP", false, 1);
        if (count == 0 || step == 0 || count > max_shards)
            throw usage_error("--shard slurm: expected SLURM_ARRAY_TASK_COUNT from 1 to 2^31 and SLURM_ARRAY_TASK_STEP at least 1");
        if (id < min || (id - min) % step != 0 || (id - min) / step >= count)
            throw usage_error("--shard slurm: task " + std::to_string(id) + " is not in the array of " +
                              std::to_string(count) + " tasks from " + std::to_string(min) + " in steps of " +
                              std::to_string(step));
        s.index = (id - min) / step;
        s.count = count;
        return s;
    }
    const auto slash = spec.find('/');
    std::uint64_t k = 0, n = 0;
    if (slash == std::string::npos || !parse_count(spec.substr(0, slash), k) || !parse_count(spec.substr(slash + 1), n))
        throw usage_error("--shard: '" + printable(spec) + "' is not K/N or slurm; expected e.g. --shard 2/7");
    if (n == 0 || k == 0 || k > n || n > max_shards)
        throw usage_error("--shard: " + printable(spec) + " is out of range; expected K/N with 1 <= K <= N <= 2^31");
    s.index = k - 1;
    s.count = n;
    return s;
}

row_range shard_rows(const shard_spec& s, std::uint64_t n) {
    // floor(n k / N) = (n / N) k + ((n % N) k) / N, exact without overflow for N < 2^32
    const std::uint64_t q = n / s.count, rem = n % s.count;
    auto at = [&](std::uint64_t k) { return q * k + rem * k / s.count; };
    return {at(s.index), at(s.index + 1)};
}

std::string shard_help(const std::string& rows) {
    return "K/N: process only part K (1..N) of N contiguous equal parts of the " + rows +
           " (jetmerge joins the N outputs into the whole run's); 'slurm': the part of this Slurm job-array task";
}

row_range shard_rows_of_file(const shard_spec& s, const std::string& path,
                             const std::function<std::uint64_t(const std::string&)>& count) {
    if (s.whole()) return {0, ~std::uint64_t(0)};
    if (path == "-")
        throw usage_error("--shard with text input needs a file: standard input cannot be read twice to count its rows "
                          "(give the file's name, or NPY input, whose header has the count)");
    return shard_rows(s, count(path));
}

}  // namespace jetml
