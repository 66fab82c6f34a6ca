// SPDX-License-Identifier: MIT
// jetml/stats/working_points.cpp - numbers read off a ROC curve (working points, partial AUC, SIC, summary) and their bootstrap.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "jetml/core/error.hpp"
#include "jetml/core/rng.hpp"
#include "jetml/io/csv.hpp"
#include "jetml/stats/metrics.hpp"

namespace jetml {

namespace {
constexpr double inf = std::numeric_limits<double>::infinity();
constexpr double nan = std::numeric_limits<double>::quiet_NaN();
}  // namespace

// ---------------------------------------------------------------- derived numbers

double eff_b_at_eff_s(const roc_curve& c, double x) {
    double best = inf;
    const std::size_t m = c.size();
    for (std::size_t i = 0; i < m; ++i) {
        const double t = c.tpr(i), f = c.fpr(i);
        if (t >= x) best = std::min(best, f);
        if (i + 1 < m) {
            const double t1 = c.tpr(i + 1), f1 = c.fpr(i + 1);
            if ((t < x && t1 > x) || (t > x && t1 < x))  // the segment crosses eps_S = x
                best = std::min(best, f + (x - t) * (f1 - f) / (t1 - t));
        }
    }
    return best == inf ? nan : best;
}

double eff_s_at_eff_b(const roc_curve& c, double y) {
    double best = -inf;
    const std::size_t m = c.size();
    for (std::size_t i = 0; i < m; ++i) {
        const double t = c.tpr(i), f = c.fpr(i);
        if (f <= y) best = std::max(best, t);
        if (i + 1 < m) {
            const double t1 = c.tpr(i + 1), f1 = c.fpr(i + 1);
            if ((f < y && f1 > y) || (f > y && f1 < y))  // the segment crosses eps_B = y
                best = std::max(best, t + (y - f) * (t1 - t) / (f1 - f));
        }
    }
    return best == -inf ? nan : best;
}

partial_auc_result partial_auc(const roc_curve& c, double max_fpr) {
    if (!(max_fpr > 0 && max_fpr <= 1)) throw usage_error("max_fpr must be in (0, 1], got " + format_double(max_fpr));
    const std::size_t m = c.size();
    std::vector<double> fpr(m), tpr(m);
    for (std::size_t i = 0; i < m; ++i) {
        fpr[i] = c.fpr(i);
        tpr[i] = c.tpr(i);
    }
    partial_auc_result res;
    auto trapz = [](const std::vector<double>& x, const std::vector<double>& y) {
        double s = 0;
        for (std::size_t i = 0; i + 1 < x.size(); ++i) s += (x[i + 1] - x[i]) * (y[i + 1] + y[i]) / 2.0;
        return s;
    };
    if (max_fpr == 1) {
        res.raw = res.standardized = trapz(fpr, tpr);
        return res;
    }
    // scikit-learn: stop = searchsorted(fpr, max_fpr, 'right'); interpolate between stop-1 and stop
    std::size_t stop = static_cast<std::size_t>(std::upper_bound(fpr.begin(), fpr.end(), max_fpr) - fpr.begin());
    if (stop == 0 || stop >= m) throw error("partial AUC: eps_B never exceeds max_fpr");
    const double x0 = fpr[stop - 1], x1 = fpr[stop], y0 = tpr[stop - 1], y1 = tpr[stop];
    const double yi = y0 + (max_fpr - x0) * (y1 - y0) / (x1 - x0);
    fpr.resize(stop);
    tpr.resize(stop);
    fpr.push_back(max_fpr);
    tpr.push_back(yi);
    res.raw = trapz(fpr, tpr);
    const double min_area = 0.5 * max_fpr * max_fpr, max_area = max_fpr;
    res.standardized = 0.5 * (1 + (res.raw - min_area) / (max_area - min_area));
    return res;
}

sic_max max_sic(const roc_curve& c, double min_eff_b) {
    sic_max best;
    for (std::size_t i = 0; i < c.size(); ++i) {
        const double f = c.fpr(i);
        if (!(f > 0) || f < min_eff_b) continue;
        const double s = c.tpr(i) / std::sqrt(f);
        if (!best.found || s > best.sic) {
            best.found = true;
            best.sic = s;
            best.eff_s = c.tpr(i);
            best.eff_b = f;
            best.threshold = c.threshold[i];
        }
    }
    if (!best.found) best.sic = best.eff_s = best.eff_b = best.threshold = nan;
    return best;
}

double accuracy_at(const roc_curve& c, double threshold) {
    // the last point whose threshold is >= t: every event with score >= t is called signal
    std::size_t i = 0;
    while (i + 1 < c.size() && c.threshold[i + 1] >= threshold) ++i;
    const double tp = c.tps[i], fp = c.fps[i];
    return (tp + (c.fps.back() - fp)) / (c.tps.back() + c.fps.back());
}

namespace {
std::string num_text(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}
}  // namespace

std::vector<quantity> summarize(const roc_curve& c, const summary_spec& spec) {
    std::vector<quantity> q;
    q.push_back({"n_sig", "signal (sum of weights)", c.tps.back()});
    q.push_back({"n_bkg", "background (sum of weights)", c.fps.back()});
    // AUC in count units, like auc(ranked_events): exact for unit weights
    double area2 = 0;
    for (std::size_t i = 1; i < c.size(); ++i) area2 += (c.fps[i] - c.fps[i - 1]) * (c.tps[i] + c.tps[i - 1]);
    q.push_back({"auc", "AUC", area2 / (2.0 * c.tps.back() * c.fps.back())});
    for (double x : spec.eff_s) {
        const double fb = eff_b_at_eff_s(c, x);
        q.push_back({"rej_at_eff_s_" + num_text(x), "1/eps_B at eps_S=" + num_text(x), 1.0 / fb});
    }
    for (double y : spec.eff_b)
        q.push_back({"eff_s_at_eff_b_" + num_text(y), "eps_S at eps_B=" + num_text(y), eff_s_at_eff_b(c, y)});
    const sic_max s = max_sic(c, spec.sic_min_eff_b);
    q.push_back({"max_sic", "max SIC = eps_S/sqrt(eps_B)", s.sic});
    q.push_back({"max_sic_eff_s", "  at eps_S", s.eff_s});
    q.push_back({"max_sic_eff_b", "  at eps_B", s.eff_b});
    q.push_back({"max_sic_threshold", "  at score >=", s.threshold});
    q.push_back({"accuracy_at_" + num_text(spec.threshold), "accuracy at score >= " + num_text(spec.threshold),
                 accuracy_at(c, spec.threshold)});
    if (spec.max_fpr > 0 && spec.max_fpr < 1) {
        const partial_auc_result p = partial_auc(c, spec.max_fpr);
        q.push_back({"pauc_" + num_text(spec.max_fpr), "partial AUC eps_B<=" + num_text(spec.max_fpr), p.raw});
        q.push_back({"pauc_std_" + num_text(spec.max_fpr), "  McClish-standardized", p.standardized});
    }
    return q;
}

// ---------------------------------------------------------------- uncertainties

std::vector<std::vector<double>> bootstrap(const ranked_events& r, const summary_spec& spec,
                                           std::size_t replicas, std::uint64_t seed) {
    // Group index of every ranked event (groups = distinct scores, descending), and the
    // threshold of each group; a replica only re-weights events, so groups never change.
    // Events are numbered signal first, then background, each class in ascending score order
    // (the numbering the replicas' draws refer to).
    const std::size_t np = r.n_pos, nn = r.n_neg, n = np + nn;
    std::vector<std::uint32_t> pos_g(np), neg_g(nn);
    std::vector<double> pos_w(r.weighted ? np : 0), neg_w(r.weighted ? nn : 0);
    std::vector<double> thr;
    {
        std::size_t i = np, j = nn, e = n;
        while (e > 0) {
            const std::uint64_t k = r.key[e - 1];
            const auto g = static_cast<std::uint32_t>(thr.size());
            do {
                --e;
                if (r.label[e]) {
                    pos_g[--i] = g;
                    if (r.weighted) pos_w[i] = r.weight[e];
                } else {
                    neg_g[--j] = g;
                    if (r.weighted) neg_w[j] = r.weight[e];
                }
            } while (e > 0 && r.key[e - 1] == k);
            thr.push_back(key_score(k));
        }
    }
    const std::size_t ng = thr.size();
    std::vector<std::vector<double>> out(replicas);
    std::vector<char> ok(replicas, 0);
#pragma omp parallel
    {
        std::vector<double> dtp(ng), dfp(ng);
        roc_curve c;
#pragma omp for schedule(dynamic, 1)
        for (std::size_t k = 0; k < replicas; ++k) {
            std::fill(dtp.begin(), dtp.end(), 0.0);
            std::fill(dfp.begin(), dfp.end(), 0.0);
            rng g(seed, k);
            for (std::size_t d = 0; d < n; ++d) {
                const std::size_t e = g.below(n);
                if (e < np) dtp[pos_g[e]] += r.weighted ? pos_w[e] : 1.0;
                else dfp[neg_g[e - np]] += r.weighted ? neg_w[e - np] : 1.0;
            }
            c.threshold.assign(1, inf);
            c.tps.assign(1, 0.0);
            c.fps.assign(1, 0.0);
            double tp = 0, fp = 0;
            for (std::size_t gi = 0; gi < ng; ++gi) {
                if (dtp[gi] == 0 && dfp[gi] == 0) continue;  // group not drawn: no ROC point
                tp += dtp[gi];
                fp += dfp[gi];
                c.threshold.push_back(thr[gi]);
                c.tps.push_back(tp);
                c.fps.push_back(fp);
            }
            c.pos_total = tp;
            c.neg_total = fp;
            if (!(tp > 0) || !(fp > 0)) continue;  // a class lost: the replica has no ROC
            const auto q = summarize(c, spec);
            out[k].reserve(q.size());
            for (const auto& x : q) out[k].push_back(x.value);
            ok[k] = 1;
        }
    }
    std::vector<std::vector<double>> kept;
    for (std::size_t k = 0; k < replicas; ++k)
        if (ok[k]) kept.push_back(std::move(out[k]));
    return kept;
}

void mean_and_std(const std::vector<std::vector<double>>& rows, std::vector<double>& mean,
                  std::vector<double>& err) {
    const std::size_t m = rows.empty() ? 0 : rows[0].size();
    mean.assign(m, nan);
    err.assign(m, nan);
    for (std::size_t j = 0; j < m; ++j) {
        double s = 0;
        std::size_t k = 0;
        for (const auto& r : rows)
            if (std::isfinite(r[j])) {
                s += r[j];
                ++k;
            }
        if (k == 0) continue;
        const double mu = s / static_cast<double>(k);
        mean[j] = mu;
        if (k < 2) continue;
        double v = 0;
        for (const auto& r : rows)
            if (std::isfinite(r[j])) v += (r[j] - mu) * (r[j] - mu);
        err[j] = std::sqrt(v / static_cast<double>(k - 1));
    }
}

}  // namespace jetml
