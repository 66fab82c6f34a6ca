// SPDX-License-Identifier: MIT
// jetml/search/hunt.cpp - the CWoLa bump hunt (see hunt.hpp).
#include "jetml/search/hunt.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <memory>
#include <sstream>

#include "jetml/core/error.hpp"
#include "jetml/data/dataset.hpp"
#include "jetml/data/folds.hpp"
#include "jetml/data/labelled.hpp"
#include "jetml/data/regions.hpp"
#include "jetml/io/csv.hpp"
#include "jetml/io/io.hpp"
#include "jetml/io/npy.hpp"
#include "jetml/io/table.hpp"
#include "jetml/stats/selection.hpp"
#include "jetml/train/signature.hpp"

namespace jetml::search {
using namespace jetml::stats;
namespace {

constexpr std::size_t outside_bin = std::numeric_limits<std::size_t>::max();

// A seed per training from the hunt's seed and its place in the scan.
std::uint64_t unit_seed(std::uint64_t seed, std::size_t centre, std::size_t k, std::size_t l, std::size_t i) {
    train::digest64 h(0x68756e74);  // "hunt"
    for (std::uint64_t v : {seed, std::uint64_t(centre), std::uint64_t(k), std::uint64_t(l), std::uint64_t(i)}) h.update_u64(v);
    return h.value() >> 1;
}

// What a (region, fold) unit's scores depend on: every option that changes them and the data.
std::string hunt_signature(const hunt_events& ev, const hunt_options& o) {
    train::digest64 h;
    h.update(ev.mjj.data(), ev.mjj.size() * sizeof(double));
    h.update(ev.features.x.data(), ev.features.x.size() * sizeof(float));
    h.update(o.edges.data(), o.edges.size() * sizeof(double));
    std::ostringstream s;
    s << "jetml-hunt-unit 2;data:" << h.hex() << ";n:" << ev.mjj.size() << ";sr:" << o.sr_bins
      << ";sb:" << o.sb_bins << ";folds:" << o.folds << ";trainings:" << o.trainings << ";select:" << o.select_eff
      << ";arch:" << o.classifier.arch << ";epochs:" << o.fit.epochs << ";batch:" << o.fit.batch << ";lr:" << o.fit.lr
      << ";optim:" << o.fit.optimizer << ";wd:" << o.fit.weight_decay << ";sched:" << o.fit.schedule
      << ";loss:" << o.fit.loss << ";patience:" << o.fit.patience << ";std:" << o.fit.standardize
      << ";seed:" << o.seed;
    return s.str();
}

std::string unit_path(const hunt_options& o, std::size_t centre, std::size_t k) {
    return o.state_dir + "/region" + std::to_string(centre) + "_fold" + std::to_string(k) + ".scores";
}

// A saved unit: the signature line, then the fold's scores as raw float32.
bool load_unit(const std::string& path, const std::string& sig, std::size_t n, std::vector<float>& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::string line;
    std::getline(in, line);
    if (line != sig)
        throw usage_error(path + ": saved by a hunt with other options or data; remove the state directory or drop --resume");
    out.resize(n);
    in.read(reinterpret_cast<char*>(out.data()), std::streamsize(n * sizeof(float)));
    if (in.gcount() != std::streamsize(n * sizeof(float))) throw error(path, "truncated hunt state");
    return true;
}

void save_unit(const std::string& path, const std::string& sig, const std::vector<float>& s) {
    output out(path, false);
    out.write(sig + "\n");
    out.write(s.data(), s.size() * sizeof(float));
    out.commit();
}

// The rows `idx` of the features as a labelled set with the given labels and weights.
data::labelled_set rows_of(const data::labelled_set& x, const std::vector<std::size_t>& idx, const std::vector<float>& y,
                           const std::vector<float>& w) {
    data::labelled_set d;
    d.shape = x.shape;
    d.size = x.size;
    d.n = idx.size();
    d.x.resize(d.n * d.size);
    for (std::size_t k = 0; k < idx.size(); ++k)
        std::memcpy(&d.x[k * d.size], &x.x[idx[k] * d.size], d.size * sizeof(float));
    d.y = y;
    d.w = w;
    return d;
}

}  // namespace

stats::background_fit_options hunt_background_defaults() {
    stats::background_fit_options o;
    o.lsq.ftol = o.lsq.xtol = 1.49012e-8;  // scipy.optimize.leastsq's defaults, sqrt(machine epsilon)
    o.lsq.max_iterations = 20000;          // a dozen points: 20000 steps take milliseconds
    return o;
}

std::string fit_note(const stats::background_prediction& p) {
    std::string s = p.ok ? "ok" : p.reason.empty() ? "failed" : p.reason;
    std::replace(s.begin(), s.end(), ',', ';');  // one CSV field
    return s;
}

std::size_t failed_fits(const hunt_result& r) {
    std::size_t n = 0;
    for (const auto& reg : r.regions)
        for (const auto& c : reg.cells) n += !c.fit.ok;
    return n;
}

hunt_events load_hunt_events(const std::string& path, const std::string& mjj_col, const std::string& features,
                             const std::string& truth_col) {
    const auto feat = split_list(features);
    if (feat.empty()) throw usage_error("the hunt needs the classifier's feature columns (--features a,b,...)");
    for (const auto& f : feat)
        if (f == mjj_col) throw usage_error("--features must not hold the mjj column '" + mjj_col + "': the classifier would find the signal region from it");
    hunt_events ev;
    column_file cf(path);
    if (cf.is_npy()) throw usage_error(path + ": the hunt reads a CSV event table with named columns");
    auto s = load_samples(path, feat);
    ev.features.shape = s.sample_shape;
    ev.features.size = s.sample_size();
    ev.features.n = s.n;
    ev.features.x = std::move(s.x);
    ev.mjj = load_column(path, mjj_col);
    data::check_finite(ev.mjj, path, mjj_col);
    data::check_finite(ev.features.x, path, "feature");
    if (!truth_col.empty()) ev.truth = load_labels(path, truth_col);
    if (ev.mjj.size() != ev.features.n) throw error(path, "mjj and feature columns differ in length");
    return ev;
}

void check_hunt(const hunt_events& ev, const hunt_options& o) {
    if (o.edges.size() < 2) throw usage_error("the hunt needs mjj bins");
    if (o.folds < 3) throw usage_error("the nested k-fold needs at least 3 folds, got " + std::to_string(o.folds));
    if (o.trainings < 1) throw usage_error("--trainings must be at least 1");
    if (!(o.select_eff > 0 && o.select_eff <= 1)) throw usage_error("--select-eff must be in (0, 1]");
    if (o.efficiencies.empty()) throw usage_error("no efficiencies to select at");
    for (double e : o.efficiencies)
        if (!(e > 0 && e <= 1)) throw usage_error("efficiency " + format_double(e) + " is not in (0, 1]");
    if (o.classifier.arch == "fisher" && o.trainings > 1)
        throw usage_error("a Fisher discriminant is a closed form; --trainings above 1 would repeat it");
    const std::size_t nb = o.edges.size() - 1;
    const auto all = o.centres.empty() ? signal_region_centres(nb, o.sr_bins, o.sb_bins) : o.centres;
    if (all.empty())
        throw usage_error("a signal region of " + std::to_string(o.sr_bins) + " bins with " + std::to_string(o.sb_bins) +
                          " sideband bins each side does not fit in " + std::to_string(nb) + " bins");
    for (auto c : all) make_signal_region(nb, c, o.sr_bins, o.sb_bins);  // usage_error if it does not fit
    if (ev.mjj.size() != ev.features.n) throw error("mjj and features differ in length");
    if (!ev.truth.empty() && ev.truth.size() != ev.mjj.size()) throw error("truth labels and events differ in length");
    // every part of every window needs events in each fold's training and validation sets
    const histogram h = fill_histogram(o.edges, ev.mjj);
    if (h.underflow + h.overflow == double(ev.mjj.size()))
        throw error("no event has mjj in the range " + format_double(o.edges.front()) + "-" + format_double(o.edges.back()));
    // (one empty sideband is allowed: the other then weighs as much as the signal region)
    for (auto c : all) {
        const auto sr = make_signal_region(nb, c, o.sr_bins, o.sb_bins);
        auto count = [&](std::size_t from, std::size_t to) {
            double n_in = 0;
            for (std::size_t b = from; b < to; ++b) n_in += h.sumw[b];
            return n_in;
        };
        const auto range = [&](std::size_t from, std::size_t to) {
            return format_number("%.6g", o.edges[from]) + "-" + format_number("%.6g", o.edges[to]);
        };
        auto refuse = [&](const std::string& what, const std::string& where, double n_in) {
            throw error("signal region " + sr.description() + ": " + what + " (mjj " + where + ") hold" +
                        (what == "the signal region" ? "s " : " ") + format_double(n_in) + " events, need at least " +
                        std::to_string(o.folds) + " (one per fold); narrow --range or choose --centres");
        };
        const double in_sr = count(sr.first, sr.end()), in_sb = count(sr.low(), sr.first) + count(sr.end(), sr.high_end());
        if (in_sr < double(o.folds)) refuse("the signal region", range(sr.first, sr.end()), in_sr);
        if (in_sb < double(o.folds))
            refuse("its sidebands", range(sr.low(), sr.first) + ", " + range(sr.end(), sr.high_end()), in_sb);
    }
}

hunt_result run_hunt(const hunt_events& ev, const hunt_options& o, const hunt_callbacks& cb) {
    check_hunt(ev, o);
    const std::size_t n = ev.mjj.size(), nb = o.edges.size() - 1, F = o.folds;
    hunt_result res;
    res.all = fill_histogram(o.edges, ev.mjj);
    std::vector<std::size_t> bin(n);
    std::vector<std::uint32_t> stratum(n);
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t b = find_bin(o.edges, ev.mjj[i]);
        bin[i] = b >= nb ? outside_bin : b;
        stratum[i] = std::uint32_t(b >= nb ? nb : b);
    }
    res.fold_of = data::stratified_folds(stratum, F, o.seed);
    std::vector<std::vector<std::size_t>> in_fold(F);
    for (std::size_t i = 0; i < n; ++i) in_fold[res.fold_of[i]].push_back(i);
    const auto centres = o.centres.empty() ? signal_region_centres(nb, o.sr_bins, o.sb_bins) : o.centres;
    const std::string sig = hunt_signature(ev, o);
    const std::size_t total = centres.size() * F * (F - 1) * o.trainings;
    std::size_t done = 0;
    train::fit_options f = o.fit;
    f.checkpoint.clear();
    f.resume = false;

