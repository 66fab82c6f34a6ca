// SPDX-License-Identifier: MIT
// bench_bdt: jetml's histogram gradient boosting (trees::fit_booster) and its fast scorer on
// the data bdt_compare.py hands to the peers (XGBoost hist, scikit-learn HistGradientBoosting).
// Usage: bench_bdt X.npy Y.npy TREES DEPTH THREADS
// X (N, D) float32, Y (N,) 0/1. Trains TREES rounds of depth DEPTH (lr 0.1, lambda 1, 255
// bins, min child weight 1, no validation), then scores X. Prints one line:
//   train_s=T predict_s=P auc_train=A  (wall seconds; binning is inside the training time)
#include <omp.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "jetml/data/labelled.hpp"
#include "jetml/io/npy.hpp"
#include "jetml/stats/metrics.hpp"
#include "jetml/trees/bdt_file.hpp"
#include "jetml/trees/booster.hpp"

int main(int argc, char** argv) {
    if (argc != 6) {
        std::fprintf(stderr, "usage: bench_bdt X.npy Y.npy TREES DEPTH THREADS\n");
        return 2;
    }
    using namespace jetml;
    omp_set_num_threads(std::atoi(argv[5]));
    auto x = load_npy<float>(argv[1]);
    auto y = load_npy<float>(argv[2]);
    data::labelled_set tr;
    tr.n = x.shape[0], tr.size = x.shape[1], tr.shape = {x.shape[1]};
    tr.x = std::move(x.data), tr.y = std::move(y.data), tr.w.assign(tr.n, 1.0f);
    trees::booster_params p;
    p.trees = std::size_t(std::atoi(argv[3]));
    p.max_depth = std::size_t(std::atoi(argv[4]));
    p.patience = 0;
    auto t0 = std::chrono::steady_clock::now();
    trees::boost_result r = trees::fit_booster(tr, data::labelled_set(), p);
    auto t1 = std::chrono::steady_clock::now();
    trees::bdt_meta meta;
    meta.input_shape = tr.shape;
    meta.params = p;
    trees::bdt_scorer sc(r.model, meta, {}, "");
    std::vector<float> s(tr.n);
    auto t2 = std::chrono::steady_clock::now();
    sc.score(tr.x.data(), tr.n, s.data());
    auto t3 = std::chrono::steady_clock::now();
    std::printf("train_s=%.4f predict_s=%.4f auc_train=%.5f\n", std::chrono::duration<double>(t1 - t0).count(),
                std::chrono::duration<double>(t3 - t2).count(), jetml::auc(s.data(), tr.y.data(), tr.n));
    return 0;
}
