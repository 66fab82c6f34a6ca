// SPDX-License-Identifier: MIT
// Unit tests of jetml/dataset: column files (several columns from one read), load_column and
// load_labels.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "jetml/data/dataset.hpp"
#include "jetml/core/error.hpp"
#include "jetml/io/npy.hpp"

#include "support.hpp"

using namespace jetml;

TEST_CASE("dataset: a column file keeps every wanted column from one read") {
    const auto path = support::write_tmp("dataset", "a.csv", "s,label,w,unused\n0.5,1,2,x\n-1.5,0,0.25,y\n");
    column_file f(path);
    CHECK_FALSE(f.is_npy());
    f.want("w");
    f.want("s");
    f.want("w");  // twice is fine
    CHECK(f.column("s") == std::vector<double>{0.5, -1.5});
    CHECK(f.column("w") == std::vector<double>{2, 0.25});
    CHECK_THROWS_AS(f.column("label"), error);  // not asked for before the read
    CHECK_THROWS_AS(f.want("label"), error);    // too late: the file has been read
    std::remove(path.c_str());
}

TEST_CASE("dataset: an NPY column file is one column; shapes other than (N,) and (N, 1) are errors") {
    const auto p1 = support::tmp_path("dataset", "a.npy"), p2 = support::tmp_path("dataset", "b.npy");
    const std::vector<float> a = {1, 2, 3}, b = {1, 2, 3, 4};
    save_npy(p1, {3, 1}, a.data());
    save_npy(p2, {2, 2}, b.data());
    column_file f(p1);
    CHECK(f.is_npy());
    f.want("anything");
    CHECK(f.column("anything") == std::vector<double>{1, 2, 3});
    CHECK(load_column(p1, "") == std::vector<double>{1, 2, 3});
    CHECK_THROWS_AS(load_column(p1, "score"), usage_error);  // a name for an NPY file
    CHECK_THROWS_WITH_AS(load_column(p2, ""), doctest::Contains("expected an array of shape (N,) or (N, 1), got (2, 2)"),
                         error);
    std::remove(p1.c_str());
    std::remove(p2.c_str());
}

TEST_CASE("dataset: load_column and load_labels on CSV") {
    const auto one = support::write_tmp("dataset", "one.csv", "label\n1\n0\n1\n");
    const auto two = support::write_tmp("dataset", "two.csv", "a,b\n1,2\n");
    const auto bad = support::write_tmp("dataset", "bad.csv", "label\n1\n0\n2\n");
    CHECK(load_column(one, "") == std::vector<double>{1, 0, 1});  // the only column
    CHECK(load_labels(one, "label") == std::vector<float>{1, 0, 1});
    CHECK_THROWS_AS(load_column(two, ""), usage_error);  // which column?
    CHECK_THROWS_AS(load_column(two, "c"), usage_error);  // no such column
    CHECK_THROWS_WITH_AS(load_labels(bad, "label"), doctest::Contains("label 2 at row 2; expected 0 or 1"), error);
    for (const auto& p : {one, two, bad}) std::remove(p.c_str());
}

TEST_CASE("dataset: forged NPY headers give clear errors, not huge allocations") {
    auto npy = [](const char* tag, const std::string& shape) {
        std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
        while ((10 + dict.size() + 1) % 64) dict.push_back(' ');
        dict.push_back('\n');
        std::string bytes("\x93NUMPY\x01\x00", 8);
        bytes.push_back(static_cast<char>(dict.size()));
        bytes.push_back(0);
        return support::write_tmp("dataset", tag, bytes + dict + std::string(64, '\0'));
    };
    // one sample of 10^12 values
    const std::string a = npy("wide.npy", "(2, 1000000000000)");
    CHECK_THROWS_WITH_AS(load_samples(a, {}), doctest::Contains("the header claims shape (2, 1000000000000)"), error);
    // through a pipe (no file size to compare with) the cap on one sample applies
    CHECK_THROWS_WITH_AS(load_samples(support::pipe_path(support::read_file(a)), {}),
                         doctest::Contains("have 1000000000000 values each; expected at most"), error);
    // 10^15 rows promised, 16 floats present: truncated
    const std::string b = npy("long.npy", "(1000000000000000, 4)");
    CHECK_THROWS_WITH_AS(load_samples(b, {}), doctest::Contains("truncated NPY data"), error);
    CHECK_THROWS_WITH_AS(load_column(npy("col.npy", "(1000000000000000,)"), ""),
                         doctest::Contains("truncated NPY data"), error);
    for (const auto& p : {a, b}) std::remove(p.c_str());
    std::remove(support::tmp_path("dataset", "col.npy").c_str());
}
