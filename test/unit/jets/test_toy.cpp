// SPDX-License-Identifier: MIT
// Unit tests of jetml/toy (jetgen's physics) and jetml/rng.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "jetml/core/error.hpp"
#include "jetml/core/rng.hpp"
#include "jetml/jets/toy.hpp"

using namespace jetml;

namespace {
/// Invariant mass of a set of (pT, eta, phi, m) particles.
double jet_mass(const std::vector<toy_particle>& j) {
    double px = 0, py = 0, pz = 0, e = 0;
    for (auto& p : j) {
        double pzi = p.pt * std::sinh(p.eta);
        px += p.pt * std::cos(p.phi);
        py += p.pt * std::sin(p.phi);
        pz += pzi;
        e += std::sqrt(p.pt * p.pt + pzi * pzi + p.m * p.m);
    }
    return std::sqrt(std::max(0.0, e * e - px * px - py * py - pz * pz));
}
double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}
}  // namespace

TEST_CASE("rng: same seed and stream give the same numbers; streams differ") {
    rng a(7, 3), b(7, 3), c(7, 4), d(8, 3);
    std::uint64_t x = a.next();
    CHECK(x == b.next());
    CHECK(x != c.next());
    CHECK(x != d.next());
}

TEST_CASE("rng: uniform and normal have the right moments") {
    rng r(1);
    const int n = 200000;
    double s = 0, s2 = 0, u = 0;
    for (int i = 0; i < n; ++i) {
        double z = r.normal();
        s += z;
        s2 += z * z;
        u += r.uniform();
    }
    // 5 standard errors: sd(mean) = 1/sqrt(n) = 0.0022; sd(var) ~ sqrt(2/n) = 0.0032; sd(u mean) = 0.00065
    CHECK(std::abs(s / n) < 0.011);
    CHECK(std::abs(s2 / n - 1) < 0.016);
    CHECK(std::abs(u / n - 0.5) < 0.0033);
    double p = 0;
    for (int i = 0; i < n / 10; ++i) p += static_cast<double>(r.poisson(3.5));
    CHECK(std::abs(p / (n / 10) - 3.5) < 0.03);  // sd(mean) = sqrt(3.5/20000) = 0.013
}

TEST_CASE("toy: index_permutation is a bijection for awkward sizes") {
    for (std::uint64_t n : {1ull, 2ull, 3ull, 17ull, 1000ull, 4097ull}) {
        index_permutation p(n, 99);
        std::set<std::uint64_t> seen;
        for (std::uint64_t i = 0; i < n; ++i) seen.insert(p(i));
        CHECK(seen.size() == n);
        CHECK(*seen.rbegin() == n - 1);
    }
}

TEST_CASE("toy: a jet depends only on (seed, index)") {
    toy_params par;
    auto a = toy_jet(toy_process::w, par, 5, 123);
    auto b = toy_jet(toy_process::w, par, 5, 123);
    auto c = toy_jet(toy_process::w, par, 5, 124);
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i].pt == b[i].pt);
    CHECK((a.size() != c.size() || a[0].pt != c[0].pt));
}

TEST_CASE("toy: particles are sorted, inside R, phi in (-pi, pi]") {
    toy_params par;
    par.radius = 0.8;
    par.pileup = 5;
    for (auto proc : {toy_process::qcd, toy_process::w, toy_process::top}) {
        for (std::uint64_t i = 0; i < 50; ++i) {
            auto j = toy_jet(proc, par, 1, i);
            for (std::size_t k = 0; k < j.size(); ++k) {
                CHECK(j[k].pt > 0);
                CHECK(j[k].phi > -M_PI);
                CHECK(j[k].phi <= M_PI);
                if (k) CHECK(j[k].pt <= j[k - 1].pt);
            }
        }
    }
}

TEST_CASE("toy: W jets peak near the W mass, QCD jet masses fall, W are more massive") {
    // The toy must separate W from QCD the way real jets do (issue: W mass peak near 80 GeV).
    toy_params par;
    std::vector<double> mw, mq;
    int w_window = 0, q_window = 0;
    for (std::uint64_t i = 0; i < 2000; ++i) {
        double a = jet_mass(toy_jet(toy_process::w, par, 3, i));
        double b = jet_mass(toy_jet(toy_process::qcd, par, 3, i));
        mw.push_back(a);
        mq.push_back(b);
        w_window += a > 65 && a < 105;
        q_window += b > 65 && b < 105;
    }
    double med_w = median(mw), med_q = median(mq);
    MESSAGE("median mass W ", med_w, " QCD ", med_q, "; in 65-105 GeV: W ", w_window, " QCD ", q_window);
    CHECK(med_w > 75);
    CHECK(med_w < 95);
    CHECK(med_q < 65);
    CHECK(w_window > 1200);         // most W jets sit in the W window ...
    CHECK(q_window < w_window / 2);  // ... far more than QCD jets do
    // the QCD spectrum falls above its peak: 60-90 GeV holds more jets than 120-150 GeV
    auto count = [&](double lo, double hi) { return std::count_if(mq.begin(), mq.end(), [&](double m) { return m >= lo && m < hi; }); };
    CHECK(count(60, 90) > 2 * count(120, 150));
}

TEST_CASE("toy: unknown process names are usage errors") {
    CHECK(parse_toy_process("top") == toy_process::top);
    CHECK_THROWS_AS(parse_toy_process("higgs"), usage_error);
    CHECK(toy_process_label(toy_process::w) == 1);
    CHECK(toy_process_label(toy_process::gluon) == 0);
}
