// SPDX-License-Identifier: MIT
// jetml/trees/booster.cpp - histograms, split search, tree growth and the boosting loop.
#include "jetml/trees/booster.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>

#include <omp.h>

#include "jetml/core/error.hpp"
#include "jetml/core/rng.hpp"
#include "jetml/data/labelled.hpp"

namespace jetml::trees {

void booster_params::check() const {
    if (trees == 0) throw usage_error("--trees must be at least 1");
    if (max_depth == 0 && max_leaves == 0) throw usage_error("--depth 0 (no limit) needs --leaves");
    if (max_depth > 64) throw usage_error("--depth must be at most 64");
    if (max_leaves == 1) throw usage_error("--leaves must be at least 2 (or 0: no limit)");
    if (max_bins < 2 || max_bins > max_bins_limit) throw usage_error("--bins must be in [2, 255]");
    if (!(learning_rate > 0 && learning_rate <= 1)) throw usage_error("--lr must be in (0, 1] for --arch bdt");
    if (!(lambda >= 0 && std::isfinite(lambda))) throw usage_error("--lambda must be finite and >= 0");
    if (!(min_child_weight >= 0 && std::isfinite(min_child_weight)))
        throw usage_error("--min-child-weight must be finite and >= 0");
    if (!(min_split_gain >= 0 && std::isfinite(min_split_gain))) throw usage_error("--min-split-gain must be finite and >= 0");
    if (!(subsample > 0 && subsample <= 1)) throw usage_error("--subsample must be in (0, 1]");
    if (!(colsample > 0 && colsample <= 1)) throw usage_error("--colsample must be in (0, 1]");
}

std::string booster_params::description() const {
    std::ostringstream s;
    s << trees << " trees, " << (grow == growth::depthwise ? "depth-wise" : "leaf-wise") << ", depth ";
    if (max_depth) s << max_depth;
    else s << "unlimited";
    s << ", leaves ";
    if (max_leaves) s << max_leaves;
    else s << "unlimited";
    s << ", " << max_bins << " bins, lr " << learning_rate << ", lambda " << lambda << ", min child weight "
      << min_child_weight << ", min split gain " << min_split_gain << ", subsample " << subsample << ", colsample "
      << colsample << ", patience " << patience;
    return s.str();
}

//---- histograms and split search ---------------------------------------------------------

void build_histogram(const std::uint8_t* bins, std::size_t d, const std::vector<std::size_t>& features,
                     const std::uint32_t* rows, std::size_t m, const grad_pair* gh, double* hist) {
    // features in contiguous blocks, one block per thread: each feature's histogram is summed
    // in row order by one thread whatever the blocks are, and a row's bins are read once per block
    const std::size_t nf = features.size();
    const bool par = m * nf > 65536;
    const std::size_t blocks = std::min<std::size_t>(nf, par ? std::size_t(std::max(1, omp_get_max_threads())) : 1);
#pragma omp parallel for schedule(static, 1) if (par)
    for (long long bl = 0; bl < (long long)blocks; ++bl) {
        const std::size_t k0 = std::size_t(bl) * nf / blocks, k1 = std::size_t(bl + 1) * nf / blocks;
        for (std::size_t k = k0; k < k1; ++k) std::memset(hist + features[k] * 512, 0, 512 * sizeof(double));
        if (k1 - k0 == 1) {
            const std::size_t f = features[k0];
            double* H = hist + f * 512;
            for (std::size_t i = 0; i < m; ++i) {
                const std::size_t b = bins[(rows ? std::size_t(rows[i]) : i) * d + f];
                H[2 * b] += gh[i].g;
                H[2 * b + 1] += gh[i].h;
            }
            continue;
        }
        for (std::size_t i = 0; i < m; ++i) {
            const std::uint8_t* br = bins + (rows ? std::size_t(rows[i]) : i) * d;
            const double g = gh[i].g, h = gh[i].h;
            for (std::size_t k = k0; k < k1; ++k) {
                const std::size_t f = features[k];
                double* H = hist + f * 512 + 2 * std::size_t(br[f]);
                H[0] += g;
                H[1] += h;
            }
        }
    }
}

namespace {

/// The candidate bookkeeping both split searches share: order, constraints, ties.
struct split_scan {
    const booster_params& p;
    std::vector<split_candidate>* all;
    split_candidate best;

