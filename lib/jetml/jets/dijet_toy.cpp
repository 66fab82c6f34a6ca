// SPDX-License-Identifier: MIT
// jetml/jets/dijet_toy.cpp - toy dijet events (see dijet_toy.hpp for the model).
#include "jetml/jets/dijet_toy.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "jetml/core/error.hpp"
#include "jetml/core/rng.hpp"
#include "jetml/jets/toy.hpp"

namespace jetml {

namespace {
const std::uint64_t stream_salt = 0xD1E7D1E7C0FFEEull;  // keeps these streams apart from jet mode's

double logistic(double v) { return 1.0 / (1.0 + std::exp(-v)); }

// x from x^-p3 on [a, b] by inversion of its CDF
double power_law(rng& g, double p3, double a, double b) {
    const double u = g.uniform();
    if (std::fabs(p3 - 1) < 1e-12) return a * std::pow(b / a, u);
    const double e = 1 - p3, lo = std::pow(a, e), hi = std::pow(b, e);
    return std::pow(lo + u * (hi - lo), 1 / e);
}

std::string num(double v) {
    char b[40];
    std::snprintf(b, sizeof b, "%g", v);
    return b;
}
}  // namespace

std::string dijet_toy_params::description() const {
    char b[400];
    std::snprintf(b, sizeof b,
                  "toy dijet events: mjj in [%g, %g] GeV from (1-x)^%g x^-%g (x = mjj/%g GeV); signal mjj %g +- %g GeV, "
                  "jets %g and %g GeV",
                  mjj_min, mjj_max, p2, p3, sqrt_s, signal_mass, signal_width, mx, my);
    return b;
}

const std::vector<std::string>& dijet_toy_columns() {
    static const std::vector<std::string> c = {"mjj", "mj1", "mj2", "delta_mj", "tau21_1", "tau21_2", "label"};
    return c;
}

void check_dijet_toy_params(const dijet_toy_params& p) {
    if (!(std::isfinite(p.sqrt_s) && p.sqrt_s > 0)) throw usage_error("--sqrt-s must be positive");
    if (!(p.mjj_min > 0 && p.mjj_max > p.mjj_min && p.mjj_max < p.sqrt_s))
        throw usage_error("--mjj-min and --mjj-max need 0 < min < max < sqrt(s) = " + num(p.sqrt_s) + " GeV, got [" +
                          num(p.mjj_min) + ", " + num(p.mjj_max) + "]");
    if (!(std::isfinite(p.p2) && p.p2 >= 0)) throw usage_error("--shape: p2 must be >= 0, got " + num(p.p2));
    if (!(std::isfinite(p.p3) && p.p3 > 0)) throw usage_error("--shape: p3 must be > 0, got " + num(p.p3));
    if (!(std::isfinite(p.signal_width) && p.signal_width > 0))
        throw usage_error("--signal-width must be positive, got " + num(p.signal_width));
    if (!(p.signal_mass >= p.mjj_min && p.signal_mass <= p.mjj_max))
        throw usage_error("--signal-mass " + num(p.signal_mass) + " is outside the mjj range [" + num(p.mjj_min) + ", " +
                          num(p.mjj_max) + "]");
    if (!(p.mx > 0 && p.my > 0 && std::isfinite(p.mx) && std::isfinite(p.my)))
        throw usage_error("--mx and --my must be positive, got " + num(p.mx) + " and " + num(p.my));
    if (!(p.mx + p.my < p.signal_mass)) throw usage_error("--mx + --my must be below --signal-mass");
    if (!(p.mass_resolution >= 0 && p.mass_resolution < 1))
        throw usage_error("--mass-resolution must be in [0, 1), got " + num(p.mass_resolution));
}

void dijet_toy_event(const dijet_toy_params& p, bool signal, std::uint64_t seed, std::uint64_t index, double* row) {
    rng g(seed ^ stream_salt, index);
    double mjj, ma, mb, ta, tb;
    if (!signal) {
        const double xmin = p.mjj_min / p.sqrt_s, xmax = p.mjj_max / p.sqrt_s;
        double x;
        for (;;) {  // acceptance >= (1 - x_max)^p2 / (1 - x_min)^p2 per try at worst; typically ~0.5-0.9
            x = power_law(g, p.p3, xmin, xmax);
            if (p.p2 == 0 || g.uniform() < std::pow((1 - x) / (1 - xmin), p.p2)) break;
        }
        mjj = x * p.sqrt_s;
        const double median = 80.0 * std::pow(mjj / 3000.0, 0.4), cap = 0.25 * mjj;
        auto mass = [&] { return std::min(cap, std::max(1.0, median * std::exp(0.55 * g.normal()))); };
        auto tau = [&](double m) { return logistic(0.62 - 0.15 * std::log(m / 80.0) + 0.5 * g.normal()); };
        ma = mass();
        mb = mass();
        ta = tau(ma);
        tb = tau(mb);
    } else {
        do mjj = p.signal_mass + p.signal_width * g.normal();
        while (!(mjj >= p.mjj_min && mjj <= p.mjj_max));
        ma = std::max(1.0, p.mx * (1 + p.mass_resolution * g.normal()));
        mb = std::max(1.0, p.my * (1 + p.mass_resolution * g.normal()));
        ta = logistic(-0.85 + 0.4 * g.normal());
        tb = logistic(-0.85 + 0.4 * g.normal());
    }
    if (ma > mb) std::swap(ma, mb), std::swap(ta, tb);
    row[0] = mjj;
    row[1] = ma;
    row[2] = mb;
    row[3] = mb - ma;
    row[4] = ta;
    row[5] = tb;
    row[6] = signal ? 1.0 : 0.0;
}

dijet_toy_generator::dijet_toy_generator(const dijet_toy_params& p, std::uint64_t n_background, std::uint64_t n_signal,
                                         std::uint64_t seed)
    : p_(p), n_(n_background + n_signal), n_signal_(n_signal), seed_(seed) {
    check_dijet_toy_params(p);
}

void dijet_toy_generator::rows(std::uint64_t first, std::size_t count, double* out) const {
    if (first + count > n_) throw error("dijet toy: rows past the end of the table");
    const index_permutation perm(n_ ? n_ : 1, seed_ ^ 0x5EED5EEDull);
    const long long m = static_cast<long long>(count);
#pragma omp parallel for schedule(static)
    for (long long k = 0; k < m; ++k) {
        const std::uint64_t i = first + std::uint64_t(k);
        dijet_toy_event(p_, perm(i) < n_signal_, seed_, i, out + std::size_t(k) * dijet_toy_ncols);
    }
}

}  // namespace jetml