    for (std::size_t c : centres) {
        hunt_region reg;
        reg.sr = make_signal_region(nb, c, o.sr_bins, o.sb_bins);
        reg.scores.assign(n, 0.0f);
        auto in_window = [&](std::size_t i) { return bin[i] != outside_bin && reg.sr.in_window(bin[i]); };
        for (std::size_t k = 0; k < F; ++k) {
            const auto& test = in_fold[k];
            std::vector<float> fold_scores;
            if (!o.state_dir.empty() && o.resume && load_unit(unit_path(o, c, k), sig, test.size(), fold_scores)) {
                ++res.units_reused;
                done += (F - 1) * o.trainings;
                if (cb.progress) cb.progress(done, total);
            } else {
                std::vector<double> sum(test.size(), 0.0);
                for (std::size_t l = 0; l < F; ++l) {
                    if (l == k) continue;
                    // training rows: the window in the other folds; validation: the window in fold l
                    std::vector<std::size_t> tr_idx, va_idx;
                    for (std::size_t i = 0; i < n; ++i)
                        if (in_window(i)) {
                            if (res.fold_of[i] == l) va_idx.push_back(i);
                            else if (res.fold_of[i] != k) tr_idx.push_back(i);
                        }
                    data::region_counts cnt;
                    for (auto i : tr_idx) (reg.sr.contains(bin[i]) ? cnt.signal : bin[i] < reg.sr.first ? cnt.low : cnt.high)++;
                    if (cnt.signal == 0 || cnt.low + cnt.high == 0)
                        throw error("signal region " + reg.sr.description() + ": no training events in the " +
                                    (cnt.signal == 0 ? "signal region" : "sidebands"));
                    auto label_weight = [&](const std::vector<std::size_t>& idx, std::vector<float>& y, std::vector<float>& w) {
                        for (auto i : idx) {
                            const data::region r = reg.sr.contains(bin[i]) ? data::region::signal
                                                   : bin[i] < reg.sr.first ? data::region::low_sideband
                                                                           : data::region::high_sideband;
                            y.push_back(data::hunt_label(r));
                            w.push_back(data::hunt_weight(r, cnt));
                        }
                    };
                    std::vector<float> ytr, wtr, yva, wva;
                    label_weight(tr_idx, ytr, wtr);
                    label_weight(va_idx, yva, wva);
                    const auto tr = rows_of(ev.features, tr_idx, ytr, wtr);
                    const auto va = rows_of(ev.features, va_idx, yva, wva);
                    double best = -1;
                    std::unique_ptr<train::trained_classifier> keep;
                    for (std::size_t it = 0; it < o.trainings; ++it) {
                        train::fit_context ctx;
                        ctx.seed = unit_seed(o.seed, c, k, l, it);
                        auto m = std::make_unique<train::trained_classifier>(
                            train::fit_classifier(o.classifier, tr, va, f, ctx));
                        const auto s = m->scores(va.x.data(), va.n);
                        std::vector<double> pos, neg;
                        for (std::size_t j = 0; j < va.n; ++j) (va.y[j] > 0.5f ? pos : neg).push_back(s[j]);
                        const double eff = pos.empty() || neg.empty() ? 0 : stats::tpr_at_fpr(pos, neg, o.select_eff);
                        if (!keep || eff > best) best = eff, keep = std::move(m);
                        ++done;
                        if (cb.progress) cb.progress(done, total);
                    }
                    reg.select_metric.push_back(best);
                    const auto test_x = rows_of(ev.features, test, {}, {});
                    const auto s = keep->scores(test_x.x.data(), test_x.n);
                    for (std::size_t j = 0; j < test.size(); ++j) sum[j] += s[j];
                }
                fold_scores.resize(test.size());
                for (std::size_t j = 0; j < test.size(); ++j) fold_scores[j] = float(sum[j] / double(F - 1));
                if (!o.state_dir.empty()) save_unit(unit_path(o, c, k), sig, fold_scores);
            }
            for (std::size_t j = 0; j < test.size(); ++j) reg.scores[test[j]] = fold_scores[j];
        }

        //-- selections: per fold, the cut keeping the fraction eff of all its events -------
        for (double eff : o.efficiencies) {
            hunt_cell cell;
            cell.efficiency = eff;
            cell.pass.assign(nb, 0.0);
            double ts = 0, tb = 0;
            for (std::size_t k = 0; k < F; ++k) {
                const auto& test = in_fold[k];
                if (test.empty()) continue;
                double t = -std::numeric_limits<double>::infinity();  // eff = 1 keeps every event
                if (eff < 1) {
                    std::vector<double> s;
                    s.reserve(test.size());
                    for (auto i : test) s.push_back(reg.scores[i]);
                    t = stats::threshold_at_efficiency(std::move(s), eff);
                }
                for (auto i : test)
                    if (reg.scores[i] > t && bin[i] != outside_bin) {
                        cell.pass[bin[i]] += 1;
                        if (!ev.truth.empty() && reg.sr.contains(bin[i])) (ev.truth[i] > 0.5f ? ts : tb) += 1;
                    }
            }
            if (!ev.truth.empty()) cell.truth_signal = ts, cell.truth_background = tb;
            histogram h = make_histogram(o.edges);
            h.sumw = cell.pass;
            h.sumw2 = cell.pass;
            cell.fit = predict_background(h, reg.sr, o.background);
            if (cell.fit.ok && cell.fit.expected > 0)
                cell.sig = profile_significance(cell.fit.observed, cell.fit.expected, cell.fit.sigma);
            reg.cells.push_back(std::move(cell));
        }
        if (cb.note) {
            double zmax = 0;
            for (const auto& cl : reg.cells) zmax = std::max(zmax, cl.sig.z);
            cb.note("signal region " + reg.sr.description() + ": largest Z " + format_double(std::round(zmax * 100) / 100));
        }
        res.regions.push_back(std::move(reg));
    }
    return res;
}