    void consider(std::size_t f, std::size_t b, bool dl, double gl, double hl, double gr, double hr) {
        if (hl < p.min_child_weight || hr < p.min_child_weight) return;
        split_candidate c;
        c.feature = std::int32_t(f);
        c.bin = std::uint8_t(b);
        c.default_left = dl;
        c.gain = split_gain(gl, hl, gr, hr, p.lambda);
        c.gl = gl, c.hl = hl, c.gr = gr, c.hr = hr;
        if (all) all->push_back(c);
        if (c.gain > best.gain) best = c;
    }
    /// The two NaN directions of threshold bin b: left sums (gl, hl) without NaN, NaN sums
    /// (gm, hm), right sums (gr, hr) without NaN.
    void both(const bin_edges& e, std::size_t f, std::size_t b, double gl, double hl, double gm, double hm, double gr,
              double hr) {
        if (e.has_missing[f]) {
            consider(f, b, false, gl, hl, gr + gm, hr + hm);
            consider(f, b, true, gl + gm, hl + hm, gr, hr);
        } else {
            // no NaN in training: NaN follows the heavier side at prediction
            consider(f, b, hl >= hr + hm, gl, hl, gr + gm, hr + hm);
        }
    }
    split_candidate result() const {
        split_candidate r = best;
        if (!(r.gain > p.min_split_gain)) r = split_candidate();
        return r;
    }
};

}  // namespace

split_candidate find_split(const double* hist, double g, double h, const bin_edges& e,
                           const std::vector<std::size_t>& features, const booster_params& p,
                           std::vector<split_candidate>* all) {
    split_scan s{p, all, {}};
    for (std::size_t f : features) {
        const std::size_t nb = e.bins(f);
        const double* H = hist + f * 512;
        const double gm = H[2 * missing_bin], hm = H[2 * missing_bin + 1];
        double gl = 0, hl = 0;
        for (std::size_t b = 0; b + 1 < nb; ++b) {
            gl += H[2 * b];
            hl += H[2 * b + 1];
            s.both(e, f, b, gl, hl, gm, hm, g - gl - gm, h - hl - hm);
        }
    }
    return s.result();
}

split_candidate find_split_ref(const float* x, std::size_t d, const bin_edges& e, const std::uint32_t* rows,
                               std::size_t m, const grad_pair* gh, const std::vector<std::size_t>& features,
                               const booster_params& p, std::vector<split_candidate>* all) {
    split_scan s{p, all, {}};
    for (std::size_t f : features) {
        const std::size_t nb = e.bins(f);
        for (std::size_t b = 0; b + 1 < nb; ++b) {
            const float t = e.edges[f][b];
            double gl = 0, hl = 0, gm = 0, hm = 0, gr = 0, hr = 0;
            for (std::size_t i = 0; i < m; ++i) {
                const float v = x[std::size_t(rows[i]) * d + f];
                if (std::isnan(v)) gm += gh[i].g, hm += gh[i].h;
                else if (v <= t) gl += gh[i].g, hl += gh[i].h;
                else gr += gh[i].g, hr += gh[i].h;
            }
            s.both(e, f, b, gl, hl, gm, hm, gr, hr);
        }
    }
    return s.result();
}

//---- one tree -----------------------------------------------------------------------------

namespace {

struct open_node {
    std::int32_t id = 0;
    std::size_t depth = 0, begin = 0, end = 0;
    std::vector<double> hist;
    split_candidate best;
};

float leaf_value(double g, double h, const booster_params& p) { return float(-g / (h + p.lambda) * p.learning_rate); }

/// Grows one tree on rows[0, m) with their gradients ghp (both reordered: on return every
/// leaf's rows are contiguous). leaves gets (node id, begin, end) of each leaf.
struct grower {
    std::uint8_t* node_bins;       // row-major bins of rows[i], moved with the rows: a node's are contiguous
    std::size_t n;
    const bin_edges& e;
    const booster_params& p;
    const std::vector<std::size_t>& features;
    std::uint32_t* rows;
    grad_pair* ghp;
    std::vector<std::uint32_t> tmp_rows;
    std::vector<grad_pair> tmp_gh;
    std::vector<std::uint8_t> tmp_bins;

    struct leaf_range {
        std::int32_t id;
        std::size_t begin, end;
    };

    bool may_split(const open_node& nd) const {
        return (p.max_depth == 0 || nd.depth < p.max_depth) && nd.end - nd.begin >= 2;
    }
    void search(open_node& nd, double g, double h) {
        nd.best = may_split(nd) ? find_split(nd.hist.data(), g, h, e, features, p) : split_candidate();
    }

