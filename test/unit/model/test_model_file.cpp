// SPDX-License-Identifier: MIT
// Unit tests of jetml/model/model_file: format versions, the kind of new and of old files, and
// files written by the release before kinds (test/golden/data/release_*.npz, from a09954e).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "jetml/core/error.hpp"
#include "jetml/model/model_file.hpp"
#include "jetml/nn/model_io.hpp"

using namespace jetml;
using jetml::model::model_file;

namespace {
const std::string data_dir = std::string(JETML_TEST_DIR) + "/golden/data/";

// The bytes of a model file with meta.json edited: `from` replaced by `to` (which must occur).
std::string with_meta(const std::string& bytes, const std::string& from, const std::string& to) {
    auto e = zip_read(bytes, "t");
    REQUIRE(e[0].name == "meta.json");
    const auto at = e[0].data.find(from);
    REQUIRE(at != std::string::npos);
    e[0].data.replace(at, from.size(), to);
    return zip_store(e);
}

std::string tiny_model(const nn::model_meta& meta) {
    return nn::model_bytes(nn::sequential("dense(2) relu dense(1)", nn::tshape::vec(3), 4), meta);
}
}  // namespace

TEST_CASE("model_file: a network is written as format version 1 with its kind right after the version") {
    const std::string head = model::meta_json_head("sequential");
    CHECK(head.rfind("{\n  \"format\": \"jetml-model\",\n  \"format_version\": 1,\n  \"kind\": \"sequential\",\n"
                     "  \"jetml_version\": \"",
                     0) == 0);
    CHECK(model::kind_format_version("sequential") == 1);
    CHECK(model::kind_format_version("fisher") == 1);
    CHECK(model::kind_format_version("sequential") == nn::model_format_version);
    // kinds a version-1 reader cannot load make an older jetml say "format version 2 is newer"
    for (const char* k : {"bdt", "maf", "autoencoder", "pivot"}) CHECK(model::kind_format_version(k) == 2);
    CHECK(model::meta_json_head("maf").find("\"format_version\": 2,\n  \"kind\": \"maf\"") != std::string::npos);
}

TEST_CASE("model_file: the kind round-trips: explicit, or from train's arch_option") {
    nn::model_meta meta;
    SUBCASE("default: sequential") {
        auto f = model_file::parse(tiny_model(meta), "a.npz");
        CHECK(f.kind() == "sequential");
        CHECK(f.format_version() == 1);
        CHECK(f.source() == "a.npz");
    }
    SUBCASE("train's arch_option fisher makes a fisher file") {
        meta.extra = {{"tool", "train"}, {"arch_option", "fisher"}};
        auto f = model_file::parse(nn::model_bytes(nn::sequential("dense(1)", nn::tshape::vec(3), 1), meta), "f.npz");
        CHECK(f.kind() == "fisher");
        CHECK(f.find("kind")->s == "fisher");
        nn::model_meta back;
        nn::sequential_from_file(f, &back);
        CHECK(back.kind == "fisher");
        CHECK(back.format_version == 1);
    }
    SUBCASE("an explicit kind wins over arch_option") {
        meta.kind = "sequential";
        meta.extra = {{"arch_option", "fisher"}};
        CHECK(model_file::parse(tiny_model(meta), "a.npz").kind() == "sequential");
    }
    SUBCASE("a kind that is not a network is refused when saving a network") {
        meta.kind = "maf";
        CHECK_THROWS_WITH_AS(tiny_model(meta), doctest::Contains("model kind 'maf' is not a network"), jetml::error);
    }
}

