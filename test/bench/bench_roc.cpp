// SPDX-License-Identifier: MIT
// bench_roc: jetml ROC/AUC timing on the data of scikit-learn's peer script roc_bench.py.
// Usage: bench_roc [--sizes 1000000,10000000] [--repeats 5] [--threads 1]
// Data as roc_bench.py: labels ~ Bernoulli(0.5); scores = U(0,1) + 0.5 label (float64);
// weights ~ U(0,2). Arrays are built before timing; each timed call starts from the raw
// arrays (ranking included), and the curve calls also produce the fpr and tpr arrays, as
// scikit-learn's roc_curve does. Prints: call, N, min/median/max wall seconds, median CPU seconds.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <string>
#include <vector>

#include "jetml/stats/metrics.hpp"
#include "jetml/core/rng.hpp"
#include "jetml/core/threads.hpp"

namespace {
struct timing {
    double lo, med, hi, cpu;
};
timing time_it(const std::function<void()>& fn, int repeats) {
    fn();  // warm-up (page faults of first allocations)
    std::vector<double> ts, cs;
    for (int r = 0; r < repeats; ++r) {
        std::clock_t c0 = std::clock();
        auto t0 = std::chrono::steady_clock::now();
        fn();
        ts.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        cs.push_back(static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC);
    }
    std::sort(ts.begin(), ts.end());
    std::sort(cs.begin(), cs.end());
    return {ts.front(), ts[ts.size() / 2], ts.back(), cs[cs.size() / 2]};
}
}  // namespace

int main(int argc, char** argv) {
    std::vector<std::size_t> sizes = {1000000, 10000000};
    int repeats = 5, threads = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string a = argv[i];
        if (a == "--repeats") repeats = std::atoi(argv[i + 1]);
        else if (a == "--threads") threads = std::atoi(argv[i + 1]);
        else if (a == "--sizes") {
            sizes.clear();
            std::string s = argv[i + 1];
            for (std::size_t p = 0; p < s.size();) {
                std::size_t q = s.find(',', p);
                sizes.push_back(std::stoull(s.substr(p, q - p)));
                p = q == std::string::npos ? s.size() : q + 1;
            }
        } else {
            std::fprintf(stderr, "bench_roc: unknown option %s\n", a.c_str());
            return 2;
        }
    }
    jetml::set_threads(threads);
    std::printf("# jetml bench_roc, threads=%d\n", threads);
    std::printf("%-42s %9s %7s %8s %7s %9s  %s\n", "call", "N", "min_s", "median_s", "max_s", "cpu_med_s", "note");
    for (std::size_t n : sizes) {
        jetml::rng g(0);
        jetml::roc_data d, dw;
        d.score.resize(n);
        d.label.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            d.label[i] = g.uniform() < 0.5;
            d.score[i] = g.uniform() + 0.5 * d.label[i];
        }
        dw = d;
        dw.weight.resize(n);
        for (auto& w : dw.weight) w = g.uniform() * 2.0;
        double auc = 0;
        std::size_t pts = 0;
        // roc_curve returns fpr, tpr and thresholds; compute_roc returns the counts, so the
        // timed call also divides them out into two arrays (the same outputs as the peer's)
        auto rates = [](const jetml::roc_curve& c) {
            const std::size_t m = c.size();
            const double fb = c.fps.back(), tb = c.tps.back();
            jetml::huge_vector<double> fpr(m), tpr(m);
            for (std::size_t i = 0; i < m; ++i) fpr[i] = c.fps[i] / fb;  // = c.fpr(i), as sklearn's fps / fps[-1]
            for (std::size_t i = 0; i < m; ++i) tpr[i] = c.tps[i] / tb;
            return fpr.size() + (tpr.back() == 1 ? 0 : 1);
        };
        struct bench_case {
            const char* label;
            std::function<void()> fn;
        };
        std::vector<bench_case> cases = {
            {"auc(y, s)", [&] { auc = jetml::auc(d); }},
            {"auc(y, s, w)", [&] { auc = jetml::auc(dw); }},
            {"compute_roc(y, s)", [&] { pts = rates(jetml::compute_roc(d, true)); }},
            {"compute_roc(y, s, w)", [&] { pts = rates(jetml::compute_roc(dw, true)); }},
            {"compute_roc(y, s, drop_intermediate=false)", [&] { pts = rates(jetml::compute_roc(d, false)); }},
            {"std::sort(s) (reference)", [&] {
                 std::vector<double> s = d.score;
                 std::sort(s.begin(), s.end());
             }},
        };
        for (const auto& c : cases) {
            timing t = time_it(c.fn, repeats);
            char note[64] = "";
            if (std::string(c.label) == "auc(y, s)") std::snprintf(note, sizeof note, "auc=%.4f", auc);
            if (std::string(c.label) == "compute_roc(y, s)") std::snprintf(note, sizeof note, "%zu pts", pts);
            std::printf("%-42s %9zu %7.3f %8.3f %7.3f %9.3f  %s\n", c.label, n, t.lo, t.med, t.hi, t.cpu, note);
            std::fflush(stdout);
        }
    }
    return 0;
}
