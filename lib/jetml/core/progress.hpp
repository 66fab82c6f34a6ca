// SPDX-License-Identifier: MIT
// jetml/core/progress.hpp - a progress bar with rate and ETA on stderr.
#pragma once
#include <chrono>
#include <cstddef>
#include <string>

namespace jetml {

/// Draws "label [=====>    ]  45%  12.3k/s  ETA 0:12" on stderr, at most ~8 times a second.
/// Does nothing when disabled. Thread-compatible: call advance() from one thread.
class progress_bar {
public:
    /// total = 0 means unknown (no percentage or ETA).
    progress_bar(bool enabled, std::string label, std::size_t total, std::string unit = "");
    ~progress_bar();
    void advance(std::size_t n = 1);
    /// Erases the bar line.
    void finish();

private:
    void draw(bool final);
    bool enabled_;
    std::string label_, unit_;
    std::size_t total_, done_ = 0;
    std::chrono::steady_clock::time_point start_, last_;
    bool finished_ = false;
};

/// "12.3k", "4.56M": a compact count.
std::string human_count(double v);

}  // namespace jetml