TEST_CASE("model_file: files without a kind (format version 1, as the release wrote them)") {
    const std::string bytes = tiny_model(nn::model_meta{});
    const std::string old = with_meta(bytes, "\n  \"kind\": \"sequential\",", "");
    CHECK(old.find("\"kind\"") == std::string::npos);
    CHECK(model_file::parse(old, "o.npz").kind() == "sequential");
    const std::string old_fisher = with_meta(old, "\"extra\": {}", "\"extra\": {\"arch_option\": \"fisher\"}");
    CHECK(model_file::parse(old_fisher, "o.npz").kind() == "fisher");
    // the first of equal keys counts, as model_meta::get reads it
    const std::string twice =
        with_meta(old, "\"extra\": {}", "\"extra\": {\"arch_option\": \"small\", \"arch_option\": \"fisher\"}");
    CHECK(model_file::parse(twice, "o.npz").kind() == "sequential");

    SUBCASE("the release's dense model") {
        auto f = model_file::read(data_dir + "release_dense.npz");
        CHECK(f.find("kind") == nullptr);
        CHECK(f.kind() == "sequential");
        CHECK(f.format_version() == 1);
        CHECK(f.jetml_version() == "0.1.0");
        CHECK(f.entry("0.weight.npy") != nullptr);
        CHECK(f.entry("prep.mean.npy") != nullptr);
        CHECK(f.entry("nope.npy") == nullptr);
        CHECK(f.entries().size() == 7);
    }
    SUBCASE("the release's Fisher model") {
        auto f = model_file::read(data_dir + "release_fisher.npz");
        CHECK(f.find("kind") == nullptr);
        CHECK(f.kind() == "fisher");
        REQUIRE(f.extra().size() == 3);
        CHECK(f.extra()[2] == std::pair<std::string, std::string>("shrinkage", "0.001"));
    }
}

TEST_CASE("model_file: format versions 1..2 are read; version 2 needs a kind") {
    const std::string bytes = tiny_model(nn::model_meta{});
    const std::string v2 = with_meta(bytes, "\"format_version\": 1", "\"format_version\": 2");
    auto f = model_file::parse(v2, "v2.npz");
    CHECK(f.format_version() == 2);
    CHECK(f.kind() == "sequential");
    CHECK_NOTHROW(nn::sequential_from_file(f));
    CHECK_THROWS_WITH_AS(model_file::parse(with_meta(v2, "\n  \"kind\": \"sequential\",", ""), "v2.npz"),
                         "v2.npz: meta.json: missing key 'kind'", jetml::error);
    CHECK_THROWS_WITH_AS(model_file::parse(with_meta(bytes, "\"kind\": \"sequential\"", "\"kind\": 7"), "k.npz"),
                         "k.npz: meta.json: key 'kind' has the wrong type", jetml::error);
    CHECK_THROWS_WITH_AS(model_file::parse(with_meta(bytes, "\"kind\": \"sequential\"", "\"kind\": \"\""), "k.npz"),
                         "k.npz: meta.json: 'kind' must be a name such as \"sequential\", got \"\"", jetml::error);
    CHECK_THROWS_WITH_AS(model_file::parse(with_meta(bytes, "\"format_version\": 1", "\"format_version\": 3"), "v3.npz"),
                         doctest::Contains("v3.npz: model file format version 3 is newer than this jetml"), jetml::error);
}

TEST_CASE("model_file: typed access to meta.json names the key") {
    auto f = model_file::parse(tiny_model(nn::model_meta{}), "t.npz");
    CHECK(f.need_string("arch") == "dense(2) relu dense(1)");
    CHECK(f.need_u64("seed") == 4);
    CHECK(f.to_shape(f.need("input_shape", json_value::array), "input_shape") == std::vector<std::size_t>{3});
    CHECK_THROWS_WITH_AS(f.need("nope", json_value::string), "t.npz: meta.json: missing key 'nope'", jetml::error);
    CHECK_THROWS_WITH_AS(f.need_u64("arch"), "t.npz: meta.json: key 'arch' has the wrong type", jetml::error);
    CHECK_THROWS_WITH_AS(f.to_shape(*f.find("arch"), "arch"), "t.npz: meta.json: 'arch' must be an array", jetml::error);
}