    tree grow(std::size_t m, std::vector<leaf_range>& leaves) {
        tree t;
        leaves.clear();
        double g = 0, h = 0;
        for (std::size_t i = 0; i < m; ++i) g += ghp[i].g, h += ghp[i].h;
        tree_node root;
        root.value = leaf_value(g, h, p);
        root.cover = h;
        t.push_back(root);
        std::vector<open_node> open;
        open_node r;
        r.end = m;
        if (may_split(r)) {
            r.hist.assign(e.features() * 512, 0.0);
            build_histogram(node_bins, e.features(), features, nullptr, m, ghp, r.hist.data());
            search(r, g, h);
        }
        open.push_back(std::move(r));
        std::size_t nleaves = 1, head = 0;
        while (head < open.size()) {
            // depth-wise: first in first out; leaf-wise: the best gain (ties: lower node id)
            std::size_t pick = head;
            if (p.grow == growth::leafwise)
                for (std::size_t k = head + 1; k < open.size(); ++k)
                    if (open[k].best.gain > open[pick].best.gain) pick = k;
            std::swap(open[head], open[pick]);
            open_node nd = std::move(open[head]);
            ++head;
            if (p.grow == growth::leafwise) std::stable_sort(open.begin() + long(head), open.end(),
                                                             [](const open_node& a, const open_node& b) { return a.id < b.id; });
            const split_candidate s = nd.best;
            if (s.feature < 0 || (p.max_leaves && nleaves >= p.max_leaves)) {
                leaves.push_back({nd.id, nd.begin, nd.end});
                continue;
            }
            // partition the rows (stable) into left then right
            const std::size_t d = e.features(), f = std::size_t(s.feature);
            const std::size_t cnt = nd.end - nd.begin;
            tmp_rows.resize(cnt);
            tmp_gh.resize(cnt);
            tmp_bins.resize(cnt * d);
            std::uint8_t* nb = node_bins + nd.begin * d;
            std::size_t nl = 0;
            for (std::size_t i = 0; i < cnt; ++i) {
                const std::uint8_t b = nb[i * d + f];
                nl += b == missing_bin ? s.default_left : b <= s.bin;
            }
            // stable: left rows first, then right rows, each in their order
            std::size_t li = 0, ri = nl;
            for (std::size_t i = 0; i < cnt; ++i) {
                const std::uint8_t b = nb[i * d + f];
                const bool left = b == missing_bin ? s.default_left : b <= s.bin;
                const std::size_t o = left ? li++ : ri++;
                tmp_rows[o] = rows[nd.begin + i];
                tmp_gh[o] = ghp[nd.begin + i];
                std::memcpy(&tmp_bins[o * d], nb + i * d, d);
            }
            std::memcpy(rows + nd.begin, tmp_rows.data(), cnt * sizeof(std::uint32_t));
            std::memcpy(ghp + nd.begin, tmp_gh.data(), cnt * sizeof(grad_pair));
            std::memcpy(nb, tmp_bins.data(), cnt * d);
            ++nleaves;
            const std::int32_t L = std::int32_t(t.size());
            tree_node& pn = t[std::size_t(nd.id)];
            pn.feature = s.feature;
            pn.split_bin = s.bin;
            pn.threshold = e.edges[std::size_t(s.feature)][s.bin];
            pn.default_left = s.default_left;
            pn.left = L;
            pn.right = L + 1;
            pn.gain = s.gain;
            tree_node ln, rn;
            ln.value = leaf_value(s.gl, s.hl, p), ln.cover = s.hl;
            rn.value = leaf_value(s.gr, s.hr, p), rn.cover = s.hr;
            t.push_back(ln);
            t.push_back(rn);
            open_node a, c;
            a.id = L, c.id = L + 1;
            a.depth = c.depth = nd.depth + 1;
            a.begin = nd.begin, a.end = nd.begin + nl;
            c.begin = nd.begin + nl, c.end = nd.end;
            if (may_split(a) || may_split(c)) {
                // the smaller child from its rows, the larger one as parent minus smaller
                open_node& small = nl <= cnt - nl ? a : c;
                open_node& large = nl <= cnt - nl ? c : a;
                small.hist.assign(e.features() * 512, 0.0);
                build_histogram(node_bins + small.begin * e.features(), e.features(), features, nullptr,
                                small.end - small.begin, ghp + small.begin, small.hist.data());
                large.hist = std::move(nd.hist);
                for (std::size_t f : features) {
                    double* H = large.hist.data() + f * 512;
                    const double* S = small.hist.data() + f * 512;
                    for (std::size_t k = 0; k < 512; ++k) H[k] -= S[k];
                }
                search(a, s.gl, s.hl);
                search(c, s.gr, s.hr);
                if (!may_split(a)) a.hist = std::vector<double>();
                if (!may_split(c)) c.hist = std::vector<double>();
            }
            open.push_back(std::move(a));
            open.push_back(std::move(c));
        }
        return t;
    }
};

double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

/// The leaf a binned row reaches.
const tree_node& leaf_binned(const tree& t, const std::uint8_t* bins, std::size_t n, std::size_t i) {
    std::size_t k = 0;
    while (t[k].feature >= 0) {
        const tree_node& nd = t[k];
        const std::uint8_t b = bins[std::size_t(nd.feature) * n + i];
        const bool left = b == missing_bin ? nd.default_left : b <= nd.split_bin;
        k = std::size_t(left ? nd.left : nd.right);
    }
    return t[k];
}

/// The leaf value a raw row reaches.
float tree_value(const tree& t, const float* row) {
    std::size_t k = 0;
    while (t[k].feature >= 0) {
        const tree_node& nd = t[k];
        const float v = row[nd.feature];
        const bool left = std::isnan(v) ? nd.default_left : v <= nd.threshold;
        k = std::size_t(left ? nd.left : nd.right);
    }
    return t[k].value;
}

}  // namespace

//---- the ensemble -------------------------------------------------------------------------

std::vector<double> ensemble::raw_scores(const float* x, std::size_t n) const {
    std::vector<double> r(n, base_score);
#pragma omp parallel for schedule(static)
    for (long long il = 0; il < (long long)n; ++il) {
        const std::size_t i = std::size_t(il);
        double s = base_score;
        for (const tree& t : trees) s += double(tree_value(t, x + i * features));
        r[i] = s;
    }
    return r;
}

void ensemble::compute_importance() {
    importance_gain.assign(features, 0.0);
    importance_splits.assign(features, 0.0);
    for (const tree& t : trees)
        for (const tree_node& nd : t)
            if (nd.feature >= 0) importance_gain[std::size_t(nd.feature)] += nd.gain, importance_splits[std::size_t(nd.feature)] += 1;
}

double log_loss(const std::vector<double>& raw, const float* y, const float* w, std::size_t n) {
    double s = 0, sw = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const double z = raw[i], wi = w ? w[i] : 1.0;
        // log(1 + e^z) - y z, written to stay finite for large |z|
        const double l = (z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z))) - y[i] * z;
        s += wi * l;
        sw += wi;
    }
    return sw > 0 ? s / sw : 0;
}

