// SPDX-License-Identifier: MIT
// jetml/core/pipeline.cpp - the ordered batch pipeline.
#include "jetml/core/pipeline.hpp"

#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include <stdexcept>

namespace jetml {

namespace {

// Reads batch slot s; an exception from read is kept in failed[s] (and counts as no batch).
bool read_batch(const std::function<bool(std::size_t)>& read, std::size_t s,
                std::vector<std::exception_ptr>& failed) {
    failed[s] = nullptr;
    try {
        return read(s);
    } catch (...) {
        failed[s] = std::current_exception();
        return false;
    }
}

}  // namespace

void run_ordered(std::size_t workers, std::size_t slots, const std::function<bool(std::size_t)>& read,
                 const std::function<void(std::size_t, std::size_t)>& work, const std::function<void(std::size_t)>& write) {
    if (workers < 1 || slots < workers + 2) throw std::invalid_argument("run_ordered: needs workers >= 1 and slots >= workers + 2");
    std::mutex mu;
    std::condition_variable cv;
    std::deque<std::size_t> free_q, ready_q;   // slots to fill; filled, in input order
    std::map<std::size_t, std::size_t> done;   // batch number -> slot, processed
    std::vector<std::size_t> seq_of(slots, 0);  // batch number of a slot
    std::vector<std::exception_ptr> failed(slots);
    std::size_t n_read = 0;
    bool reader_done = false, stop = false;
    for (std::size_t s = 0; s < slots; ++s) free_q.push_back(s);

    std::vector<std::thread> threads;
    auto stop_all = [&] {
        {
            std::lock_guard<std::mutex> g(mu);
            stop = true;
        }
        cv.notify_all();
        for (auto& th : threads)
            if (th.joinable()) th.join();
    };
    try {  // from here on, any exception (also failing to start a thread) stops and joins the others
        threads.emplace_back([&] {  // reader
            for (;;) {
                std::size_t s;
                {
                    std::unique_lock<std::mutex> g(mu);
                    cv.wait(g, [&] { return stop || !free_q.empty(); });
                    if (stop) return;
                    s = free_q.front();
                    free_q.pop_front();
                }
                const bool got = read_batch(read, s, failed);
                const bool last = !got || failed[s];
                {
                    std::lock_guard<std::mutex> g(mu);
                    if (got || failed[s]) {
                        seq_of[s] = n_read++;
                        ready_q.push_back(s);
                    } else {
                        free_q.push_back(s);
                    }
                    if (last) reader_done = true;
                }
                cv.notify_all();
                if (last) return;
            }
        });
        for (std::size_t w = 0; w < workers; ++w)
            threads.emplace_back([&, w] {  // worker
                for (;;) {
                    std::size_t s;
                    {
                        std::unique_lock<std::mutex> g(mu);
                        cv.wait(g, [&] { return stop || !ready_q.empty() || reader_done; });
                        if (stop || ready_q.empty()) return;
                        s = ready_q.front();
                        ready_q.pop_front();
                    }
                    if (!failed[s]) {
                        try {
                            work(s, w);
                        } catch (...) {
                            failed[s] = std::current_exception();
                        }
                    }
                    {
                        std::lock_guard<std::mutex> g(mu);
                        done[seq_of[s]] = s;
                    }
                    cv.notify_all();
                }
            });
        for (std::size_t next = 0;; ++next) {
            std::size_t s;
            {
                std::unique_lock<std::mutex> g(mu);
                cv.wait(g, [&] { return done.count(next) || (reader_done && next >= n_read); });
                if (!done.count(next)) break;
                s = done[next];
                done.erase(next);
            }
            if (failed[s]) std::rethrow_exception(failed[s]);
            write(s);
            {
                std::lock_guard<std::mutex> g(mu);
                free_q.push_back(s);
            }
            cv.notify_all();
        }
    } catch (...) {
        stop_all();
        throw;
    }
    stop_all();
}

void run_ordered_inline(std::size_t workers, std::size_t slots, const std::function<bool(std::size_t)>& read,
                        const std::function<void(std::size_t, std::size_t)>& work,
                        const std::function<void(std::size_t)>& write) {
    if (workers < 1 || slots < workers) throw std::invalid_argument("run_ordered_inline: needs workers >= 1 and slots >= workers");
    std::mutex mu;
    std::condition_variable cv;
    std::deque<std::size_t> free_q;            // slots to fill
    std::map<std::size_t, std::size_t> done;   // batch number -> slot, processed (or failed)
    std::vector<std::exception_ptr> failed(slots);
    std::exception_ptr error;                  // what run_ordered_inline rethrows
    std::size_t n_read = 0, next_write = 0;
    bool eof = false, reading = false, writing = false, stop = false;
    for (std::size_t s = 0; s < slots; ++s) free_q.push_back(s);
    auto fail = [&](std::exception_ptr e) {  // with mu held: the first error stops every thread
        if (!error) error = std::move(e);
        stop = true;
        cv.notify_all();
    };

    auto loop = [&](std::size_t w) {
        std::unique_lock<std::mutex> g(mu);
        for (;;) {
            if (stop) return;
            //-- write what is next in input order, if nobody else is writing
            if (!writing && done.count(next_write)) {
                writing = true;
                while (!stop && done.count(next_write)) {
                    const std::size_t s = done[next_write];
                    done.erase(next_write);
                    if (failed[s]) {  // its turn to be written: the first error in input order
                        fail(failed[s]);
                        break;
                    }
                    g.unlock();
                    std::exception_ptr e;
                    try {
                        write(s);
                    } catch (...) {
                        e = std::current_exception();
                    }
                    g.lock();
                    if (e) {
                        fail(e);
                        break;
                    }
                    ++next_write;
                    free_q.push_back(s);
                    cv.notify_all();
                }
                writing = false;
                cv.notify_all();
                continue;
            }
            //-- read a batch and process it
            if (!eof && !reading && !free_q.empty()) {
                reading = true;
                const std::size_t s = free_q.front();
                free_q.pop_front();
                g.unlock();
                const bool got = read_batch(read, s, failed);
                g.lock();
                reading = false;
                if (!got && !failed[s]) {  // end of input
                    eof = true;
                    free_q.push_back(s);
                    cv.notify_all();
                    continue;
                }
                const std::size_t seq = n_read++;
                if (failed[s]) eof = true;  // nothing is read after a failed read
                cv.notify_all();             // another thread may read now
                if (!failed[s] && !stop) {
                    g.unlock();
                    try {
                        work(s, w);
                    } catch (...) {
                        failed[s] = std::current_exception();
                    }
                    g.lock();
                }
                done[seq] = s;
                cv.notify_all();
                continue;
            }
            //-- everything read has been written: finished
            if (eof && !reading && !writing && next_write == n_read) {
                cv.notify_all();
                return;
            }
            cv.wait(g);
        }
    };

    auto guarded = [&](std::size_t w) {  // an exception of the loop itself (memory) stops all, too
        try {
            loop(w);
        } catch (...) {
            std::lock_guard<std::mutex> g(mu);
            fail(std::current_exception());
        }
    };
    std::vector<std::thread> threads;
    try {
        for (std::size_t w = 1; w < workers; ++w) threads.emplace_back(guarded, w);
    } catch (...) {  // a thread failed to start: stop the others
        std::lock_guard<std::mutex> g(mu);
        fail(std::current_exception());
    }
    guarded(0);
    for (auto& th : threads) th.join();
    if (error) std::rethrow_exception(error);
}

}  // namespace jetml
