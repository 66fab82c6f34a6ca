// SPDX-License-Identifier: MIT
// stats_probe - a test-only entry point into jetml/stats for the python reference tests
// (test/python/test_stats_scipy.py). Not installed, not a user tool. Reads one request on stdin:
//   fit FORM SQRT_S N            then N lines "x y sigma"      (dijet fit of given points)
//   predict FORM SQRT_S NBINS FIRST BINS SIDEBAND SIDEBANDS_ONLY RULE
//                                 then NBINS+1 edges, then NBINS counts
//   z N B SIGMA                   (significances)
// and prints "key value..." lines with round-trip doubles.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "jetml/core/error.hpp"
#include "jetml/stats/dijet.hpp"
#include "jetml/stats/fit.hpp"
#include "jetml/stats/histogram.hpp"
#include "jetml/stats/significance.hpp"

using namespace jetml;
using namespace jetml::stats;

namespace {
void put(const char* key, const std::vector<double>& v) {
    std::printf("%s", key);
    for (double x : v) std::printf(" %.17g", x);
    std::printf("\n");
}
void put(const char* key, double v) { put(key, std::vector<double>{v}); }
void put_fit(const lsq_result& r) {
    put("par", r.par);
    put("cov", r.cov);
    put("chi2", r.chi2);
    put("ndf", r.ndf);
    put("converged", r.converged ? 1 : 0);
    put("iterations", r.iterations);
    std::printf("reason %s\n", r.reason.c_str());
}
}  // namespace

int main() {
    std::string what;
    std::cin >> what;
    try {
        if (what == "fit") {
            std::string form;
            double sqrt_s;
            std::size_t n;
            std::cin >> form >> sqrt_s >> n;
            std::vector<double> x(n), y(n), s(n);
            for (std::size_t i = 0; i < n; ++i) std::cin >> x[i] >> y[i] >> s[i];
            if (!std::cin) throw error("bad input");
            dijet_function f{parse_dijet_form(form), sqrt_s};
            auto p0 = dijet_start(f, x, y, s);
            put("start", p0);
            put_fit(fit_least_squares(f.model(), x, y, s, p0));
        } else if (what == "predict") {
            std::string form, rule;
            double sqrt_s;
            std::size_t nb, first, bins, sideband;
            int sb_only;
            std::cin >> form >> sqrt_s >> nb >> first >> bins >> sideband >> sb_only >> rule;
            std::vector<double> edges(nb + 1), counts(nb);
            for (auto& e : edges) std::cin >> e;
            for (auto& c : counts) std::cin >> c;
            if (!std::cin) throw error("bad input");
            histogram h = make_histogram(edges);
            h.sumw = counts;
            h.sumw2 = counts;
            signal_region sr{first, bins, sideband};
            background_fit_options o;
            o.function = dijet_function{parse_dijet_form(form), sqrt_s};
            o.sidebands_only = sb_only != 0;
            o.rule = rule == "integral" ? bin_count_rule::integral : bin_count_rule::centre_times_width;
            auto bp = predict_background(h, sr, o);
            put("ok", bp.ok ? 1 : 0);
            std::printf("why %s\n", bp.reason.c_str());
            put_fit(bp.fit);
            put("observed", bp.observed);
            put("expected", bp.expected);
            put("sigma", bp.sigma);
            put("bin_expected", bp.bin_expected);
            put("bin_sigma", bp.bin_sigma);
        } else if (what == "z") {
            double n, b, s;
            std::cin >> n >> b >> s;
            auto g = profile_significance(n, b, s);
            auto o = onoff_significance(n, b, s);
            put("gauss", {g.q0, g.z, g.p0, g.lambda0});
            put("onoff", {o.q0, o.z, o.p0, o.lambda0});
            put("cowan", z_asimov_onoff(n - b, b, s));
            put("poisson", z_poisson(n, b));
        } else {
            throw error("unknown request '" + what + "'");
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "stats_probe: %s\n", e.what());
        return 1;
    }
    return 0;
}
