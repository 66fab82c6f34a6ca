// SPDX-License-Identifier: MIT
// jetml/data/mixed.cpp - mixed samples and bags of known fraction (see mixed.hpp).
#include "jetml/data/mixed.hpp"

#include <cmath>

#include "jetml/core/error.hpp"
#include "jetml/data/dataset.hpp"
#include "jetml/data/dataset_cli.hpp"
#include "jetml/io/csv.hpp"
#include "jetml/io/npy.hpp"

namespace jetml::data {
namespace {

std::vector<float> read_truth(const mixed_options& o, const std::vector<std::string>& files,
                              const std::vector<std::size_t>& rows) {
    if (o.truth.empty() && o.truth_col.empty()) return {};
    std::vector<float> t;
    if (!o.truth.empty()) {
        t = load_labels(o.truth, o.truth_col);
    } else {
        for (const auto& f : files) {
            auto v = load_labels(f, o.truth_col);
            t.insert(t.end(), v.begin(), v.end());
        }
    }
    std::size_t n = 0;
    for (auto r : rows) n += r;
    if (t.size() != n)
        throw error(o.truth.empty() ? files.front() : o.truth,
                    std::to_string(t.size()) + " truth labels for " + std::to_string(n) + " samples");
    return t;
}

}  // namespace

std::pair<double, double> parse_range(const std::string& s, const std::string& option) {
    const auto k = s.find(',');
    double a = 0, b = 0;
    if (k == std::string::npos || !parse_double(s.substr(0, k), a) || !parse_double(s.substr(k + 1), b) ||
        !std::isfinite(a) || !std::isfinite(b) || !(a < b))
        throw usage_error(option + " expects LO,HI with LO < HI, got '" + s + "'");
    return {a, b};
}

std::pair<std::string, double> parse_bag(const std::string& arg) {
    const auto eq = arg.rfind('=');
    double f = -1;
    if (eq == std::string::npos || eq == 0 || !parse_double(arg.substr(eq + 1), f))
        throw usage_error("--bag expects FILE=FRACTION, got '" + arg + "'");
    if (!(f >= 0 && f <= 1)) throw usage_error("--bag " + arg + ": the signal fraction must be in [0, 1]");
    return {arg.substr(0, eq), f};
}

void check_mixed_options(const mixed_options& o) {
    const int ways = (!o.m1.empty() || !o.m2.empty()) + !o.input.empty() + !o.bags.empty();
    if (ways == 0) throw usage_error("no samples: give --m1 FILE --m2 FILE, an input with --region-col/--region, or --bag FILE=FRACTION");
    if (ways > 1) throw usage_error("give one of --m1/--m2, an input split by --region-col/--region, or --bag, not several");
    if ((!o.m1.empty()) != (!o.m2.empty())) throw usage_error("--m1 and --m2 go together");
    if (!o.input.empty()) {
        if (o.region_col.empty() == o.region_file.empty())
            throw usage_error("an input is split into mixtures by a rule: give --region-col NAME (CSV) or --region FILE");
        o.edges.check();
    }
    if (!o.bags.empty()) {
        if (o.bags.size() < 2) throw usage_error("learning from label proportions needs at least two --bag samples");
        bool differ = false;
        for (const auto& b : o.bags) differ = differ || b.second != o.bags.front().second;
        if (!differ) throw usage_error("every --bag has the same signal fraction; the bags must differ");
    }
    check_readable(o.m1, "--m1");
    check_readable(o.m2, "--m2");
    check_readable(o.input, "input");
    check_readable(o.region_file, "--region");
    check_readable(o.truth, "--truth");
    for (const auto& b : o.bags) check_readable(b.first, "--bag");
}

mixed_set load_mixed(const mixed_options& o) {
    check_mixed_options(o);
    mixed_set out;
    labelled_set& d = out.set;
    const auto feat = split_list(o.features);
    std::vector<std::string> files;
    if (!o.m1.empty()) {
        files = {o.m1, o.m2};
        for (int k = 0; k < 2; ++k) {
            auto s = load_samples(files[std::size_t(k)], feat);
            if (s.n == 0) throw error(files[std::size_t(k)], "no samples");
            append_samples(d, s, files[std::size_t(k)]);
            d.y.resize(d.n, k == 0 ? 1.0f : 0.0f);
            out.rows_of.push_back(s.n);
        }
        out.truth = read_truth(o, files, out.rows_of);
        d.w = balance_mixtures(d.y);
        return out;
    }
    if (!o.bags.empty()) {
        std::vector<float> bag;
        for (std::size_t k = 0; k < o.bags.size(); ++k) {
            const auto& [path, frac] = o.bags[k];
            auto s = load_samples(path, feat);
            if (s.n == 0) throw error(path, "no samples");
            append_samples(d, s, path);
            d.y.resize(d.n, float(frac));
            bag.resize(d.n, float(k));
            out.rows_of.push_back(s.n);
            files.push_back(path);
        }
        out.truth = read_truth(o, files, out.rows_of);
        // each bag weighs the same in total: N / (bags n_b) per row
        d.w.resize(d.n);
        std::size_t r = 0;
        for (std::size_t k = 0; k < o.bags.size(); ++k)
            for (std::size_t i = 0; i < out.rows_of[k]; ++i) d.w[r++] = float(double(d.n) / double(o.bags.size() * out.rows_of[k]));
        d.side.emplace_back("bag", std::move(bag));
        return out;
    }
    // rule mode: one file, split by the column's region
    auto s = load_samples(o.input, feat);
    const std::string src = o.region_file.empty() ? o.input : o.region_file;
    const auto v = load_column(src, o.region_file.empty() ? o.region_col : "");
    if (v.size() != s.n)
        throw error(src, std::to_string(v.size()) + " region values for " + std::to_string(s.n) + " samples");
    check_finite(v, src, o.region_col.empty() ? "region value" : o.region_col);
    std::vector<float> truth = read_truth(o, {o.input}, {s.n});
    const auto reg = classify(v, o.edges);
    const auto c = count_regions(reg);
    if (c.signal == 0) throw error(src, "no rows in the signal region");
    if (c.low + c.high == 0) throw error(src, "no rows in the sidebands");
    const std::size_t D = s.sample_size();
    d.shape = s.sample_shape;
    d.size = D;
    std::vector<float> kept_v;
    for (std::size_t i = 0; i < s.n; ++i) {
        if (reg[i] == region::outside) {
            ++out.outside;
            continue;
        }
        d.x.insert(d.x.end(), s.x.begin() + std::ptrdiff_t(i * D), s.x.begin() + std::ptrdiff_t((i + 1) * D));
        d.y.push_back(hunt_label(reg[i]));
        d.w.push_back(hunt_weight(reg[i], c));
        kept_v.push_back(float(v[i]));
        if (!truth.empty()) out.truth.push_back(truth[i]);
        ++d.n;
    }
    out.rows_of = {c.signal, c.low + c.high};
    d.side.emplace_back(o.region_col.empty() ? "region" : o.region_col, std::move(kept_v));
    return out;
}

}  // namespace jetml::data
