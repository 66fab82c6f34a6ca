// SPDX-License-Identifier: MIT
// jetml/stats/roc_study.cpp - roc's inputs, computation and tables (see roc_study.hpp).
#include "jetml/stats/roc_study.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>

#include "jetml/core/error.hpp"
#include "jetml/data/dataset.hpp"
#include "jetml/data/labelled.hpp"
#include "jetml/io/csv.hpp"
#include "jetml/io/io.hpp"

namespace jetml::stats {
namespace {

constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();

// The input files, each opened once and read once (column_file; standard input can only be
// read once), keeping the columns somebody asked for.
class file_set {
public:
    column_file& open(const std::string& path) {
        auto it = files_.find(path);
        if (it == files_.end()) it = files_.emplace(path, column_file(path)).first;
        return it->second;
    }
    void want(const std::string& path, const std::string& col) { open(path).want(col); }
    const std::vector<double>& column(const std::string& path, const std::string& col) { return open(path).column(col); }
    const std::string& name(const std::string& path) { return open(path).name(); }
    bool is_npy(const std::string& path) { return open(path).is_npy(); }

private:
    std::map<std::string, column_file> files_;
};

std::string stem(const std::string& path) {
    if (path == "-") return "scores";
    auto s = path.substr(path.find_last_of('/') + 1);
    auto dot = s.find('.');
    return dot == 0 || dot == std::string::npos ? s : s.substr(0, dot);
}

void check_finite(const std::vector<double>& v, const std::string& file, const char* what) {
    if (v.empty()) throw error(file, std::string("no ") + what + "s (empty input)");
    data::check_finite(v, file, what);
}

void check_side_file(const std::string& path, const char* option) {
    if (!path.empty() && path != "-" && ::access(path.c_str(), R_OK) != 0)
        throw usage_error(std::string(option) + ": cannot read '" + path + "': " + std::strerror(errno));
}

bool scores_on_stdin(const roc_inputs& in) {
    return std::any_of(in.data.inputs.begin(), in.data.inputs.end(),
                       [](const std::string& a) { return split_name(a).second == "-"; });
}

// text for the table: "0.94123 ± 0.00051" (error to 2 significant digits) or "%.6g"
std::string value_text(double v, double e) {
    char buf[96];
    if (!std::isfinite(v)) return format_double(v);
    if (!std::isfinite(e) || e <= 0) {
        std::snprintf(buf, sizeof buf, "%.6g", v);
        return buf;
    }
    int dec = std::clamp(1 - static_cast<int>(std::floor(std::log10(e))), 0, 12);
    std::snprintf(buf, sizeof buf, "%.*f \xC2\xB1 %.*f", dec, v, dec, e);
    return buf;
}

class loader {
public:
    explicit loader(const roc_inputs& in) : in_(in) {}

    std::vector<roc_discriminant> run() {
        if (in_.data.signal.empty()) read_labelled();
        else read_pairs();
        return std::move(ds_);
    }

private:
    void add_member(const std::string& name, roc_member m) {
        const std::string nm = in_.ensemble.empty() ? name : in_.ensemble;
        if (nm.empty() || nm.find_first_of(",\n\r") != std::string::npos)
            throw usage_error("discriminant name '" + nm + "' must be non-empty and contain no comma (it is a CSV field)");
        for (auto& d : ds_)
            if (d.name == nm) {
                d.members.push_back(std::move(m));
                return;
            }
        ds_.push_back({nm, {}, {}, {}});
        ds_.back().members.push_back(std::move(m));
    }

    // score sources of one argument: an NPY file is one source; a CSV file one per --score-col
    std::string sources(const std::string& arg, std::vector<std::pair<std::string, std::string>>& out) {
        auto [nm, path] = split_name(arg);
        if (path.empty()) throw usage_error("empty file name in '" + arg + "'");
        if (path != "-" && ::access(path.c_str(), R_OK) != 0)
            throw usage_error("cannot read '" + path + "': " + std::strerror(errno));
        out.clear();
        if (files_.is_npy(path)) {
            out.emplace_back(nm.empty() ? stem(path) : nm, "");
            return path;
        }
        for (const auto& sc : in_.score_cols) {
            auto [cn, col] = split_name(sc);
            std::string name = !cn.empty() ? cn : col;
            if (!nm.empty()) name = in_.score_cols.size() == 1 ? nm : nm + "/" + name;
            out.emplace_back(name, col);
        }
        return path;
    }

    std::vector<double> read_weights(const std::string& wpath, std::string weight_col) {
        if (!files_.is_npy(wpath) && weight_col.empty()) weight_col = "weight";
        auto w = files_.column(wpath, files_.is_npy(wpath) ? "" : weight_col);
        check_finite(w, files_.name(wpath), "weight");
        return w;
    }

