// SPDX-License-Identifier: MIT
// jetml/stats/decorrelation.cpp - decorrelation metrics, DDT and planing (see decorrelation.hpp).
#include "jetml/stats/decorrelation.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "jetml/core/error.hpp"
#include "jetml/nn/disco.hpp"
#include "jetml/stats/metrics.hpp"

namespace jetml::stats {
namespace {

double weight_of(const std::vector<float>& w, std::size_t i) { return w.empty() ? 1.0 : double(w[i]); }

std::vector<double> side_histogram(const std::vector<float>& side, const std::vector<double>& wt, std::size_t bins,
                                   double lo, double hi) {
    std::vector<double> h(bins, 0.0);
    for (std::size_t i = 0; i < side.size(); ++i) {
        if (wt[i] == 0 || !(side[i] >= lo) || !(side[i] < hi)) continue;
        std::size_t b = std::size_t((side[i] - lo) / (hi - lo) * double(bins));
        h[std::min(b, bins - 1)] += wt[i];
    }
    return h;
}

}  // namespace

double threshold_at_signal_eff(const std::vector<float>& s, const std::vector<float>& y, const std::vector<float>& w,
                               double eff_s) {
    std::vector<std::size_t> idx;
    double total = 0;
    for (std::size_t i = 0; i < s.size(); ++i)
        if (y[i] >= 0.5f) idx.push_back(i), total += weight_of(w, i);
    if (idx.empty() || !(total > 0)) throw error("no signal rows with positive weight to set the cut at a signal efficiency");
    std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return s[a] > s[b]; });
    double cum = 0;
    for (std::size_t i : idx) {
        cum += weight_of(w, i);
        if (cum >= eff_s * total * (1 - 1e-12)) return s[i];
    }
    return s[idx.back()];
}

double pass_fraction(const std::vector<float>& s, const std::vector<float>& y, const std::vector<float>& w, double c,
                     int label) {
    double pass = 0, all = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if ((y[i] >= 0.5f) != (label == 1)) continue;
        all += weight_of(w, i);
        if (s[i] >= c) pass += weight_of(w, i);
    }
    return all > 0 ? pass / all : NAN;
}

double jsd(const std::vector<double>& p, const std::vector<double>& q) {
    const double sp = std::accumulate(p.begin(), p.end(), 0.0), sq = std::accumulate(q.begin(), q.end(), 0.0);
    if (!(sp > 0) || !(sq > 0)) return 0;
    double d = 0;
    for (std::size_t i = 0; i < p.size(); ++i) {
        const double a = p[i] / sp, b = q[i] / sq, m = 0.5 * (a + b);
        if (a > 0) d += 0.5 * a * std::log2(a / m);
        if (b > 0) d += 0.5 * b * std::log2(b / m);
    }
    return std::max(d, 0.0);
}

double ks_distance(std::vector<float> a, std::vector<float> wa, std::vector<float> b, std::vector<float> wb) {
    if (a.empty() || b.empty()) return 0;
    auto order = [](std::vector<float>& v, std::vector<float>& w) {
        if (w.empty()) w.assign(v.size(), 1.0f);
        std::vector<std::size_t> idx(v.size());
        std::iota(idx.begin(), idx.end(), 0);
        std::stable_sort(idx.begin(), idx.end(), [&](std::size_t i, std::size_t j) { return v[i] < v[j]; });
        std::vector<float> v2(v.size()), w2(v.size());
        double tot = 0;
        for (std::size_t k = 0; k < idx.size(); ++k) v2[k] = v[idx[k]], w2[k] = w[idx[k]], tot += w2[k];
        v.swap(v2), w.swap(w2);
        return tot;
    };
    const double ta = order(a, wa), tb = order(b, wb);
    if (!(ta > 0) || !(tb > 0)) return 0;
    double fa = 0, fb = 0, d = 0;
    std::size_t i = 0, j = 0;
    while (i < a.size() || j < b.size()) {
        const float x = j >= b.size() || (i < a.size() && a[i] <= b[j]) ? a[i] : b[j];
        while (i < a.size() && a[i] == x) fa += wa[i++];
        while (j < b.size() && b[j] == x) fb += wb[j++];
        d = std::max(d, std::fabs(fa / ta - fb / tb));
    }
    return d;
}

