// SPDX-License-Identifier: MIT
// Unit tests of jetml/core/shard: --shard K/N and --shard slurm, and the row partition.
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "jetml/core/error.hpp"
#include "jetml/core/shard.hpp"

using namespace jetml;

namespace {
__extension__ typedef unsigned __int128 u128;  // the reference product, exact
env_lookup env_of(std::map<std::string, std::string> m) {
    return [m](const char* name) -> const char* {
        auto it = m.find(name);
        return it == m.end() ? nullptr : it->second.c_str();
    };
}
const env_lookup no_env = [](const char*) -> const char* { return nullptr; };
}  // namespace

TEST_CASE("shard: K/N is 1-based and K outside 1..N is a usage error") {
    auto s = parse_shard("3/7", no_env);
    CHECK(s.index == 2);
    CHECK(s.count == 7);
    CHECK(s.description() == "shard 3/7");
    CHECK(parse_shard("1/1", no_env).whole());
    for (const char* bad : {"0/3", "4/3", "1/0", "0/0", "", "3", "a/b", "1/2/3", "-1/2", "+1/2", " 1/2", "1/4294967296"})
        CHECK_THROWS_AS(parse_shard(bad, no_env), usage_error);
    CHECK_THROWS_WITH_AS(parse_shard("4/3", no_env), "--shard: 4/3 is out of range; expected K/N with 1 <= K <= N <= 2^31",
                         usage_error);
}

TEST_CASE("shard: slurm takes the task's place in the array, from SLURM_ARRAY_TASK_MIN in steps") {
    auto s = parse_shard("slurm", env_of({{"SLURM_ARRAY_TASK_ID", "7"}, {"SLURM_ARRAY_TASK_COUNT", "5"},
                                          {"SLURM_ARRAY_TASK_MIN", "3"}}));
    CHECK(s.index == 4);
    CHECK(s.count == 5);
    s = parse_shard("slurm", env_of({{"SLURM_ARRAY_TASK_ID", "0"}, {"SLURM_ARRAY_TASK_COUNT", "2"}}));
    CHECK(s.index == 0);
    s = parse_shard("slurm", env_of({{"SLURM_ARRAY_TASK_ID", "14"}, {"SLURM_ARRAY_TASK_COUNT", "4"},
                                     {"SLURM_ARRAY_TASK_MIN", "8"}, {"SLURM_ARRAY_TASK_STEP", "2"}}));
    CHECK(s.index == 3);
    CHECK_THROWS_WITH_AS(parse_shard("slurm", no_env),
                         "--shard slurm: SLURM_ARRAY_TASK_ID is not set; expected to run as a task of a Slurm job array "
                         "(sbatch --array)",
                         usage_error);
    CHECK_THROWS_AS(parse_shard("slurm", env_of({{"SLURM_ARRAY_TASK_ID", "8"}, {"SLURM_ARRAY_TASK_COUNT", "5"},
                                                 {"SLURM_ARRAY_TASK_MIN", "3"}})),
                    usage_error);  // 3..7
    CHECK_THROWS_AS(parse_shard("slurm", env_of({{"SLURM_ARRAY_TASK_ID", "2"}, {"SLURM_ARRAY_TASK_COUNT", "5"},
                                                 {"SLURM_ARRAY_TASK_MIN", "3"}})),
                    usage_error);
    CHECK_THROWS_AS(parse_shard("slurm", env_of({{"SLURM_ARRAY_TASK_ID", "9"}, {"SLURM_ARRAY_TASK_COUNT", "4"},
                                                 {"SLURM_ARRAY_TASK_STEP", "2"}})),
                    usage_error);  // 0, 2, 4, 6: 9 is off the step
    CHECK_THROWS_AS(parse_shard("slurm", env_of({{"SLURM_ARRAY_TASK_ID", "x"}, {"SLURM_ARRAY_TASK_COUNT", "4"}})),
                    usage_error);
}

TEST_CASE("shard: the parts are contiguous, in order, cover every row and differ by at most one row") {
    for (std::uint64_t n : {0ull, 1ull, 2ull, 6ull, 7ull, 23ull, 1000ull, 18446744073709551615ull})
        for (std::uint64_t N : {1ull, 2ull, 3ull, 7ull, 64ull, 2147483648ull}) {
            std::uint64_t next = 0, lo = ~0ull, hi = 0;
            const std::uint64_t probes = N > 100 ? 100 : N;
            for (std::uint64_t k = 0; k < probes; ++k) {
                const row_range r = shard_rows({k, N}, n);
                CHECK(r.begin == next);
                CHECK(r.end >= r.begin);
                // the exact value, floor(n k / N), by long multiplication in 128 bits
                CHECK(r.begin == static_cast<std::uint64_t>(u128(n) * k / N));
                next = r.end;
                lo = std::min(lo, r.size()), hi = std::max(hi, r.size());
            }
            if (probes == N) CHECK(next == n);
            CHECK(hi - lo <= 1);
        }
}
