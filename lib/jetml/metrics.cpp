// SPDX-License-Identifier: MIT
// jetml/metrics.cpp - ROC curve, AUC, HEP working-point numbers, bootstrap.
#include "jetml/metrics.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>

#include "jetml/csv.hpp"
#include "jetml/error.hpp"
#include "jetml/memory.hpp"
#include "jetml/rng.hpp"
#include "jetml/threads.hpp"

namespace jetml {

namespace {
constexpr std::uint64_t sign_bit = 0x8000000000000000ull;
constexpr double inf = std::numeric_limits<double>::infinity();
constexpr double nan = std::numeric_limits<double>::quiet_NaN();

std::string row_text(std::size_t i) { return "row " + std::to_string(i + 1); }

// Reserves capacity for n elements and asks the kernel for transparent huge pages on it
// (jetml/memory). First touch of fresh 4 KiB pages costs ~12 us each on the target machines
// (STYLE.md), which for 10^7 scores is more than the sort itself; with huge pages it is ~50x cheaper.
template <class T> void reserve_huge(std::vector<T>& v, std::size_t n) {
    v.reserve(n);
    advise_huge(v.data(), n * sizeof(T));
}

inline std::uint64_t key_of(double s) {
    s += 0.0;  // -0.0 + 0.0 = +0.0: numpy's diff() sees -0.0 and +0.0 as one score
    std::uint64_t b;
    std::memcpy(&b, &s, sizeof b);
    return (b & sign_bit) ? ~b : (b | sign_bit);
}
}  // namespace

std::uint64_t score_key(double s) { return key_of(s); }

double key_score(std::uint64_t k) {
    std::uint64_t b = (k & sign_bit) ? (k & ~sign_bit) : ~k;
    double s;
    std::memcpy(&s, &b, sizeof s);
    return s;
}

void check_roc_data(const roc_data& d) {
    const std::size_t n = d.score.size();
    if (n == 0) throw error("no events");
    if (d.label.size() != n)
        throw error("scores and labels differ in length: " + std::to_string(n) + " scores, " +
                    std::to_string(d.label.size()) + " labels");
    if (!d.weight.empty() && d.weight.size() != n)
        throw error("scores and weights differ in length: " + std::to_string(n) + " scores, " +
                    std::to_string(d.weight.size()) + " weights");
    for (std::size_t i = 0; i < n; ++i) {
        if (!std::isfinite(d.score[i]))
            throw error("score at " + row_text(i) + " is " + format_double(d.score[i]) + " (scores must be finite)");
        if (d.label[i] > 1)
            throw error("label at " + row_text(i) + " is not 0 or 1");
    }
    for (std::size_t i = 0; i < d.weight.size(); ++i)
        if (!std::isfinite(d.weight[i]))
            throw error("weight at " + row_text(i) + " is " + format_double(d.weight[i]) + " (weights must be finite)");
}

// ---------------------------------------------------------------- radix sort

void radix_sort(std::vector<std::uint64_t>& key, std::vector<double>& payload) {
    const std::size_t n = key.size();
    const bool with = !payload.empty();
    if (n < 64) {  // tiny: insertion sort is stable and cheaper than 8 histograms
        for (std::size_t i = 1; i < n; ++i) {
            std::uint64_t k = key[i];
            double p = with ? payload[i] : 0;
            std::size_t j = i;
            for (; j > 0 && key[j - 1] > k; --j) {
                key[j] = key[j - 1];
                if (with) payload[j] = payload[j - 1];
            }
            key[j] = k;
            if (with) payload[j] = p;
        }
        return;
    }
    // LSD radix sort on bytes (8 passes; 256 counters per digit stay in L1). 11-bit digits
    // (6 passes) measured no faster here: the wider scatter costs what the passes save.
    // One pass builds every histogram; a digit that all keys share is skipped, which removes
    // the exponent digit for scores in a narrow range and the low digits of float32 scores.
    constexpr int bits = 8, passes = 8;
    constexpr std::size_t radix = std::size_t(1) << bits, mask = radix - 1;
    std::vector<std::size_t> hist(passes * radix, 0);
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint64_t k = key[i];
        for (int b = 0; b < passes; ++b) ++hist[b * radix + ((k >> (bits * b)) & mask)];
    }
    // scratch buffers, left uninitialised (every element is written before it is read)
    std::unique_ptr<std::uint64_t[]> key2(new std::uint64_t[n]);
    std::unique_ptr<double[]> pay2(with ? new double[n] : nullptr);
    advise_huge(key2.get(), n * sizeof(std::uint64_t));
    if (with) advise_huge(pay2.get(), n * sizeof(double));
    std::uint64_t* src = key.data();
    std::uint64_t* dst = key2.get();
    double* psrc = with ? payload.data() : nullptr;
    double* pdst = with ? pay2.get() : nullptr;
    std::vector<std::size_t> off(radix);
    for (int b = 0; b < passes; ++b) {
        const std::size_t* h = &hist[b * radix];
        const int shift = bits * b;
        if (h[(src[0] >> shift) & mask] == n) continue;  // every key has this digit: nothing moves
        std::size_t sum = 0;
        for (std::size_t v = 0; v < radix; ++v) {
            off[v] = sum;
            sum += h[v];
        }
        if (with) {
            for (std::size_t i = 0; i < n; ++i) {
                const std::size_t o = off[(src[i] >> shift) & mask]++;
                dst[o] = src[i];
                pdst[o] = psrc[i];
            }
            std::swap(psrc, pdst);
        } else {
            for (std::size_t i = 0; i < n; ++i) dst[off[(src[i] >> shift) & mask]++] = src[i];
        }
        std::swap(src, dst);
    }
    if (src != key.data()) {  // an odd number of passes ran: the result is in the scratch buffer
        std::memcpy(key.data(), src, n * sizeof(std::uint64_t));
        if (with) std::memcpy(payload.data(), psrc, n * sizeof(double));
    }
}

