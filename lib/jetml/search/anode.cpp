// SPDX-License-Identifier: MIT
// jetml/search/anode.cpp - ANODE and CATHODE on conditional MAFs (see anode.hpp).
#include "jetml/search/anode.hpp"

#include <algorithm>
#include <cmath>

#include "jetml/core/cli.hpp"
#include "jetml/core/error.hpp"
#include "jetml/core/rng.hpp"
#include "jetml/data/folds.hpp"
#include "jetml/data/split.hpp"
#include "jetml/flow/flow_trainable.hpp"
#include "jetml/io/csv.hpp"
#include "jetml/io/io.hpp"
#include "jetml/io/table.hpp"
#include "jetml/train/ensemble.hpp"

namespace jetml::search {
namespace {

constexpr std::size_t sample_chunk = 8192;  // rows per inverse pass (bounds the scratch memory)

std::string range_text(double lo, double hi) { return "[" + format_double(lo) + ", " + format_double(hi) + "]"; }

}  // namespace

std::size_t flow_ensemble::log_prob(const float* xc, std::size_t n, double* out) {
    const std::size_t K = members.size();
    std::vector<std::vector<double>> lp(K, std::vector<double>(n));
    std::size_t outside = 0;
    for (std::size_t k = 0; k < K; ++k) outside = flow::preprocessed_log_prob(members[k], meta.prep, xc, n, lp[k].data()).outside;
    for (std::size_t i = 0; i < n; ++i) {
        double top = -INFINITY;
        for (std::size_t k = 0; k < K; ++k) top = std::max(top, lp[k][i]);
        if (std::isnan(lp[0][i]) || !std::isfinite(top)) {
            out[i] = std::isnan(lp[0][i]) ? NAN : top;
            continue;
        }
        double s = 0;
        for (std::size_t k = 0; k < K; ++k) s += std::exp(lp[k][i] - top);
        out[i] = top + std::log(s / double(K));
    }
    return outside;
}

void flow_ensemble::sample(const float* c, std::size_t n, std::uint64_t seed, float* x) {
    const std::size_t D = dim(), C = cond(), K = members.size();
    const flow::preprocessing& p = meta.prep;
    if (p.fitted()) {
        const std::size_t bad = p.first_condition_outside(c, n);
        if (bad < n) {
            std::size_t k = 0;
            while (k + 1 < C && c[bad * C + k] >= p.clo[k] && c[bad * C + k] <= p.chi[k]) ++k;
            throw error("condition " + format_double(c[bad * C + k]) + " at row " + std::to_string(bad) +
                        " is outside the flow's fitted range " + range_text(p.clo[k], p.chi[k]) +
                        "; a flow samples only the conditions it was trained on");
        }
    }
    std::vector<float> cs(n * C), s(n * D);
    if (p.fitted()) p.apply_conditions(c, n, cs.data());
    else std::copy(c, c + n * C, cs.begin());
    for (std::size_t k = 0; k < K; ++k)
        for (std::size_t a = n * k / K, end = n * (k + 1) / K; a < end; a += sample_chunk) {
            const std::size_t len = std::min(sample_chunk, end - a);
            members[k].sample(C ? cs.data() + a * C : nullptr, len, seed, s.data() + a * D, a);
        }
    if (p.fitted()) p.invert(s.data(), n, x);
    else std::copy(s.begin(), s.end(), x);
    for (std::size_t i = 0; i < n * D; ++i)
        if (!std::isfinite(x[i])) throw error("flow sample " + std::to_string(i / D) + " is not finite");
}

std::string flow_ensemble::model_bytes(std::size_t k) const {
    flow::flow_meta m = meta;
    m.extra.push_back({"ensemble_member", std::to_string(k + 1) + "/" + std::to_string(members.size())});
    return flow::flow_model_bytes(members.at(k), m);
}

flow_ensemble train_flow(const data::labelled_set& rows, const data::labelled_set* prep_rows, const flow_training& o,
                         const train::fit_context& ctx, const std::string& what) {
    if (rows.n < o.min_events)
        throw error(what + ": " + std::to_string(rows.n) + " events to train on; at least " +
                    std::to_string(o.min_events) + " are needed");
    flow::maf_config cfg = o.config;
    if (rows.size <= cfg.cond) throw usage_error(what + ": rows hold no variables besides the conditions");
    cfg.dim = rows.size - cfg.cond;
    cfg.check();
    const data::labelled_set& pr = prep_rows ? *prep_rows : rows;
    flow_ensemble out;
    out.meta.prep = flow::preprocessing::fit(pr.x.data(), pr.n, cfg.dim, cfg.cond, o.eps);
    // the rows in flow space (rows outside a range fitted on other rows are left out)
    data::labelled_set t;
    t.shape = rows.shape, t.size = rows.size;
    {
        std::vector<float> s(rows.n * rows.size);
        std::vector<std::uint8_t> inside;
        out.meta.prep.apply(rows.x.data(), rows.n, s.data(), nullptr, inside);
        for (std::size_t i = 0; i < rows.n; ++i) {
            if (!inside[i]) continue;
            t.x.insert(t.x.end(), s.begin() + std::ptrdiff_t(i * rows.size), s.begin() + std::ptrdiff_t((i + 1) * rows.size));
            t.y.push_back(rows.y.empty() ? 0.0f : rows.y[i]);
            t.w.push_back(rows.w.empty() ? 1.0f : rows.w[i]);
            ++t.n;
        }
    }
    train::fit_options f = o.fit;
    f.standardize = "off";  // the flow's own preprocessing above replaces it
    f.loss = "bce";         // the engine's placeholder: flow_trainable's signature states the nll it trains
    auto parts = data::split(t, f.val_split, ctx.seed);
    if (parts.train.n < o.min_events)
        throw error(what + ": " + std::to_string(parts.train.n) + " events left to train on after the validation split; at least " +
                    std::to_string(o.min_events) + " are needed");
    if (o.ensemble > 1 && parts.val.n == 0)
        throw usage_error(what + ": an epoch ensemble is chosen by validation loss: give a --val-split above 0");
    const nn::optim_config oc = train::optimiser_of(f);
    flow::maf m(cfg, ctx.seed);
    if (ctx.t)
        ctx.t->info("%s: %s, %zu parameters, %zu training + %zu validation events, ensemble of %zu epochs", what.c_str(),
                    cfg.spec().c_str(), m.trainable_count(), parts.train.n, parts.val.n, o.ensemble);
    flow::flow_trainable ft(m, oc, parts.train, f.batch, out.meta);
    train::epoch_ensemble ens(ft, o.ensemble);
    const train::fit_result r = train::fit(ens, parts.train, parts.val, f, ctx);
    if (ens.members().empty()) {
        out.members.push_back(m);
    } else {
        for (const auto& k : ens.members()) {
            ft.restore(k.snap);
            out.members.push_back(m);
        }
    }
    out.meta.epoch = r.best_epoch;
    out.meta.extra.push_back({"density", what});
    out.meta.extra.push_back({"best_val_nll", format_double(r.best_loss)});
    if (ctx.t) ctx.t->note("%s: best epoch %zu, validation NLL %.5f nats", what.c_str(), r.best_epoch, r.best_loss);
    return out;
}

std::string member_path(const std::string& path, std::size_t k) {
    if (k == 0) return path;
    const auto slash = path.rfind('/');
    const auto dot = path.rfind('.');
    const bool ext = dot != std::string::npos && (slash == std::string::npos || dot > slash + 1);
    return ext ? path.substr(0, dot) + "." + std::to_string(k + 1) + path.substr(dot)
               : path + "." + std::to_string(k + 1);
}

flow_ensemble load_flow_ensemble(const std::vector<std::string>& given) {
    flow_ensemble e;
    std::vector<std::string> paths = given;
    for (std::size_t i = 0; i < paths.size(); ++i) {
        const std::string p = paths[i];  // a copy: the loop appends siblings to paths
        flow::flow_meta meta;
        flow::maf m = flow::load_flow(p, &meta);
        if (!e.members.empty()) {
            const flow::preprocessing& a = e.meta.prep;
            const flow::preprocessing& b = meta.prep;
            if (m.config().spec() != e.members.front().config().spec() || a.lo != b.lo || a.hi != b.hi ||
                a.mean != b.mean || a.std != b.std || a.cmean != b.cmean || a.cstd != b.cstd)
                throw error(p, "another flow or preprocessing than " + paths.front() + "; the members of one ensemble share both");
        } else {
            e.meta = meta;
            for (const auto& [key, v] : meta.extra)
                if (key == "ensemble_member" && given.size() == 1 && v.rfind("1/", 0) == 0) {
                    const std::size_t k = std::strtoull(v.c_str() + 2, nullptr, 10);
                    for (std::size_t j = 1; j < k && j < 1000; ++j) paths.push_back(member_path(p, j));
                }
        }
        e.members.push_back(std::move(m));
    }
    auto& x = e.meta.extra;
    x.erase(std::remove_if(x.begin(), x.end(), [](const auto& kv) { return kv.first == "ensemble_member"; }), x.end());
    if (e.members.empty()) throw usage_error("no flow model files");
    return e;
}

region_rows load_region_rows(const data::mixed_options& m) {
    data::mixed_set ms = data::load_mixed(m);
    const data::labelled_set& s = ms.set;
    const std::vector<float>& c = s.side.front().second;
    const std::size_t D = s.size;
    region_rows r;
    r.outside = ms.outside;
    for (data::labelled_set* t : {&r.sr, &r.sb}) t->shape = {D + 1}, t->size = D + 1;
    for (std::size_t i = 0; i < s.n; ++i) {
        data::labelled_set& t = s.y[i] > 0.5f ? r.sr : r.sb;
        t.x.insert(t.x.end(), s.x.begin() + std::ptrdiff_t(i * D), s.x.begin() + std::ptrdiff_t((i + 1) * D));
        t.x.push_back(c[i]);
        t.y.push_back(s.y[i]);
        t.w.push_back(1.0f);
        ++t.n;
        if (!ms.truth.empty() && s.y[i] > 0.5f) r.truth_sr.push_back(ms.truth[i]);
    }
    return r;
}

void write_score_table(output& out, const std::vector<std::string>& cols, const std::vector<double>& v,
                       std::size_t npy_col) {
    const std::string fmt = format_from_extension("", out.name(), "csv");
    const std::size_t nc = cols.size(), n = v.size() / nc;
    const bool npy = fmt == "npy" && npy_col != all_columns;
    io::table_writer w(out, fmt, dtype::f8, npy ? std::vector<std::size_t>{} : std::vector<std::size_t>{nc},
                       npy ? std::vector<std::string>{cols[npy_col]} : cols, n);
    if (!npy) {
        w.write_rows(v.data(), n);
    } else {
        std::vector<double> col(n);
        for (std::size_t i = 0; i < n; ++i) col[i] = v[i * nc + npy_col];
        w.write_rows(col.data(), n);
    }
    w.finish();
}

score_table anode_table(const anode_scores& s, const data::labelled_set& ev, const std::vector<float>& truth,
                        const std::string& cond) {
    score_table t;
    t.cols = {cond, "log_p_sr", "log_p_bkg", "log_r", "r"};
    if (!truth.empty()) t.cols.push_back("truth");
    const std::size_t R = ev.size;
    for (std::size_t i = 0; i < ev.n; ++i) {
        t.rows.insert(t.rows.end(), {ev.x[i * R + R - 1], s.log_p_sr[i], s.log_p_bkg[i], s.log_r[i], std::exp(s.log_r[i])});
        if (!truth.empty()) t.rows.push_back(truth[i]);
    }
    return t;
}

score_table cathode_table(const std::vector<float>& score, const std::vector<std::uint32_t>& fold,
                          const data::labelled_set& ev, const std::vector<float>& truth, const std::string& cond) {
    score_table t;
    t.cols = {"score", cond};
    if (!fold.empty()) t.cols.push_back("fold");
    if (!truth.empty()) t.cols.push_back("truth");
    const std::size_t R = ev.size;
    for (std::size_t i = 0; i < ev.n; ++i) {
        t.rows.insert(t.rows.end(), {double(score[i]), double(ev.x[i * R + R - 1])});
        if (!fold.empty()) t.rows.push_back(fold[i]);
        if (!truth.empty()) t.rows.push_back(truth[i]);
    }
    return t;
}

std::vector<std::string> sample_columns(const flow_ensemble& e, const std::vector<std::string>& fallback,
                                        const std::string& cond) {
    const std::size_t D = e.dim();
    std::vector<std::string> c = e.meta.features.size() == D ? e.meta.features : fallback;
    if (c.size() != D) c.clear();
    for (std::size_t j = c.size(); j < D; ++j) c.push_back("x" + std::to_string(j));
    c.push_back(cond);
    return c;
}

std::vector<double> sample_rows(flow_ensemble& e, const std::vector<double>& c, std::size_t per_row, std::uint64_t seed) {
    if (e.cond() != 1) throw error("the flow has " + std::to_string(e.cond()) + " conditions; sampling reads one");
    std::vector<float> cs;
    cs.reserve(c.size() * per_row);
    for (double v : c) cs.insert(cs.end(), per_row, float(v));
    const std::size_t n = cs.size(), D = e.dim();
    std::vector<float> x(n * D);
    e.sample(cs.data(), n, seed, x.data());
    std::vector<double> rows;
    rows.reserve(n * (D + 1));
    for (std::size_t i = 0; i < n; ++i) {
        rows.insert(rows.end(), x.begin() + std::ptrdiff_t(i * D), x.begin() + std::ptrdiff_t((i + 1) * D));
        rows.push_back(cs[i]);
    }
    return rows;
}

anode_scores anode_score(flow_ensemble& sr, flow_ensemble& bkg, const float* xc, std::size_t n) {
    if (sr.dim() != bkg.dim() || sr.cond() != bkg.cond())
        throw error("the signal-region and background densities have different variables or conditions");
    anode_scores s;
    s.log_p_sr.resize(n), s.log_p_bkg.resize(n), s.log_r.resize(n);
    sr.log_prob(xc, n, s.log_p_sr.data());
    bkg.log_prob(xc, n, s.log_p_bkg.data());
    for (std::size_t i = 0; i < n; ++i) {
        s.log_r[i] = s.log_p_sr[i] - s.log_p_bkg[i];
        if (!std::isfinite(s.log_r[i])) s.log_r[i] = NAN, ++s.outside;
    }
    return s;
}

std::vector<float> kde_sample(const std::vector<float>& values, double h, double lo, double hi, std::size_t n,
                              std::uint64_t seed) {
    if (values.empty()) throw error("a kernel density estimate needs at least one value");
    if (!(h > 0) || !std::isfinite(h)) throw usage_error("the KDE bandwidth must be positive, got " + format_double(h));
    std::vector<float> out(n);
    for (std::size_t i = 0; i < n; ++i) {
        rng r(seed, 0x4B444500ull + i);
        for (int tries = 0;; ++tries) {
            const double v = values[r.below(values.size())] + h * r.normal();
            if (v >= lo && v < hi) {
                out[i] = float(v);
                break;
            }
            if (tries == 10000)
                throw error("the KDE of the signal-region values puts no mass inside " + range_text(lo, hi) +
                            "; is the bandwidth " + format_double(h) + " far wider than the region?");
        }
    }
    return out;
}

cathode_result run_cathode(flow_ensemble* bkg, const data::labelled_set& sr, const cathode_options& o,
                           const train::fit_context& ctx) {
    const std::size_t R = sr.size, D = R - 1;
    if (bkg && (bkg->cond() != 1 || bkg->dim() != D))
        throw error("the flow models " + std::to_string(bkg->dim()) + " variables given " + std::to_string(bkg->cond()) +
                    " conditions; the events have " + std::to_string(D) + " and one (mjj)");
    if (!bkg && !o.given_samples) throw usage_error("CATHODE needs a background flow or background samples");
    if (o.given_samples && o.given_samples->size != R) throw error("the background samples do not match the events' variables");
    if (o.folds < 2) throw usage_error("--folds must be at least 2");
    if (sr.n < o.folds * 10)
        throw error(std::to_string(sr.n) + " signal-region events; CATHODE's " + std::to_string(o.folds) +
                    "-fold scoring needs at least " + std::to_string(o.folds * 10));
    if (!(o.oversample > 0)) throw usage_error("--oversample must be positive");
    cathode_result res;
    //-- samples: m from the KDE of the signal-region m, x ~ p_bkg(x|m)
    std::vector<float> xs;
    if (o.given_samples) {
        res.n_samples = o.given_samples->n;
        res.samples = o.given_samples->x;
        for (std::size_t i = 0; i < res.n_samples; ++i)
            xs.insert(xs.end(), res.samples.begin() + std::ptrdiff_t(i * R), res.samples.begin() + std::ptrdiff_t(i * R + D));
    } else {
        std::vector<float> m(sr.n);
        for (std::size_t i = 0; i < sr.n; ++i) m[i] = sr.x[i * R + D];
        res.n_samples = std::max<std::size_t>(1, std::size_t(std::llround(o.oversample * double(sr.n))));
        const std::vector<float> ms = kde_sample(m, o.bandwidth, o.sr_lo, o.sr_hi, res.n_samples, ctx.seed);
        xs.resize(res.n_samples * D);
        bkg->sample(ms.data(), res.n_samples, ctx.seed ^ 0x53414D50ull, xs.data());
        res.samples.resize(res.n_samples * R);
        for (std::size_t i = 0; i < res.n_samples; ++i) {
            std::copy(xs.begin() + std::ptrdiff_t(i * D), xs.begin() + std::ptrdiff_t((i + 1) * D), res.samples.begin() + std::ptrdiff_t(i * R));
            res.samples[i * R + D] = ms[i];
        }
    }
    if (res.n_samples < o.folds) throw error(std::to_string(res.n_samples) + " background samples for " + std::to_string(o.folds) + " folds");
    if (ctx.t) ctx.t->info("cathode: %zu background samples for %zu signal-region events", res.n_samples, sr.n);
    //-- the classifier's set: events (label 1), then samples (label 0), x only
    data::labelled_set all;
    all.shape = {D}, all.size = D, all.n = sr.n + res.n_samples;
    all.x.reserve(all.n * D);
    for (std::size_t i = 0; i < sr.n; ++i) all.x.insert(all.x.end(), sr.x.begin() + std::ptrdiff_t(i * R), sr.x.begin() + std::ptrdiff_t(i * R + D));
    all.x.insert(all.x.end(), xs.begin(), xs.end());
    all.y.assign(all.n, 0.0f);
    std::fill(all.y.begin(), all.y.begin() + std::ptrdiff_t(sr.n), 1.0f);
    all.w.assign(all.n, 1.0f);
    std::vector<std::uint32_t> stratum(all.n, 1);
    std::fill(stratum.begin(), stratum.begin() + std::ptrdiff_t(sr.n), 0u);
    const auto fold_of = data::stratified_folds(stratum, o.folds, ctx.seed);
    res.score.assign(sr.n, NAN);
    std::vector<float> ex;  // the extra events' x
    if (o.extra) {
        if (o.extra->size != R) throw error("the extra events do not match the flow's variables");
        for (std::size_t i = 0; i < o.extra->n; ++i)
            ex.insert(ex.end(), o.extra->x.begin() + std::ptrdiff_t(i * R), o.extra->x.begin() + std::ptrdiff_t(i * R + D));
        res.extra_score.assign(o.extra->n, 0.0f);
    }
    res.fold.assign(fold_of.begin(), fold_of.begin() + std::ptrdiff_t(sr.n));
    for (std::size_t k = 0; k < o.folds; ++k) {
        std::vector<std::size_t> train_rows, test_rows;
        for (std::size_t i = 0; i < all.n; ++i) {
            if (fold_of[i] != k) train_rows.push_back(i);
            else if (i < sr.n) test_rows.push_back(i);
        }
        data::labelled_set tr = data::take_rows(all, train_rows);
        data::apply_class_weight(tr, o.fit.class_weight);
        auto parts = data::split(tr, o.fit.val_split, ctx.seed + k);
        train::fit_options f = o.fit;
        if (!f.checkpoint.empty()) f.checkpoint += ".fold" + std::to_string(k);
        if (ctx.t) ctx.t->note("cathode: fold %zu/%zu: %zu training, %zu validation, %zu events scored", k + 1, o.folds,
                               parts.train.n, parts.val.n, test_rows.size());
        auto c = train::fit_classifier(o.classifier, std::move(parts.train), std::move(parts.val), f, ctx);
        res.val_loss.push_back(c.result.best_loss);
        data::labelled_set te = data::take_rows(all, test_rows);
        const auto s = c.scores(te.x.data(), te.n);
        for (std::size_t j = 0; j < test_rows.size(); ++j) res.score[test_rows[j]] = s[j];
        if (o.extra && o.extra->n) {
            const auto se = c.scores(ex.data(), o.extra->n);
            for (std::size_t j = 0; j < se.size(); ++j) res.extra_score[j] += se[j] / float(o.folds);
        }
    }
    return res;
}

}  // namespace jetml::search
