// SPDX-License-Identifier: MIT
// Unit tests of jetml/model/scorer and kinds: the registry, the unknown-kind error, dispatch to
// a registered kind, and the input-shape check with its messages.
#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "jetml/core/error.hpp"
#include "jetml/model/kinds.hpp"
#include "jetml/model/network_scorer.hpp"
#include "jetml/model/scorer.hpp"
#include "jetml/nn/model_io.hpp"

using namespace jetml;

namespace {
const std::string data_dir = std::string(JETML_TEST_DIR) + "/golden/data/";

// A kind for the registry test: scores every sample with the value of extra "constant".
class constant_scorer : public model::scorer {
public:
    explicit constant_scorer(const model::model_file& f) : value_(std::stof(f.extra().at(0).second)) {
        kind_ = f.kind();
        source_ = f.source();
        input_shape_ = {2};
        output_names_ = {"c"};
    }
    std::string description() const override { return "a constant"; }
    void reserve(std::size_t) override {}
    void score(const float*, std::size_t n, float* out) override { std::fill(out, out + n, value_); }

private:
    float value_;
};

std::unique_ptr<model::scorer> load_constant(const model::model_file& f, const model::score_options&) {
    return std::make_unique<constant_scorer>(f);
}

std::string file_of_kind(const std::string& kind) {
    const std::string json = model::meta_json_head(kind) + ",\n  \"extra\": {\"constant\": \"0.25\"}\n}\n";
    return zip_store({{"meta.json", json}});
}
}  // namespace

TEST_CASE("scorer: this build knows the kinds sequential and fisher, from one list") {
    auto k = model::known_kinds();
    CHECK(std::count(k.begin(), k.end(), "sequential") == 1);
    CHECK(std::count(k.begin(), k.end(), "fisher") == 1);
    CHECK(std::is_sorted(k.begin(), k.end()));
    CHECK(model::is_known_kind("sequential"));
    CHECK_FALSE(model::is_known_kind("maf"));
    std::vector<std::string> builtin;
    for (const auto& e : model::builtin_kinds()) builtin.emplace_back(e.kind);
    CHECK(std::count(builtin.begin(), builtin.end(), "sequential") == 1);
    CHECK(std::count(builtin.begin(), builtin.end(), "fisher") == 1);
}

TEST_CASE("scorer: a model of an unknown kind is a one-line error naming the file and the known kinds") {
    // test/golden/data/kind_maf.npz: release_dense.npz with "format_version": 2, "kind": "maf"
    const std::string path = data_dir + "kind_maf.npz";
    std::string msg;
    try {
        model::load_scorer(path);
    } catch (const jetml::error& e) {
        msg = e.what();
    }
    CHECK(msg.rfind(path + ": model kind 'maf' is not supported by this jetml ", 0) == 0);
    CHECK(msg.find(" (it loads autoencoder, bdt, fisher, flow, sequential") != std::string::npos);
    CHECK(msg.find('\n') == std::string::npos);
    CHECK_THROWS_WITH_AS(model::make_scorer(model::model_file::parse(file_of_kind("a b"), "s.npz")),
                         doctest::Contains("'kind' must be a name"), jetml::error);
}

TEST_CASE("scorer: register_kind adds a loader that make_scorer dispatches to") {
    const auto bytes = file_of_kind("test-constant");
    CHECK_THROWS_WITH_AS(model::make_scorer(model::model_file::parse(bytes, "c.npz")),
                         doctest::Contains("model kind 'test-constant' is not supported"), jetml::error);
    model::register_kind("test-constant", &load_constant);
    CHECK(model::is_known_kind("test-constant"));
    auto s = model::make_scorer(model::model_file::parse(bytes, "c.npz"));
    CHECK(s->kind() == "test-constant");
    CHECK(s->source() == "c.npz");
    CHECK(s->input_size() == 2);
    CHECK(s->outputs() == 1);
    float x[6] = {}, out[3] = {};
    s->score(x, 3, out);
    CHECK(out[2] == 0.25f);
}

TEST_CASE("scorer: check_sample_shape accepts the model's shape and words the mismatch as predict did") {
    auto dense = model::load_scorer(data_dir + "release_dense.npz");
    auto fisher = model::load_scorer(data_dir + "release_fisher.npz");
    CHECK_NOTHROW(model::check_sample_shape(*dense, {3}, "in.npy", "m.npz"));
    CHECK_NOTHROW(model::check_sample_shape(*fisher, {1, 5, 5}, "in.npy", "f.npz"));
    CHECK_THROWS_WITH_AS(model::check_sample_shape(*dense, {1, 5, 5}, "in.npy", "m.npz"),
                         "in.npy: model m.npz expects samples of shape (N, 3), got (N, 1, 5, 5)", jetml::error);
    CHECK_THROWS_WITH_AS(model::check_sample_shape(*fisher, {25}, "in.npy", "f.npz"),
                         "in.npy: model f.npz expects samples of shape (N, 1, 5, 5), got (N, 25)", jetml::error);
    CHECK_THROWS_WITH_AS(model::check_sample_shape(*fisher, {1, 40, 4}, "jets.npy", "f.npz"),
                         "jets.npy: model f.npz expects samples of shape (N, 1, 5, 5), got (N, 40, 4): jet "
                         "constituents; make images with jetimg first",
                         jetml::error);
}