boost_result fit_booster(const data::labelled_set& tr, const data::labelled_set& va, const booster_params& p,
                         const std::function<void(const round_report&)>& report) {
    p.check();
    const std::size_t n = tr.n, d = tr.size;
    if (n == 0) throw error("no training samples for the booster");
    if (n > std::numeric_limits<std::uint32_t>::max())
        throw error(std::to_string(n) + " training samples; the booster's row index holds at most 4294967295");
    if (va.n && va.size != d) throw error("validation samples have another size than the training samples");
    double w1 = 0, w0 = 0;
    for (std::size_t i = 0; i < n; ++i) (tr.y[i] > 0.5f ? w1 : w0) += tr.w[i];
    if (!(w1 > 0) || !(w0 > 0)) throw error("the booster needs both classes with positive weight in the training set");

    boost_result res;
    ensemble& ens = res.model;
    ens.features = d;
    ens.base_score = std::log(w1 / w0);
    const bin_edges e = fit_bins(tr.x.data(), n, d, p.max_bins, p.seed);
    const std::vector<std::uint8_t> bins = apply_bins(e, tr.x.data(), n);
    std::vector<std::uint8_t> bins_rows(n * d);
#pragma omp parallel for schedule(static)
    for (long long il = 0; il < (long long)n; ++il)
        for (std::size_t f = 0; f < d; ++f) bins_rows[std::size_t(il) * d + f] = bins[f * n + std::size_t(il)];

    std::vector<double> raw(n, ens.base_score), vraw(va.n, ens.base_score), best_raw;
    std::vector<grad_pair> gh(n), ghp(n);
    std::vector<std::uint32_t> rows(n);
    std::vector<std::uint8_t> node_bins(n * d);
    std::vector<std::size_t> all_features(d);
    for (std::size_t f = 0; f < d; ++f) all_features[f] = f;
    const bool early = va.n > 0 && p.patience > 0;
    double best = std::numeric_limits<double>::infinity();
    std::vector<grower::leaf_range> leaves;
    for (std::size_t round = 0; round < p.trees; ++round) {
        //-- gradients of the log-loss
#pragma omp parallel for schedule(static)
        for (long long il = 0; il < (long long)n; ++il) {
            const std::size_t i = std::size_t(il);
            const double q = sigmoid(raw[i]);
            gh[i].g = float(tr.w[i] * (q - tr.y[i]));
            gh[i].h = float(tr.w[i] * std::max(q * (1 - q), 1e-16));
        }
        //-- rows and features of this tree
        std::size_t m = 0;
        if (p.subsample < 1) {
            rng r(p.seed, 0x5B000000ull + round);
            for (std::size_t i = 0; i < n; ++i)
                if (r.uniform() < p.subsample) rows[m] = std::uint32_t(i), ghp[m] = gh[i], ++m;
        } else {
            for (std::size_t i = 0; i < n; ++i) rows[i] = std::uint32_t(i);
            std::memcpy(ghp.data(), gh.data(), n * sizeof(grad_pair));
            m = n;
        }
        std::vector<std::size_t> feats = all_features;
        if (p.colsample < 1) {
            const std::size_t k = std::max<std::size_t>(1, std::size_t(std::lround(p.colsample * double(d))));
            rng r(p.seed, 0xC5000000ull + round);
            for (std::size_t i = 0; i < k; ++i) std::swap(feats[i], feats[i + r.below(d - i)]);
            feats.resize(k);
            std::sort(feats.begin(), feats.end());
        }
        //-- grow, then add the tree to the scores
        if (m == n) {
            std::memcpy(node_bins.data(), bins_rows.data(), n * d);
        } else {
#pragma omp parallel for schedule(static)
            for (long long il = 0; il < (long long)m; ++il)
                std::memcpy(&node_bins[std::size_t(il) * d], &bins_rows[std::size_t(rows[std::size_t(il)]) * d], d);
        }
        grower gw{node_bins.data(), n, e, p, feats, rows.data(), ghp.data(), {}, {}, {}};
        tree t = gw.grow(m, leaves);
        if (m == n) {
            for (const auto& l : leaves) {
                const double v = t[std::size_t(l.id)].value;
                for (std::size_t i = l.begin; i < l.end; ++i) raw[rows[i]] += v;
            }
        } else {
#pragma omp parallel for schedule(static)
            for (long long il = 0; il < (long long)n; ++il)
                raw[std::size_t(il)] += double(leaf_binned(t, bins.data(), n, std::size_t(il)).value);
        }
#pragma omp parallel for schedule(static)
        for (long long il = 0; il < (long long)va.n; ++il)
            vraw[std::size_t(il)] += double(tree_value(t, va.x.data() + std::size_t(il) * d));
        ens.trees.push_back(std::move(t));
        res.rounds_done = round + 1;
        //-- losses, early stopping
        round_report rep;
        rep.round = round + 1;
        rep.leaves = leaves.size();
        rep.val_loss = va.n ? log_loss(vraw, va.y.data(), va.w.data(), va.n) : NAN;
        rep.train_loss = report ? log_loss(raw, tr.y.data(), tr.w.data(), n) : NAN;
        if (report) report(rep);
        if (early) {
            if (rep.val_loss < best) {
                best = rep.val_loss;
                res.best_round = round + 1;
                best_raw = raw;
            } else if (round + 1 - res.best_round >= p.patience) {
                res.stopped_early = true;
                break;
            }
        }
    }
    if (early) {
        ens.trees.resize(res.best_round);
        res.best_val_loss = best;
        res.train_raw = std::move(best_raw);
    } else {
        res.best_round = res.rounds_done;
        res.best_val_loss = va.n ? log_loss(vraw, va.y.data(), va.w.data(), va.n) : NAN;
        res.train_raw = std::move(raw);
    }
    ens.compute_importance();
    return res;
}

}  // namespace jetml::trees
