// SPDX-License-Identifier: MIT
// jetml/model/scorer.cpp - the kind registry, load_scorer and the input-shape check.
#include "jetml/model/scorer.hpp"

#include <map>

#include "jetml/core/error.hpp"
#include "jetml/io/npy.hpp"
#include "jetml/model/kinds.hpp"
#include "jetml/version.hpp"

namespace jetml::model {

namespace {
std::map<std::string, scorer_loader>& registry() {
    static std::map<std::string, scorer_loader> r = [] {
        std::map<std::string, scorer_loader> m;
        for (const auto& k : builtin_kinds()) m[k.kind] = k.loader;
        return m;
    }();
    return r;
}
}  // namespace

std::size_t scorer::input_size() const {
    std::size_t n = 1;
    for (auto d : input_shape_) n *= d;
    return n;
}

void register_kind(const std::string& kind, scorer_loader loader) { registry()[kind] = loader; }

std::vector<std::string> known_kinds() {
    std::vector<std::string> k;
    for (const auto& kv : registry()) k.push_back(kv.first);
    return k;
}

bool is_known_kind(const std::string& kind) { return registry().count(kind) != 0; }

std::unique_ptr<scorer> make_scorer(const model_file& file, const score_options& options) {
    auto it = registry().find(file.kind());
    if (it == registry().end()) {
        std::string known;
        for (const auto& k : known_kinds()) known += (known.empty() ? "" : ", ") + k;
        throw error(file.source(), "model kind '" + printable(file.kind()) + "' is not supported by this jetml " +
                                       JETML_VERSION + " (it loads " + known + ")");
    }
    return it->second(file, options);
}

std::unique_ptr<scorer> load_scorer(const std::string& path, const score_options& options) {
    return make_scorer(model_file::read(path), options);
}

void check_sample_shape(const scorer& sc, const std::vector<std::size_t>& s, const std::string& input_name,
                        const std::string& model_name) {
    const auto& want = sc.input_shape();
    if (s == want) return;
    auto with_n = [](std::vector<std::size_t> v) {
        v.insert(v.begin(), 0);
        std::string f = format_shape(v);
        return "(N" + f.substr(2);
    };
    // (N, M, 4) is how jetgen and subjet's inputs hold jet constituents
    const bool constituents = want.size() == 3 && s.size() == 3 && s[0] == 1 && s[2] == 4;
    throw error(input_name, "model " + model_name + " expects samples of shape " + with_n(want) + ", got " +
                                (constituents ? "(N, " + std::to_string(s[1]) + ", 4): jet constituents; make images with jetimg first"
                                              : with_n(s)));
}

}  // namespace jetml::model