    void read_labelled() {
        const auto& d = in_.data;
        std::vector<std::pair<std::string, std::string>> src;
        for (const auto& a : d.inputs) {
            std::string path = sources(a, src);
            for (auto& [name, col] : src) {
                files_.want(path, col);
                roc_member m;
                m.path = path;
                m.column = col;
                add_member(name, std::move(m));
            }
        }
        // stdin holds only scores here (labels and weights come from files): read it now
        if (scores_on_stdin(in_) && !d.labels.empty() && d.labels != "-" && d.weights != "-")
            for (const auto& ds : ds_)
                for (const auto& m : ds.members)
                    if (m.path == "-") files_.column(m.path, m.column);
        check_side_file(d.labels, "--labels");
        check_side_file(d.weights, "--weights");
        // labels: -l, else the label column of the first CSV score file
        std::string lpath = d.labels, wpath = d.weights, weight_col = d.weight_col;
        const std::string& label_col = d.label_col;
        if (lpath.empty())
            for (const auto& ds : ds_)
                for (const auto& m : ds.members)
                    if (lpath.empty() && !files_.is_npy(m.path)) lpath = m.path;
        if (lpath.empty())
            throw usage_error("labels are needed: give -l FILE, a CSV with a '" + label_col +
                              "' column, or --signal/--background");
        files_.want(lpath, files_.is_npy(lpath) ? "" : label_col);
        if (wpath.empty() && !weight_col.empty()) {
            if (files_.is_npy(lpath)) throw usage_error("--weight-col needs -w FILE or CSV labels");
            wpath = lpath;
        }
        if (!wpath.empty()) {
            if (!files_.is_npy(wpath) && weight_col.empty()) weight_col = "weight";
            files_.want(wpath, files_.is_npy(wpath) ? "" : weight_col);
        }
        const auto& labels = files_.column(lpath, label_col);
        data::check_labels(labels, files_.name(lpath));
        if (labels.empty()) throw error(files_.name(lpath), "no labels (empty input)");
        std::vector<double> weights;
        if (!wpath.empty()) {
            weights = read_weights(wpath, weight_col);
            if (weights.size() != labels.size())
                throw error(files_.name(wpath), std::to_string(weights.size()) + " weights but " + files_.name(lpath) +
                                                   " has " + std::to_string(labels.size()) + " labels");
        }
        for (auto& ds : ds_)
            for (auto& m : ds.members) {
                const auto& s = files_.column(m.path, m.column);
                const std::string where = files_.name(m.path) + (m.column.empty() ? "" : " column '" + m.column + "'");
                check_finite(s, where, "score");
                if (s.size() != labels.size())
                    throw error(where, std::to_string(s.size()) + " scores but " + files_.name(lpath) + " has " +
                                           std::to_string(labels.size()) + " labels");
                m.data.score = s;
                m.data.label.assign(labels.begin(), labels.end());
                m.data.weight = weights;
            }
    }

    void read_pairs() {
        const auto& d = in_.data;
        const std::string& weight_col = d.weights.empty() ? d.weight_col : std::string();
        std::vector<std::pair<std::string, std::string>> src, src_b;
        for (std::size_t k = 0; k < d.signal.size(); ++k) {
            const std::string sp = sources(d.signal[k], src);
            const std::string bp = sources(d.background[k], src_b);
            if (src.size() != src_b.size())
                throw usage_error("--signal " + d.signal[k] + " and --background " + d.background[k] +
                                  " give different numbers of score columns");
            for (std::size_t c = 0; c < src.size(); ++c) {
                files_.want(sp, src[c].second);
                files_.want(bp, src_b[c].second);
                if (!weight_col.empty()) {
                    if (files_.is_npy(sp) || files_.is_npy(bp)) throw usage_error("--weight-col needs CSV inputs");
                    files_.want(sp, weight_col);
                    files_.want(bp, weight_col);
                }
                roc_member m;
                m.path = sp;
                m.column = src[c].second;
                m.bkg_path = bp;
                m.bkg_column = src_b[c].second;
                const std::string sname = split_name(d.signal[k]).first, bname = split_name(d.background[k]).first;
                add_member(sname.empty() && !bname.empty() ? bname : src[c].first, std::move(m));
            }
        }
        // -w with one pair: the weights of the signal rows, then of the background rows (as train)
        std::vector<double> wfile;
        if (!d.weights.empty()) {
            check_side_file(d.weights, "--weights");
            wfile = read_weights(d.weights, d.weight_col);
        }
        for (auto& ds : ds_)
            for (auto& m : ds.members) {
                const auto& s = files_.column(m.path, m.column);
                const auto& b = files_.column(m.bkg_path, m.bkg_column);
                check_finite(s, files_.name(m.path), "score");
                check_finite(b, files_.name(m.bkg_path), "score");
                m.data.score = s;
                m.data.score.insert(m.data.score.end(), b.begin(), b.end());
                m.data.label.assign(s.size(), 1);
                m.data.label.resize(s.size() + b.size(), 0);
                if (!d.weights.empty()) {
                    if (wfile.size() != s.size() + b.size())
                        throw error(files_.name(d.weights),
                                    std::to_string(wfile.size()) + " weights but --signal and --background have " +
                                        std::to_string(s.size()) + " + " + std::to_string(b.size()) + " events");
                    m.data.weight = wfile;
                } else if (!weight_col.empty()) {
                    const auto& ws = files_.column(m.path, weight_col);
                    const auto& wb = files_.column(m.bkg_path, weight_col);
                    check_finite(ws, files_.name(m.path), "weight");
                    check_finite(wb, files_.name(m.bkg_path), "weight");
                    m.data.weight = ws;
                    m.data.weight.insert(m.data.weight.end(), wb.begin(), wb.end());
                }
            }
    }

