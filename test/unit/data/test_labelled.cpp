// SPDX-License-Identifier: MIT
// Unit tests of jetml/data/labelled and dataset_cli: load_labelled for every source of samples,
// labels, weights and side columns, each option conflict, and the value checks' messages.
#include <doctest/doctest.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "jetml/core/error.hpp"
#include "jetml/data/dataset_cli.hpp"
#include "support.hpp"
#include "jetml/data/labelled.hpp"
#include "jetml/io/npy.hpp"

using namespace jetml;
using jetml::data::dataset_options;
using jetml::data::load_labelled;

namespace {
std::string tmp(const std::string& tag) { return "/tmp/jetml_labelled_" + std::to_string(::getpid()) + "_" + tag; }
std::string text_file(const std::string& tag, const std::string& text) {
    const std::string path = tmp(tag);
    std::ofstream(path, std::ios::binary) << text;
    return path;
}
template <class T> std::string npy_file(const std::string& tag, std::vector<std::size_t> shape, const std::vector<T>& v) {
    const std::string path = tmp(tag);
    save_npy(path, shape, v.data());
    return path;
}
// (4, 2) features; labels 1 1 0 0
struct files {
    std::string x = npy_file<float>("x.npy", {4, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
    std::string y = npy_file<float>("y.npy", {4}, {1, 1, 0, 0});
    std::string w = npy_file<double>("w.npy", {4}, {0.5, 1, 2, 4});
    std::string csv = text_file("in.csv", "a,b,label,wt,mjj\n1,2,1,0.5,100\n3,4,1,1,200\n5,6,0,2,300\n7,8,0,4,400\n");
    ~files() {
        for (auto* p : {&x, &y, &w, &csv}) std::remove(p->c_str());
    }
};
}  // namespace

TEST_CASE("labelled: NPY inputs with -l, appended in order with a shape check") {
    files f;
    dataset_options d;
    d.inputs = {f.x, f.x};
    d.labels = npy_file<float>("y8.npy", {8}, {1, 1, 0, 0, 0, 0, 1, 1});
    auto s = load_labelled(d);
    CHECK(s.n == 8);
    CHECK(s.shape == std::vector<std::size_t>{2});
    CHECK(s.size == 2);
    CHECK(s.x.size() == 16);
    CHECK(s.x[8] == 1.0f);
    CHECK(s.y == std::vector<float>{1, 1, 0, 0, 0, 0, 1, 1});
    CHECK(s.w == std::vector<float>(8, 1.0f));
    CHECK(s.side.empty());
    const auto other = npy_file<float>("x3.npy", {2, 3}, {1, 2, 3, 4, 5, 6});
    d.inputs = {f.x, other};
    CHECK_THROWS_WITH_AS(load_labelled(d), (other + ": samples of shape (3,) do not match the earlier (2,)").c_str(), error);
    std::remove(d.labels.c_str());
    std::remove(other.c_str());
}

TEST_CASE("labelled: labels, weights and side columns from the single CSV input") {
    files f;
    dataset_options d;
    d.inputs = {f.csv};
    d.features = "a,b";
    d.label_col = "label";
    d.weight_col = "wt";
    d.side_cols = {"mjj"};
    auto s = load_labelled(d);
    CHECK(s.n == 4);
    CHECK(s.x == std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8});
    CHECK(s.y == std::vector<float>{1, 1, 0, 0});
    CHECK(s.w == std::vector<float>{0.5f, 1, 2, 4});
    REQUIRE(s.side.size() == 1);
    CHECK(s.side[0].first == "mjj");
    CHECK(s.side[0].second == std::vector<float>{100, 200, 300, 400});
}

TEST_CASE("labelled: a CSV labels file with --label-col, an NPY weights file with -w") {
    files f;
    dataset_options d;
    d.inputs = {f.x};
    d.labels = f.csv;
    d.label_col = "label";
    d.weights = f.w;
    auto s = load_labelled(d);
    CHECK(s.y == std::vector<float>{1, 1, 0, 0});
    CHECK(s.w == std::vector<float>{0.5f, 1, 2, 4});
    d.weights = f.csv;
    d.weight_col = "wt";
    CHECK(load_labelled(d).w == std::vector<float>{0.5f, 1, 2, 4});
}

TEST_CASE("labelled: --signal then --background give labels 1 then 0, side columns in the same order") {
    files f;
    const auto b = text_file("b.csv", "a,b,mjj\n9,10,500\n");
    dataset_options d;
    d.signal = {f.csv};
    d.background = {b};
    d.features = "a,b";
    d.side_cols = {"mjj"};
    auto s = load_labelled(d);
    CHECK(s.n == 5);
    CHECK(s.y == std::vector<float>{1, 1, 1, 1, 0});
    CHECK(s.x[8] == 9.0f);
    CHECK(s.side[0].second == std::vector<float>{100, 200, 300, 400, 500});
    std::remove(b.c_str());
}

TEST_CASE("labelled: bad data are errors naming the file and the row") {
    files f;
    dataset_options d;
    d.inputs = {f.x};
    SUBCASE("a label that is not 0 or 1") {
        d.labels = npy_file<float>("bad.npy", {4}, {1, 0, 0, 2});
        CHECK_THROWS_WITH_AS(load_labelled(d), (d.labels + ": label 2 at row 3; expected 0 or 1").c_str(), error);
    }
    SUBCASE("a label count that differs from the sample count") {
        d.labels = npy_file<float>("short.npy", {2}, {1, 0});
        CHECK_THROWS_WITH_AS(load_labelled(d), (d.labels + ": 2 labels for 4 samples").c_str(), error);
    }
    SUBCASE("a negative weight") {
        d.labels = f.y;
        d.weights = npy_file<double>("negw.npy", {4}, {1, 1, -0.5, 1});
        CHECK_THROWS_WITH_AS(load_labelled(d), (d.weights + ": weight -0.5 at row 2; expected finite and >= 0").c_str(),
                             error);
    }
    SUBCASE("a weight count that differs") {
        d.labels = f.y;
        d.weights = npy_file<double>("w3.npy", {3}, {1, 1, 1});
        CHECK_THROWS_WITH_AS(load_labelled(d), (d.weights + ": 3 weights for 4 samples").c_str(), error);
    }
    SUBCASE("a class without positive weight") {
        d.labels = f.y;
        d.weights = npy_file<double>("w0.npy", {4}, {0, 0, 1, 1});
        CHECK_THROWS_WITH_AS(load_labelled(d), "no signal (label 1) samples with positive weight; both classes are needed",
                             error);
    }
    SUBCASE("only one class") {
        d.labels = npy_file<float>("ones.npy", {4}, {1, 1, 1, 1});
        CHECK_THROWS_WITH_AS(load_labelled(d),
                             "no background (label 0) samples with positive weight; both classes are needed", error);
    }
    SUBCASE("a side column that is not finite") {
        d.inputs = {text_file("nan.csv", "a,label,mjj\n1,1,5\n2,0,nan\n")};
        d.features = "a";
        d.label_col = "label";
        d.side_cols = {"mjj"};
        CHECK_THROWS_WITH_AS(load_labelled(d), (d.inputs[0] + ": mjj nan at line 3, column 3; expected finite").c_str(), error);
        std::remove(d.inputs[0].c_str());
    }
    if (d.labels != f.y) std::remove(d.labels.c_str());
    if (!d.weights.empty()) std::remove(d.weights.c_str());
}

TEST_CASE("labelled: every missing or conflicting option is a usage error, worded once") {
    dataset_options d;
    auto msg = [&] {
        try {
            data::check_dataset_options(d);
        } catch (const usage_error& e) {
            return std::string(e.what());
        }
        return std::string("(no error)");
    };
    // the files named exist (empty): readability is checked last
    auto f = [](const char* tag) { return support::write_tmp("opts", tag, ""); };
    const std::string s_npy = f("s.npy"), b_npy = f("b.npy"), y_npy = f("y.npy"), x_npy = f("x.npy"), a_csv = f("a.csv"),
                      b_csv = f("b.csv"), w_csv = f("w.csv");
    CHECK(msg() == "no samples: give input files or --signal/--background");
    d.signal = {s_npy};
    CHECK(msg() == "--signal and --background go together: they come in pairs, got 1 and 0");
    d.background = {b_npy};
    CHECK(msg() == "(no error)");
    d.weights = w_csv;
    CHECK(msg() == "(no error)");
    d.signal.push_back(s_npy);
    d.background.push_back(b_npy);
    CHECK(msg() == "--signal and --background: 2 pairs given, 1 expected");
    d.signal.pop_back();
    d.background.pop_back();
    d.weights.clear();
    d.background = {"/nonexistent/b.npy"};
    CHECK(msg().rfind("--background: cannot read '/nonexistent/b.npy': ", 0) == 0);
    d.background = {b_npy};
    d.labels = y_npy;
    CHECK(msg() == "--labels cannot be combined with --signal/--background");
    d.inputs = {x_npy};
    CHECK(msg() == "give either input files or --signal/--background, not both");
    d = dataset_options{};
    d.inputs = {x_npy};
    CHECK(msg() == "no labels: give -l FILE, --label-col NAME, or --signal/--background");
    d.inputs = {a_csv, b_csv};
    d.label_col = "label";
    CHECK(msg() == "--label-col without -l reads labels from the single CSV input");
    d.labels = y_npy;
    d.weight_col = "w";
    CHECK(msg() == "--weight-col without -w reads weights from the single CSV input");
    d.weights = w_csv;
    CHECK(msg() == "(no error)");
    d.inputs.push_back("/nonexistent/c.csv");
    CHECK(msg().rfind("input: cannot read '/nonexistent/c.csv': ", 0) == 0);
    // roc's several pairs go through the same check
    CHECK_THROWS_WITH_AS(data::check_signal_background(2, 1, false, false, false, data::max_pairs_unlimited),
                         "--signal and --background go together: they come in pairs, got 2 and 1", usage_error);
    CHECK_THROWS_WITH_AS(data::check_signal_background(2, 2, false, false, true, data::max_pairs_unlimited),
                         "--weights with --signal/--background needs exactly one pair (the weights of the signal rows, "
                         "then of the background rows); use --weight-col in CSV inputs for several pairs",
                         usage_error);
    data::check_signal_background(3, 3, false, false, false, data::max_pairs_unlimited);
    for (const auto& p : {s_npy, b_npy, y_npy, x_npy, a_csv, b_csv, w_csv}) std::remove(p.c_str());
}

TEST_CASE("labelled: add_dataset_options declares the groups asked for") {
    CLI::App app;
    dataset_options d;
    data::add_dataset_options(app, d, data::dataset_parts::training | data::dataset_parts::side);
    app.parse("--side-col mjj --side-col nu --features a,,b -w w.npy --label-col y -l l.csv x.csv", false);
    CHECK(d.inputs == std::vector<std::string>{"x.csv"});
    CHECK(d.labels == "l.csv");
    CHECK(d.label_col == "y");
    CHECK(d.weights == "w.npy");
    CHECK(d.feature_list() == std::vector<std::string>{"a", "b"});
    CHECK(d.side_cols == std::vector<std::string>{"mjj", "nu"});
    CLI::App roc_like;
    dataset_options e;
    data::add_dataset_options(roc_like, e, data::dataset_parts::labels | data::dataset_parts::weights);
    CHECK(roc_like.get_option_no_throw("--features") == nullptr);
    CHECK(roc_like.get_option_no_throw("--signal") == nullptr);
    CHECK(roc_like.get_option_no_throw("--weight-col") != nullptr);
}

TEST_CASE("labelled: the value checks accept good values and name the first bad row") {
    data::check_labels(std::vector<double>{0, 1, 1}, "f");
    data::check_weights(std::vector<float>{0, 2.5f}, "f");
    data::check_finite(std::vector<double>{-1e300, 0}, "f", "score");
    CHECK_THROWS_WITH_AS(data::check_labels(std::vector<float>{0, 0.5f}, "l.csv"), "l.csv: label 0.5 at row 1; expected 0 or 1",
                         error);
    CHECK_THROWS_WITH_AS(data::check_weights(std::vector<double>{INFINITY}, "w.npy"),
                         "w.npy: weight inf at row 0; expected finite and >= 0", error);
    CHECK_THROWS_WITH_AS(data::check_finite(std::vector<double>{1, 2, NAN}, "s.npy", "score"),
                         "s.npy: score nan at row 2; expected finite", error);
}
