// SPDX-License-Identifier: MIT
// bench_cluster - jetml's clustering against FastJet 3.4 (strategy Best), side by side.
//
// Events: as /work/shared/bench/fastjet_bench.cc: N massless particles, eta ~ U[-2.5, 2.5],
// phi ~ U[0, 2pi), pT ~ 0.1 + Exp(mean 10) GeV; 64 distinct events per N, cycled.
// Timed unit (both libraries): build the cluster sequence from the particle list and take the
// inclusive jets sorted by pT. Event generation is excluded.
// Each case alternates jetml and FastJet in REPEATS rounds of >= 0.2 s each and keeps each
// library's fastest round.
// THREADS = 1: both on one thread, timed in process CPU time (time spent descheduled on a shared
// machine does not count).
// THREADS > 1: jetml clusters different events on THREADS OpenMP threads (one cluster sequence
// per event and thread), FastJet on one thread; both timed in wall-clock time, so the ratio
// shows what the threads buy, and only on an otherwise idle machine (a shared one, especially
// with the kernel's per-session "autogroup" scheduling, may not give the process more than one
// core's worth, whatever its thread count).
// Output: one CSV line per case,
//   name,n,R,threads,jetml_us_per_event,fastjet_us_per_event,ratio
// with ratio = fastjet_us_per_event / jetml_us_per_event (> 1 means jetml is faster).
// Usage: bench_cluster [REPEATS=5] [algorithm: antikt|kt|cam] [THREADS=1]
#include <fastjet/ClusterSequence.hh>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "jetml/jets/cluster.hpp"

namespace {

double cpu_now() {
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

std::vector<jetml::fourvec> random_event(std::mt19937_64& rng, int n) {
    std::uniform_real_distribution<double> ueta(-2.5, 2.5), uphi(0.0, 2 * M_PI);
    std::exponential_distribution<double> ept(1.0 / 10.0);
    std::vector<jetml::fourvec> v;
    v.reserve(n);
    for (int i = 0; i < n; ++i) {
        const double pt = 0.1 + ept(rng), eta = ueta(rng), phi = uphi(rng);
        v.emplace_back(pt * std::cos(phi), pt * std::sin(phi), pt * std::sinh(eta), pt * std::cosh(eta));
    }
    return v;
}

volatile std::size_t sink = 0;  // keeps the optimiser from dropping the work

double wall_now() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

/// Seconds per event over `count` events (cycling), for either library: CPU time on one thread;
/// with threads > 1, wall time of an OpenMP loop over the events.
template <class F>
double time_per_event(F&& one, std::size_t nevents, long count, int threads = 1) {
    if (threads <= 1) {
        const double t0 = cpu_now();
        for (long i = 0; i < count; ++i) sink = sink + one(static_cast<std::size_t>(i) % nevents);
        return (cpu_now() - t0) / static_cast<double>(count);
    }
    std::size_t s = 0;
    const double t0 = wall_now();
#pragma omp parallel for num_threads(threads) schedule(dynamic, 4) reduction(+ : s)
    for (long i = 0; i < count; ++i) s += one(static_cast<std::size_t>(i) % nevents);
    sink = sink + s;
    return (wall_now() - t0) / static_cast<double>(count);
}
/// Wall seconds per event on this thread (the one-thread FastJet side of a threaded case).
template <class F>
double wall_per_event(F&& one, std::size_t nevents, long count) {
    const double t0 = wall_now();
    for (long i = 0; i < count; ++i) sink = sink + one(static_cast<std::size_t>(i) % nevents);
    return (wall_now() - t0) / static_cast<double>(count);
}

}  // namespace

int main(int argc, char** argv) {
    const int repeats = argc > 1 ? std::atoi(argv[1]) : 5;
    const std::string algname = argc > 2 ? argv[2] : "antikt";
    const int threads = argc > 3 ? std::atoi(argv[3]) : 1;
    if (threads < 1) {
        std::fprintf(stderr, "bench_cluster: THREADS must be >= 1\n");
        return 2;
    }
    jetml::jet_algorithm jalg = jetml::jet_algorithm::antikt;
    fastjet::JetAlgorithm falg = fastjet::antikt_algorithm;
    if (algname == "kt") {
        jalg = jetml::jet_algorithm::kt;
        falg = fastjet::kt_algorithm;
    } else if (algname == "cam") {
        jalg = jetml::jet_algorithm::cambridge;
        falg = fastjet::cambridge_algorithm;
    } else if (algname != "antikt") {
        std::fprintf(stderr, "bench_cluster: unknown algorithm '%s' (antikt, kt, cam)\n", algname.c_str());
        return 2;
    }
    fastjet::ClusterSequence::set_fastjet_banner_stream(&std::cerr);
    std::printf("name,n,R,threads,jetml_us_per_event,fastjet_us_per_event,ratio\n");
    std::fflush(stdout);
    std::mt19937_64 rng(12345);
    for (int n : {50, 100, 200, 500, 1000, 5000}) {
        std::vector<std::vector<jetml::fourvec>> jev;
        std::vector<std::vector<fastjet::PseudoJet>> fev;
        for (int k = 0; k < 64; ++k) {
            jev.push_back(random_event(rng, n));
            std::vector<fastjet::PseudoJet> f;
            f.reserve(n);
            for (const auto& p : jev.back()) f.emplace_back(p.px(), p.py(), p.pz(), p.E());
            fev.push_back(std::move(f));
        }
        for (double R : {0.4, 1.0}) {
            const jetml::jet_definition jd(jalg, R);
            const fastjet::JetDefinition fd(falg, R);
            auto run_jetml = [&](std::size_t i) {
                jetml::cluster_sequence cs(jev[i], jd);
                return jetml::sorted_by_pt(cs.inclusive_jets()).size();
            };
            auto run_fastjet = [&](std::size_t i) {
                fastjet::ClusterSequence cs(fev[i], fd);
                return fastjet::sorted_by_pt(cs.inclusive_jets()).size();
            };
            // sanity: same number of jets on every event
            for (std::size_t i = 0; i < jev.size(); ++i)
                if (run_jetml(i) != run_fastjet(i)) {
                    std::fprintf(stderr, "bench_cluster: jet count differs from FastJet (n=%d, R=%g, event %zu)\n", n, R, i);
                    return 1;
                }
            // calibrate the number of events per round (>= 0.2 s, >= one pass over the events)
            const double per = time_per_event(run_fastjet, jev.size(), static_cast<long>(jev.size()));
            const long count = std::max<long>(static_cast<long>(jev.size()), static_cast<long>(0.2 / std::max(per, 1e-9)));
            double best_j = 1e30, best_f = 1e30;
            for (int r = 0; r < repeats; ++r) {
                best_j = std::min(best_j, time_per_event(run_jetml, jev.size(), count * threads, threads));
                best_f = std::min(best_f, threads == 1 ? time_per_event(run_fastjet, jev.size(), count)
                                                       : wall_per_event(run_fastjet, jev.size(), count));
            }
            std::printf("%s_inclusive,%d,%g,%d,%.2f,%.2f,%.3f\n", algname.c_str(), n, R, threads, best_j * 1e6, best_f * 1e6,
                        best_f / best_j);
            std::fflush(stdout);
        }
    }
    return 0;
}