// ---------------------------------------------------------------- ranking

ranked_events rank_events(const roc_data& d) {
    const std::size_t n = d.score.size();
    if (n == 0 || d.label.size() != n || (!d.weight.empty() && d.weight.size() != n)) check_roc_data(d);
    const bool weighted = !d.weight.empty();
    ranked_events r;
    r.weighted = weighted;
    // Count the classes, then one pass validates, makes keys and splits by class without
    // branches: each event is written to both arrays and only its own class's index advances
    // (hence one slot of slack). Zero-weight events are dropped, as scikit-learn does.
    std::size_t cnt[2] = {0, 0};
    if (weighted)
        for (std::size_t i = 0; i < n; ++i) cnt[d.label[i] & 1] += d.weight[i] != 0;
    else
        for (std::size_t i = 0; i < n; ++i) ++cnt[d.label[i] & 1];
    reserve_huge(r.pos_key, cnt[1] + 1);
    reserve_huge(r.neg_key, cnt[0] + 1);
    r.pos_key.resize(cnt[1] + 1);
    r.neg_key.resize(cnt[0] + 1);
    if (weighted) {
        reserve_huge(r.pos_w, cnt[1] + 1);
        reserve_huge(r.neg_w, cnt[0] + 1);
        r.pos_w.resize(cnt[1] + 1);
        r.neg_w.resize(cnt[0] + 1);
    }
    std::uint64_t* pk = r.pos_key.data();
    std::uint64_t* nk = r.neg_key.data();
    double* pw = weighted ? r.pos_w.data() : nullptr;
    double* nw = weighted ? r.neg_w.data() : nullptr;
    std::size_t ip = 0, in = 0;
    bool bad = false;
    const double* score = d.score.data();
    const std::uint8_t* label = d.label.data();
    if (weighted) {
        const double* w = d.weight.data();
        for (std::size_t i = 0; i < n; ++i) {
            const std::uint64_t k = key_of(score[i]);
            const std::size_t y = label[i] & 1, keep = w[i] != 0;
            bad |= !std::isfinite(score[i]) || label[i] > 1 || !std::isfinite(w[i]);
            pk[ip] = k;
            nk[in] = k;
            pw[ip] = w[i];
            nw[in] = w[i];
            ip += keep & y;
            in += keep & (y ^ 1);
        }
    } else {
        for (std::size_t i = 0; i < n; ++i) {
            const std::uint64_t k = key_of(score[i]);
            const std::size_t y = label[i] & 1;
            bad |= !std::isfinite(score[i]) || label[i] > 1;
            pk[ip] = k;
            nk[in] = k;
            ip += y;
            in += y ^ 1;
        }
    }
    if (bad) check_roc_data(d);  // throws the message that names the first bad row
    r.pos_key.resize(ip);
    r.neg_key.resize(in);
    if (weighted) {
        r.pos_w.resize(ip);
        r.neg_w.resize(in);
    }
    const std::size_t np = r.pos_key.size(), nn = r.neg_key.size();
    if (np == 0 || nn == 0)
        throw error("only one class present (" + std::to_string(np) + " signal, " + std::to_string(nn) +
                    " background events with non-zero weight): the ROC curve is undefined");
    // the two classes sort independently; two threads when both are big enough to pay
    const int nt = (std::min(np, nn) > 50000 && max_threads() > 1) ? 2 : 1;
#pragma omp parallel for num_threads(nt) schedule(static, 1)
    for (int c = 0; c < 2; ++c) {
        if (c == 0) radix_sort(r.pos_key, r.pos_w);
        else radix_sort(r.neg_key, r.neg_w);
    }
    if (weighted) {
        // summed in scikit-learn's order (descending score), so totals equal its cumsum[-1]
        for (std::size_t i = np; i-- > 0;) r.pos_total += r.pos_w[i];
        for (std::size_t i = nn; i-- > 0;) r.neg_total += r.neg_w[i];
    } else {
        r.pos_total = static_cast<double>(np);
        r.neg_total = static_cast<double>(nn);
    }
    if (!(r.pos_total > 0) || !(r.neg_total > 0))
        throw error("summed weights must be positive for both classes, got signal " + format_double(r.pos_total) +
                    ", background " + format_double(r.neg_total));
    return r;
}

