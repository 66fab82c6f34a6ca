// SPDX-License-Identifier: MIT
// jetml/data/labelled.cpp - load_labelled (train's labelled-data semantics) and the one set of
// label, weight and finite-value checks every tool uses.
#include "jetml/data/labelled.hpp"

#include <cmath>

#include "jetml/core/error.hpp"
#include "jetml/data/dataset.hpp"
#include "jetml/data/dataset_cli.hpp"
#include "jetml/io/csv.hpp"
#include "jetml/io/npy.hpp"

namespace jetml::data {
namespace {

std::string shown(const std::string& path) { return path == "-" ? "<stdin>" : path; }

// The first row whose value fails `ok`, as "WHAT V at row I; expected WANT", thrown with the file.
template <class T, class Ok>
void check_rows(const std::vector<T>& v, const std::string& file, const std::string& what, const char* want, Ok ok) {
    for (std::size_t i = 0; i < v.size(); ++i)
        if (!ok(static_cast<double>(v[i])))
            throw error(file, what + " " + format_double(static_cast<double>(v[i])) + " at row " + std::to_string(i) +
                                  "; expected " + want);
}

template <class T> void labels_ok(const std::vector<T>& v, const std::string& file) {
    check_rows(v, file, "label", "0 or 1", [](double x) { return x == 0 || x == 1; });
}
template <class T> void weights_ok(const std::vector<T>& v, const std::string& file) {
    check_rows(v, file, "weight", "finite and >= 0", [](double x) { return std::isfinite(x) && x >= 0; });
}
template <class T> void finite_ok(const std::vector<T>& v, const std::string& file, const std::string& what) {
    check_rows(v, file, what, "finite", [](double x) { return std::isfinite(x); });
}


}  // namespace

void append_samples(labelled_set& d, const sample_set& s, const std::string& path) {
    if (d.n == 0) d.shape = s.sample_shape, d.size = s.sample_size();
    else if (d.shape != s.sample_shape)
        throw error(path, "samples of shape " + format_shape(s.sample_shape) + " do not match the earlier " +
                              format_shape(d.shape));
    d.x.insert(d.x.end(), s.x.begin(), s.x.end());
    d.n += s.n;
}

void check_labels(const std::vector<float>& v, const std::string& file) { labels_ok(v, file); }
void check_labels(const std::vector<double>& v, const std::string& file) { labels_ok(v, file); }
void check_weights(const std::vector<float>& v, const std::string& file) { weights_ok(v, file); }
void check_weights(const std::vector<double>& v, const std::string& file) { weights_ok(v, file); }
void check_finite(const std::vector<float>& v, const std::string& file, const std::string& what) {
    finite_ok(v, file, what);
}
void check_finite(const std::vector<double>& v, const std::string& file, const std::string& what) {
    finite_ok(v, file, what);
}

void check_classes(const std::vector<float>& y, const std::vector<float>& w) {
    double sw[2] = {0, 0};
    for (std::size_t i = 0; i < y.size(); ++i) sw[y[i] > 0.5f] += w[i];
    if (sw[0] <= 0 || sw[1] <= 0)
        throw error(std::string("no ") + (sw[1] <= 0 ? "signal (label 1)" : "background (label 0)") +
                    " samples with positive weight; both classes are needed");
}

labelled_set load_labelled(const dataset_options& d) {
    check_dataset_options(d);
    const auto feat = d.feature_list();
    const bool sb = !d.signal.empty();
    labelled_set all;
    //-- samples (and labels of --signal/--background)
    std::vector<std::pair<std::string, std::size_t>> files;  // (path, samples), in order
    if (sb) {
        const std::string& sp = d.signal.front();
        const std::string& bp = d.background.front();
        auto s = load_samples(sp, feat, d.allow_missing), b = load_samples(bp, feat, d.allow_missing);
        append_samples(all, s, sp);
        append_samples(all, b, bp);
        files = {{sp, s.n}, {bp, b.n}};
        all.y.assign(s.n, 1.0f);
        all.y.insert(all.y.end(), b.n, 0.0f);
    } else {
        for (const auto& p : d.inputs) {
            auto s = load_samples(p, feat, d.allow_missing);
            append_samples(all, s, p);
            files.emplace_back(p, s.n);
        }
        const std::string src = d.labels.empty() ? d.inputs[0] : d.labels;
        all.y = load_labels(src, d.label_col);
        if (all.y.size() != all.n)
            throw error(src, std::to_string(all.y.size()) + " labels for " + std::to_string(all.n) + " samples");
    }
    //-- weights
    if (!d.weights.empty() || !d.weight_col.empty()) {
        const std::string src = d.weights.empty() ? d.inputs[0] : d.weights;
        auto w = load_column(src, d.weight_col);
        if (w.size() != all.n)
            throw error(src, std::to_string(w.size()) + " weights for " + std::to_string(all.n) + " samples");
        check_weights(w, src);
        all.w.assign(w.begin(), w.end());
    } else {
        all.w.assign(all.n, 1.0f);
    }
    //-- side columns, from every sample file in order
    for (const auto& name : d.side_cols) {
        std::vector<float> col;
        for (const auto& [path, n] : files) {
            auto v = load_column(path, name);
            if (v.size() != n)
                throw error(shown(path), std::to_string(v.size()) + " values of column '" + name + "' for " +
                                             std::to_string(n) + " samples");
            check_finite(v, shown(path), name);
            col.insert(col.end(), v.begin(), v.end());
        }
        all.side.emplace_back(name, std::move(col));
    }
    check_classes(all.y, all.w);
    return all;
}

}  // namespace jetml::data
