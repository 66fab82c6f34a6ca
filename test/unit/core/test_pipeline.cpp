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

#include "jetml/core/pipeline.hpp"

namespace {
/// Runs batches 0..n-1 (slot value = batch number, work = square, with uneven delays so that
/// workers finish out of order); returns what write saw. Throws at read/work/write of `bad`.
/// in_line: run_ordered_inline instead of run_ordered.
std::vector<long> run(std::size_t workers, long n, long bad_read = -1, long bad_work = -1, long bad_write = -1,
                      bool in_line = false) {
    std::vector<long> slot(workers + 3, -1), written;
    long next = 0;
    std::atomic<bool> bad_worker{false};  // no doctest CHECK on the worker threads
    (in_line ? jetml::run_ordered_inline : jetml::run_ordered)(
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

TEST_CASE("pipeline inline: batches are written in input order for 1 to 4 workers") {
    for (std::size_t w = 1; w <= 4; ++w) {
        const auto out = run(w, 60, -1, -1, -1, true);
        REQUIRE(out.size() == 60);
        for (long i = 0; i < 60; ++i) CHECK(out[std::size_t(i)] == i * i);
    }
    CHECK(run(2, 0, -1, -1, -1, true).empty());  // empty input
}

TEST_CASE("pipeline inline: the first error in input order is rethrown, after the batches before it") {
    for (std::size_t w = 1; w <= 3; ++w) {
        CHECK_THROWS_WITH_AS(run(w, 40, 25, -1, -1, true), "read 25", std::runtime_error);
        CHECK_THROWS_WITH_AS(run(w, 40, -1, 30, -1, true), "work 30", std::runtime_error);
        CHECK_THROWS_WITH_AS(run(w, 40, -1, -1, 5, true), "write", std::runtime_error);
    }
    CHECK_THROWS_WITH_AS(run(3, 40, 20, 10, -1, true), "work 10", std::runtime_error);
}

TEST_CASE("pipeline inline: one worker runs everything on the calling thread; several share the work") {
    const auto me = std::this_thread::get_id();
    for (std::size_t workers : {std::size_t(1), std::size_t(3)}) {
        std::vector<long> slot(2 * workers, -1), written;
        std::vector<std::size_t> per_worker(workers, 0);
        std::atomic<int> elsewhere{0};
        long next = 0;
        jetml::run_ordered_inline(
            workers, slot.size(),
            [&](std::size_t s) {
                if (std::this_thread::get_id() != me) ++elsewhere;
                if (next >= 30) return false;
                slot[s] = next++;
                return true;
            },
            [&](std::size_t s, std::size_t w) {
                if (std::this_thread::get_id() != me) ++elsewhere;
                std::this_thread::sleep_for(std::chrono::microseconds(200));
                ++per_worker[w];  // each worker number on one thread only: no race
                slot[s] += 1000;
            },
            [&](std::size_t s) {
                if (std::this_thread::get_id() != me) ++elsewhere;
                written.push_back(slot[s]);
            });
        REQUIRE(written.size() == 30);
        for (long i = 0; i < 30; ++i) CHECK(written[std::size_t(i)] == i + 1000);
        if (workers == 1) CHECK(elsewhere == 0);
        else CHECK(elsewhere > 0);
        std::size_t total = 0;
        for (auto c : per_worker) total += c;
        CHECK(total == 30);
    }
    auto nothing = [](std::size_t) { return false; };
    CHECK_THROWS_AS(jetml::run_ordered_inline(2, 1, nothing, [](std::size_t, std::size_t) {}, [](std::size_t) {}),
                    std::invalid_argument);
}