std::string hunt_table(const hunt_result& r, bool csv, bool truth) {
    std::vector<std::string> head{"centre", "sr_lo", "sr_hi", "efficiency", "observed", "expected", "expected_err",
                                  "z", "p0", "chi2", "ndf", "fit_ok", "fit_note"};
    if (truth) head.insert(head.end() - 1, {"signal", "background"});
    std::vector<std::vector<std::string>> rows;
    for (const auto& reg : r.regions)
        for (const auto& c : reg.cells) {
            const auto& e = r.all.edges;
            std::vector<std::string> row{std::to_string(reg.sr.centre()), format_double(e[reg.sr.first]),
                                         format_double(e[reg.sr.end()]), format_double(c.efficiency),
                                         format_double(c.fit.observed), format_double(c.fit.ok ? c.fit.expected : NAN),
                                         format_double(c.fit.ok ? c.fit.sigma : NAN), format_double(c.sig.z),
                                         format_double(c.sig.p0), format_double(c.fit.fit.chi2),
                                         std::to_string(c.fit.fit.ndf), c.fit.ok ? "1" : "0", fit_note(c.fit)};
            if (truth) row.insert(row.end() - 1, {format_double(c.truth_signal), format_double(c.truth_background)});
            rows.push_back(std::move(row));
        }
    std::string out;
    if (csv) {
        for (std::size_t j = 0; j < head.size(); ++j) out += (j ? "," : "") + head[j];
        out += "\n";
        for (const auto& row : rows) {
            for (std::size_t j = 0; j < row.size(); ++j) out += (j ? "," : "") + row[j];
            out += "\n";
        }
        return out;
    }
    // text: numbers to a readable precision, aligned
    auto short_num = [](const std::string& s) {
        double v = 0;
        if (!parse_double(s, v) || !std::isfinite(v)) return s;
        char b[32];
        std::snprintf(b, sizeof b, "%.4g", v);
        return std::string(b);
    };
    std::vector<std::size_t> wid(head.size());
    for (std::size_t j = 0; j < head.size(); ++j) wid[j] = head[j].size();
    for (auto& row : rows)
        for (std::size_t j = 0; j < row.size(); ++j) row[j] = short_num(row[j]), wid[j] = std::max(wid[j], row[j].size());
    auto line = [&](const std::vector<std::string>& row) {
        std::string s;
        // numbers right-aligned; the last column (fit_note, words) left-aligned and unpadded
        for (std::size_t j = 0; j + 1 < row.size(); ++j) s += (j ? "  " : "") + std::string(wid[j] - row[j].size(), ' ') + row[j];
        return s + "  " + row.back() + "\n";
    };
    out = line(head);
    for (const auto& row : rows) out += line(row);
    return out;
}

void write_hunt_scores(const std::string& path, const hunt_result& r) {
    const std::string fmt = format_from_extension("", path, "npy");
    output out(path, fmt == "npy");
    std::vector<std::string> cols;
    for (const auto& reg : r.regions) cols.push_back("score_sr" + std::to_string(reg.sr.centre()));
    const std::size_t n = r.fold_of.size();
    io::table_writer w(out, fmt, dtype::f4, {cols.size()}, cols, n);
    std::vector<float> row(cols.size());
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = 0; j < r.regions.size(); ++j) row[j] = r.regions[j].scores[i];
        w.write_rows(row.data(), 1);
    }
    w.finish();
}

}  // namespace jetml::search