    const roc_inputs& in_;
    file_set files_;
    std::vector<roc_discriminant> ds_;
};

}  // namespace

std::pair<std::string, std::string> split_name(const std::string& arg) {
    auto eq = arg.find('=');
    if (eq == std::string::npos || eq == 0 || arg.find('/') < eq) return {"", arg};
    if (::access(arg.c_str(), F_OK) == 0) return {"", arg};  // a file whose name contains '='
    return {arg.substr(0, eq), arg.substr(eq + 1)};
}

void check_roc_inputs(roc_inputs& in) {
    auto& d = in.data;
    const bool pairs = !d.signal.empty() || !d.background.empty();
    if (pairs)
        data::check_signal_background(d.signal.size(), d.background.size(), !d.inputs.empty(), !d.labels.empty(),
                                      !d.weights.empty(), data::max_pairs_unlimited);
    if (!pairs && d.inputs.empty()) d.inputs.push_back("-");
    if (pairs && !in.shard.whole())
        throw usage_error("--shard takes the same rows of labelled score files; with --signal/--background give the "
                          "shards' own files");
    // A labels or weights file may be written by the same pipeline that feeds the scores
    // (`jetgen --labels-out l.npy | ... | roc -l l.npy -`): it exists only once the pipeline's
    // first tool is done, so with scores on stdin it is looked for after stdin is read.
    if (!scores_on_stdin(in)) {
        check_side_file(d.labels, "--labels");
        check_side_file(d.weights, "--weights");
    }
    if (in.score_cols.empty()) in.score_cols.push_back("score");
    int dash = 0;
    for (const auto* l : {&d.inputs, &d.signal, &d.background})
        for (const auto& a : *l) dash += split_name(a).second == "-";
    dash += d.labels == "-";
    dash += d.weights == "-";
    if (dash > 1) throw usage_error("standard input ('-') can be used for one input only");
}

std::vector<roc_discriminant> load_roc_inputs(const roc_inputs& in) {
    auto ds = loader(in).run();
    if (in.shard.whole()) return ds;
    for (auto& d : ds)
        for (auto& m : d.members) {  // rows [begin, end) of the scores, labels and weights, which have equal lengths
            const row_range r = shard_rows(in.shard, m.data.score.size());
            auto cut = [&](auto& v) {
                if (v.empty()) return;
                v.erase(v.begin() + std::ptrdiff_t(r.end), v.end());
                v.erase(v.begin(), v.begin() + std::ptrdiff_t(r.begin));
            };
            cut(m.data.score), cut(m.data.label), cut(m.data.weight);
            if (m.data.score.empty())
                throw error(m.path, "--shard " + in.shard.description().substr(6) + " has no rows");
        }
    return ds;
}

std::size_t apply_negative_weights(std::vector<roc_discriminant>& ds, const std::string& policy) {
    std::size_t nneg = 0;
    for (auto& d : ds)
        for (auto& m : d.members) {
            std::size_t here = 0;
            for (double& w : m.data.weight)
                if (w < 0) {
                    ++here;
                    if (policy == "drop") w = 0;
                    else if (policy == "abs") w = -w;
                }
            nneg = std::max(nneg, here);
        }
    if (nneg > 0 && policy == "error")
        throw error(std::to_string(nneg) + " events have negative weights (--negative-weights=error)");
    return nneg;
}

roc_summary compute_roc_study(std::vector<roc_discriminant>& ds, const summary_spec& spec, bool all_points,
                              std::size_t boot, std::uint64_t seed,
                              const std::function<void(const std::string&)>& warn) {
    roc_summary out;
    out.bootstrap = boot;
    for (auto& d : ds) {
        std::vector<std::vector<double>> rows;
        for (auto& m : d.members) {
            ranked_events r;
            try {
                r = rank_events(m.data);
            } catch (const error& e) {
                throw error(d.name, e.what());
            }
            m.full = compute_roc(r, false);
            m.shown = all_points ? m.full : compute_roc(r, true);
            auto q = summarize(m.full, spec);
            if (out.keys.empty())
                for (const auto& x : q) {
                    out.keys.push_back(x.key);
                    out.labels.push_back(x.label);
                }
            for (const auto& x : q) m.values.push_back(x.value);
            rows.push_back(m.values);
            if (d.members.size() == 1) {
                d.value = m.values;
                d.err.assign(m.values.size(), nan_v);
                if (boot > 0) {
                    auto reps = bootstrap(r, spec, boot, seed);
                    if (reps.size() < boot)
                        warn(d.name + ": " + std::to_string(boot - reps.size()) + " of " + std::to_string(boot) +
                             " bootstrap replicas lost a class and were skipped");
                    std::vector<double> mean;
                    mean_and_std(reps, mean, d.err);
                    out.any_err = true;
                }
            }
        }
        if (d.members.size() > 1) {
            mean_and_std(rows, d.value, d.err);
            out.any_err = true;
        }
    }
    if (boot > 0)
        for (const auto& d : ds)
            if (d.members.size() > 1)
                warn("--bootstrap ignored for ensemble '" + d.name + "': its uncertainty is the spread over its " +
                     std::to_string(d.members.size()) + " runs");
    return out;
}

std::string roc_summary_text(const std::vector<roc_discriminant>& ds, const roc_summary& s, bool csv) {
    const auto& keys = s.keys;
    std::string text;
    if (csv) {
        text = "name,runs";
        for (const auto& k : keys) text += "," + k + (s.any_err ? "," + k + "_err" : "");
        text += "\n";
        for (const auto& d : ds) {
            text += d.name + "," + std::to_string(d.members.size());
            for (std::size_t j = 0; j < keys.size(); ++j) {
                text += "," + format_double(d.value[j]);
                if (s.any_err) text += "," + format_double(d.err[j]);
            }
            text += "\n";
        }
        return text;
    }
    std::vector<std::vector<std::string>> cells(keys.size() + 1);
    cells[0].push_back("");
    for (const auto& d : ds)
        cells[0].push_back(d.members.size() > 1 ? d.name + " (" + std::to_string(d.members.size()) + " runs)" : d.name);
    for (std::size_t j = 0; j < keys.size(); ++j) {
        cells[j + 1].push_back(s.labels[j]);
        for (const auto& d : ds) cells[j + 1].push_back(value_text(d.value[j], d.err[j]));
    }
    std::vector<std::size_t> wid(ds.size() + 1, 0);
    auto width = [](const std::string& c) {  // display width: count UTF-8 lead bytes
        std::size_t n = 0;
        for (unsigned char ch : c) n += (ch & 0xC0) != 0x80;
        return n;
    };
    for (const auto& row : cells)
        for (std::size_t c = 0; c < row.size(); ++c) wid[c] = std::max(wid[c], width(row[c]));
    for (const auto& row : cells) {
        std::string line;
        for (std::size_t c = 0; c < row.size(); ++c) {
            const std::size_t pad = wid[c] - width(row[c]);
            if (c == 0) line += row[c] + std::string(pad, ' ');
            else line += "  " + std::string(pad, ' ') + row[c];
        }
        text += line + "\n";
    }
    if (s.any_err)
        text += std::string(s.bootstrap > 0 ? "uncertainties: bootstrap std over " + std::to_string(s.bootstrap) + " replicas"
                                            : "uncertainties") +
                (std::any_of(ds.begin(), ds.end(), [](const roc_discriminant& d) { return d.members.size() > 1; })
                     ? "; ensembles: mean and std over runs"
                     : "") +
                "\n";
    return text;
}

void write_roc_curves(const std::string& path, const std::vector<roc_discriminant>& ds) {
    output out(path, false);
    csv_writer w(out, {"name", "member", "threshold", "eff_s", "eff_b", "rejection", "sic"});
    for (const auto& d : ds)
        for (std::size_t k = 0; k < d.members.size(); ++k) {
            const auto& c = d.members[k].shown;
            for (std::size_t i = 0; i < c.size(); ++i) {
                const double es = c.tpr(i), eb = c.fpr(i);
                // 0/0 at the origin is NaN; written as "nan", never "-nan"
                const double sic = eb == 0 && es == 0 ? nan_v : es / std::sqrt(eb);
                w << d.name << k << c.threshold[i] << es << eb << 1.0 / eb << sic;
                w.end_row();
            }
        }
    w.finish();
}

}  // namespace jetml::stats