double ams(double s, double b, double sb) {
    if (!(b > 0)) return NAN;
    if (sb <= 0) return std::sqrt(std::max(0.0, 2 * ((s + b) * std::log(1 + s / b) - s)));
    const double s2 = sb * sb;
    const double b0 = 0.5 * (b - s2 + std::sqrt((b - s2) * (b - s2) + 4 * (s + b) * s2));
    return std::sqrt(std::max(0.0, 2 * ((s + b) * std::log((s + b) / b0) - s - b + b0) + (b - b0) * (b - b0) / s2));
}

decor_summary summarise(const std::vector<float>& s, const std::vector<float>& y, const std::vector<float>& w,
                        const std::vector<float>& side, const decor_summary_options& o) {
    const std::size_t n = s.size();
    decor_summary r;
    r.auc = jetml::auc(s.data(), y.data(), n, w.empty() ? nullptr : w.data());
    r.threshold = threshold_at_signal_eff(s, y, w, o.eff_s);
    const double eb = pass_fraction(s, y, w, r.threshold, 0);
    r.rejection = eb > 0 ? 1 / eb : INFINITY;
    // passing and failing background side-variable histograms
    std::vector<double> wp(n, 0.0), wf(n, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
        if (y[i] >= 0.5f) continue;
        (s[i] >= r.threshold ? wp : wf)[i] = weight_of(w, i);
    }
    const double d = jsd(side_histogram(side, wp, o.bins, o.lo, o.hi), side_histogram(side, wf, o.bins, o.lo, o.hi));
    r.inv_jsd = d > 0 ? 1 / d : INFINITY;
    // dCorr^2 on (a subsample of) the background
    std::vector<std::size_t> bkg;
    for (std::size_t i = 0; i < n; ++i)
        if (y[i] < 0.5f) bkg.push_back(i);
    const std::size_t m = std::min(bkg.size(), o.dcorr_rows);
    std::vector<float> xs(m), ws(m);
    std::vector<double> ss(m);
    for (std::size_t k = 0; k < m; ++k) {
        const std::size_t i = bkg[k * bkg.size() / m];
        xs[k] = side[i], ss[k] = s[i], ws[k] = float(weight_of(w, i));
    }
    r.dcorr2 = nn::distance_corr2(xs.data(), ss.data(), ws.data(), m, nullptr);
    // score distributions per nuisance value or slice
    std::vector<std::vector<float>> sv, sw;
    double half = 0;  // the half width of a continuous nuisance's slices
    if (o.categorical) {
        std::vector<float> vals;
        for (std::size_t i = 0; i < n; ++i)
            if (!o.ks_background_only || y[i] < 0.5f) vals.push_back(side[i]);
        std::sort(vals.begin(), vals.end());
        vals.erase(std::unique(vals.begin(), vals.end()), vals.end());
        for (float v : vals) r.slice_values.push_back(v);
    } else {
        double sum = 0, sum2 = 0, cnt = 0;
        for (std::size_t i = 0; i < n; ++i)
            if (!o.ks_background_only || y[i] < 0.5f) sum += side[i], sum2 += double(side[i]) * side[i], cnt += 1;
        const double mean = cnt > 0 ? sum / cnt : 0, sd = cnt > 1 ? std::sqrt(std::max(0.0, sum2 / cnt - mean * mean)) : 0;
        for (int k = -1; k <= 1; ++k) r.slice_values.push_back(mean + k * sd);
        half = 0.1 * sd;
    }
    sv.resize(r.slice_values.size()), sw.resize(r.slice_values.size());
    for (std::size_t i = 0; i < n; ++i) {
        if (o.ks_background_only && y[i] >= 0.5f) continue;
        for (std::size_t k = 0; k < r.slice_values.size(); ++k)
            if (o.categorical ? side[i] == float(r.slice_values[k]) : std::fabs(side[i] - r.slice_values[k]) <= half) {
                sv[k].push_back(s[i]);
                sw[k].push_back(float(weight_of(w, i)));
            }
    }
    for (std::size_t a = 0; a < sv.size(); ++a)
        for (std::size_t b = a + 1; b < sv.size(); ++b) r.max_ks = std::max(r.max_ks, ks_distance(sv[a], sw[a], sv[b], sw[b]));
    return r;
}