namespace {
// Walks the distinct scores from the highest down. For each group of tied scores calls
// visit(key, tp, fp) with the running weighted counts after the group. Counts are summed
// element by element in scikit-learn's order (descending score; within a tie, descending
// original index, which is the reverse of our stable ascending sort).
template <class Visit> void walk_groups(const ranked_events& r, Visit&& visit) {
    const std::uint64_t* pk = r.pos_key.data();
    const std::uint64_t* nk = r.neg_key.data();
    const double* pw = r.pos_w.data();
    const double* nw = r.neg_w.data();
    std::size_t i = r.pos_key.size(), j = r.neg_key.size();
    double tp = 0, fp = 0;
    if (!r.weighted) {
        while (i > 0 || j > 0) {
            std::uint64_t k = (i == 0) ? nk[j - 1] : (j == 0) ? pk[i - 1] : std::max(pk[i - 1], nk[j - 1]);
            std::size_t i0 = i, j0 = j;
            while (i > 0 && pk[i - 1] == k) --i;
            while (j > 0 && nk[j - 1] == k) --j;
            tp += static_cast<double>(i0 - i);
            fp += static_cast<double>(j0 - j);
            visit(k, tp, fp);
        }
    } else {
        while (i > 0 || j > 0) {
            std::uint64_t k = (i == 0) ? nk[j - 1] : (j == 0) ? pk[i - 1] : std::max(pk[i - 1], nk[j - 1]);
            while (i > 0 && pk[i - 1] == k) tp += pw[--i];
            while (j > 0 && nk[j - 1] == k) fp += nw[--j];
            visit(k, tp, fp);
        }
    }
}
}  // namespace

roc_curve compute_roc(const ranked_events& r, bool drop_intermediate) {
    roc_curve c;
    c.pos_total = r.pos_total;
    c.neg_total = r.neg_total;
    // at most one point per event; capacity that is never touched costs no memory
    reserve_huge(c.threshold, r.size() + 1);
    reserve_huge(c.tps, r.size() + 1);
    reserve_huge(c.fps, r.size() + 1);
    auto emit = [&c](double t, double tp, double fp) {
        c.threshold.push_back(t);
        c.tps.push_back(tp);
        c.fps.push_back(fp);
    };
    emit(inf, 0, 0);
    // Streaming drop_intermediate: group g is decided when group g+1 arrives. The first and
    // last groups are always kept; with two groups or fewer nothing is dropped (as sklearn).
    struct point {
        double t, tp, fp;
    } a{}, b{};
    std::size_t seen = 0;
    walk_groups(r, [&](std::uint64_t k, double tp, double fp) {
        const point x{key_score(k), tp, fp};
        if (seen == 0) {
            emit(x.t, x.tp, x.fp);
        } else if (seen >= 2) {
            // numpy: np.diff(v, 2) = (v[g+1] - v[g]) - (v[g] - v[g-1]); keep if either is non-zero
            const double d2f = (x.fp - b.fp) - (b.fp - a.fp);
            const double d2t = (x.tp - b.tp) - (b.tp - a.tp);
            if (!drop_intermediate || d2f != 0 || d2t != 0) emit(b.t, b.tp, b.fp);
        }
        a = b;
        b = x;
        ++seen;
    });
    if (seen >= 2) emit(b.t, b.tp, b.fp);
    return c;
}

roc_curve compute_roc(const roc_data& d, bool drop_intermediate) {
    return compute_roc(rank_events(d), drop_intermediate);
}

double auc(const ranked_events& r) {
    // twice the trapezoid area in count units: sum of dfp * (tp_before + tp_after).
    // With unit weights every term is an integer below 2^53 for fewer than 10^8 events, so
    // the sum is exact and the only rounding is the final division.
    double area2 = 0, tp_prev = 0, fp_prev = 0;
    walk_groups(r, [&](std::uint64_t, double tp, double fp) {
        area2 += (fp - fp_prev) * (tp + tp_prev);
        tp_prev = tp;
        fp_prev = fp;
    });
    return area2 / (2.0 * tp_prev * fp_prev);
}

double auc(const roc_data& d) { return auc(rank_events(d)); }

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
    const std::size_t np = r.pos_key.size(), nn = r.neg_key.size(), n = np + nn;
    std::vector<std::uint32_t> pos_g(np), neg_g(nn);
    std::vector<double> thr;
    {
        std::size_t i = np, j = nn;
        while (i > 0 || j > 0) {
            std::uint64_t k = (i == 0) ? r.neg_key[j - 1]
                              : (j == 0) ? r.pos_key[i - 1]
                                         : std::max(r.pos_key[i - 1], r.neg_key[j - 1]);
            const auto g = static_cast<std::uint32_t>(thr.size());
            while (i > 0 && r.pos_key[i - 1] == k) pos_g[--i] = g;
            while (j > 0 && r.neg_key[j - 1] == k) neg_g[--j] = g;
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
                if (e < np) dtp[pos_g[e]] += r.weighted ? r.pos_w[e] : 1.0;
                else dfp[neg_g[e - np]] += r.weighted ? r.neg_w[e - np] : 1.0;
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
