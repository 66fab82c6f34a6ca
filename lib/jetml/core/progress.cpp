// SPDX-License-Identifier: MIT
// jetml/core/progress.cpp
#include "jetml/core/progress.hpp"

#include <cstdio>

namespace jetml {

std::string human_count(double v) {
    char buf[32];
    if (v >= 1e9) std::snprintf(buf, sizeof buf, "%.2fG", v / 1e9);
    else if (v >= 1e6) std::snprintf(buf, sizeof buf, "%.2fM", v / 1e6);
    else if (v >= 1e3) std::snprintf(buf, sizeof buf, "%.1fk", v / 1e3);
    else std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
}

progress_bar::progress_bar(bool enabled, std::string label, std::size_t total, std::string unit)
    : enabled_(enabled), label_(std::move(label)), unit_(std::move(unit)), total_(total),
      start_(std::chrono::steady_clock::now()), last_(start_) {}

progress_bar::~progress_bar() { finish(); }

void progress_bar::advance(std::size_t n) {
    done_ += n;
    if (!enabled_) return;
    auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(125) && done_ != total_) return;
    last_ = now;
    draw(false);
}

void progress_bar::draw(bool) {
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    double rate = secs > 0 ? done_ / secs : 0;
    char line[256];
    if (total_ > 0) {
        const int width = 24;
        double frac = done_ >= total_ ? 1.0 : double(done_) / double(total_);
        int filled = static_cast<int>(frac * width);
        char bar[width + 1];
        for (int i = 0; i < width; ++i) bar[i] = i < filled ? '=' : (i == filled ? '>' : ' ');
        bar[width] = 0;
        double eta = rate > 0 ? (total_ - done_) / rate : 0;
        int e = static_cast<int>(eta + 0.5);
        std::snprintf(line, sizeof line, "\r%s [%s] %3.0f%%  %s %s/s  ETA %d:%02d:%02d ", label_.c_str(), bar,
                      100 * frac, human_count(rate).c_str(), unit_.c_str(), e / 3600, e / 60 % 60, e % 60);
    } else {
        std::snprintf(line, sizeof line, "\r%s %s %s  %s %s/s ", label_.c_str(), human_count(done_).c_str(),
                      unit_.c_str(), human_count(rate).c_str(), unit_.c_str());
    }
    std::fputs(line, stderr);
    std::fflush(stderr);
}

void progress_bar::finish() {
    if (finished_) return;
    finished_ = true;
    if (!enabled_) return;
    draw(true);
    std::fputs("\n", stderr);
}

}  // namespace jetml