ddt_fit fit_ddt(const std::vector<float>& tau21, const std::vector<float>& m, const std::vector<float>& pt,
                const std::vector<float>& y, const std::vector<float>& w, double rho_lo, double rho_hi) {
    double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    ddt_fit f;
    for (std::size_t i = 0; i < tau21.size(); ++i) {
        if (y[i] >= 0.5f || !(m[i] > 0) || !(pt[i] > 0) || !std::isfinite(tau21[i])) continue;
        const double rho = std::log(double(m[i]) * m[i] / double(pt[i]));
        if (rho < rho_lo || rho > rho_hi) continue;
        const double wi = weight_of(w, i);
        sw += wi, sx += wi * rho, sy += wi * tau21[i], sxx += wi * rho * rho, sxy += wi * rho * tau21[i];
        ++f.rows;
    }
    const double den = sw * sxx - sx * sx;
    if (f.rows < 2 || !(den > 1e-12 * sw * sw))
        throw error("the DDT fit needs background rows with at least 2 distinct rho' in [" + std::to_string(rho_lo) +
                    ", " + std::to_string(rho_hi) + "]");
    f.slope = (sw * sxy - sx * sy) / den;
    f.intercept = (sy - f.slope * sx) / sw;
    return f;
}

std::vector<float> ddt_transform(const std::vector<float>& tau21, const std::vector<float>& m,
                                 const std::vector<float>& pt, double slope) {
    std::vector<float> out(tau21.size());
    for (std::size_t i = 0; i < out.size(); ++i)
        out[i] = m[i] > 0 && pt[i] > 0 ? float(tau21[i] - slope * std::log(double(m[i]) * m[i] / double(pt[i]))) : NAN;
    return out;
}

std::vector<float> planing_weights(const std::vector<float>& side, const std::vector<float>& y,
                                   const std::vector<float>& w, std::size_t bins, double lo, double hi,
                                   const std::string& mode) {
    if (mode != "flat" && mode != "match") throw usage_error("--plane must be flat or match, got '" + mode + "'");
    const std::size_t n = side.size();
    std::vector<double> w0(n, 0.0), w1(n, 0.0);
    for (std::size_t i = 0; i < n; ++i) (y[i] >= 0.5f ? w1 : w0)[i] = weight_of(w, i);
    const auto h0 = side_histogram(side, w0, bins, lo, hi), h1 = side_histogram(side, w1, bins, lo, hi);
    std::vector<double> out(n, 0.0);
    double tot[2] = {0, 0}, now[2] = {0, 0};
    for (std::size_t i = 0; i < n; ++i) {
        const int c = y[i] >= 0.5f ? 1 : 0;
        tot[c] += weight_of(w, i);
        if (!(side[i] >= lo) || !(side[i] < hi)) continue;
        const std::size_t b = std::min(std::size_t((side[i] - lo) / (hi - lo) * double(bins)), bins - 1);
        const double hc = c ? h1[b] : h0[b];
        if (!(hc > 0)) continue;
        if (mode == "flat")
            out[i] = weight_of(w, i) / hc;
        else
            out[i] = c ? weight_of(w, i) * h0[b] / hc : weight_of(w, i);
        now[c] += out[i];
    }
    std::vector<float> r(n);
    for (std::size_t i = 0; i < n; ++i) {
        const int c = y[i] >= 0.5f ? 1 : 0;
        r[i] = now[c] > 0 ? float(out[i] * tot[c] / now[c]) : 0.0f;
    }
    return r;
}

}  // namespace jetml::stats
