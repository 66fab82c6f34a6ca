// SPDX-License-Identifier: MIT
// Tests of jetml/pipeline: batches come back in input order for any worker count, errors are
// reported in input order, and every thread is stopped before run_ordered returns or throws.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "jetml/pipeline.hpp"

namespace {
/// Runs batches 0..n-1 (slot value = batch number, work = square, with uneven delays so that
/// workers finish out of order); returns what write saw. Throws at read/work/write of `bad`.
std::vector<long> run(std::size_t workers, long n, long bad_read = -1, long bad_work = -1, long bad_write = -1) {
    std::vector<long> slot(workers + 3, -1), written;
    long next = 0;
    std::atomic<bool> bad_worker{false};  // no doctest CHECK on the worker threads
    jetml::run_ordered(
        workers, slot.size(),
        [&](std::size_t s) {
            if (next == bad_read) throw std::runtime_error("read " + std::to_string(next));
            if (next >= n) return false;
            slot[s] = next++;
            return true;
        },
        [&](std::size_t s, std::size_t w) {
            if (w >= workers) bad_worker = true;
            std::this_thread::sleep_for(std::chrono::microseconds((slot[s] * 7919) % 500));
            if (slot[s] == bad_work) throw std::runtime_error("work " + std::to_string(slot[s]));
            slot[s] = slot[s] * slot[s];
        },
        [&](std::size_t s) {
            if (long(written.size()) == bad_write) throw std::runtime_error("write");
            written.push_back(slot[s]);
        });
    CHECK(!bad_worker);
    return written;
}
}  // namespace

TEST_CASE("pipeline: batches are written in input order for 1 to 4 workers") {
    for (std::size_t w = 1; w <= 4; ++w) {
        const auto out = run(w, 60);
        REQUIRE(out.size() == 60);
        for (long i = 0; i < 60; ++i) CHECK(out[std::size_t(i)] == i * i);
    }
    CHECK(run(2, 0).empty());  // empty input
}

TEST_CASE("pipeline: the first error in input order is rethrown, after the batches before it") {
    for (std::size_t w = 1; w <= 3; ++w) {
        CHECK_THROWS_WITH_AS(run(w, 40, 25), "read 25", std::runtime_error);
        // batch 30 fails in work while later batches may already be done: 30 is reported
        CHECK_THROWS_WITH_AS(run(w, 40, -1, 30), "work 30", std::runtime_error);
        CHECK_THROWS_WITH_AS(run(w, 40, -1, -1, 5), "write", std::runtime_error);
    }
    // a read error after a work error: the work error comes first in input order
    CHECK_THROWS_WITH_AS(run(3, 40, 20, 10), "work 10", std::runtime_error);
}

TEST_CASE("pipeline: rejects too few slots") {
    auto nothing = [](std::size_t) { return false; };
    CHECK_THROWS_AS(jetml::run_ordered(2, 3, nothing, [](std::size_t, std::size_t) {}, [](std::size_t) {}), std::invalid_argument);
}
