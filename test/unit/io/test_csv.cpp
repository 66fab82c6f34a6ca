// SPDX-License-Identifier: MIT
// Unit tests of jetml/csv.
#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <unistd.h>

#include "jetml/io/csv.hpp"
#include "jetml/core/error.hpp"

#include "support.hpp"

using namespace jetml;

TEST_CASE("csv: columns are looked up by name; numbers parse; CRLF and blank lines are tolerated") {
    auto path = support::write_tmp("csv", "a.csv", "score,label, weight\r\n0.5,1,2\r\n\n-1e-3,0,1.5\r\n");
    input in(path);
    csv_reader r(in);
    CHECK(r.columns() == std::vector<std::string>{"score", "label", "weight"});
    auto s = r.column("score"), l = r.column("label"), w = r.column("weight");
    REQUIRE(r.next());
    CHECK(r.number(s) == 0.5);
    CHECK(r.integer(l) == 1);
    CHECK(r.number(w) == 2);
    REQUIRE(r.next());
    CHECK(r.number(s) == -1e-3);
    CHECK(r.line() == 4);
    CHECK_FALSE(r.next());
    std::remove(path.c_str());
}

TEST_CASE("csv: errors name the file, the line and the column") {
    auto path = support::write_tmp("csv", "b.csv", "x,y\n1,2\n3,abc\n4\n");
    input in(path);
    csv_reader r(in);
    CHECK_THROWS_WITH_AS(r.column("z"), doctest::Contains("no column 'z'; available: x, y"), usage_error);
    REQUIRE(r.next());
    REQUIRE(r.next());
    CHECK_THROWS_WITH_AS(r.number(1), (path + ": line 3: column 'y': 'abc' is not a number").c_str(), error);
    CHECK_THROWS_WITH_AS(r.next(), (path + ": line 4: expected 2 fields, got 1").c_str(), error);
    std::remove(path.c_str());
}

TEST_CASE("csv: empty input, duplicate names and NPY-instead-of-CSV are rejected") {
    auto e = support::write_tmp("csv", "e.csv", "");
    input in(e);
    CHECK_THROWS_WITH_AS(csv_reader{in}, doctest::Contains("empty input"), error);
    auto d = support::write_tmp("csv", "d.csv", "a,b,a\n1,2,3\n");
    input in2(d);
    CHECK_THROWS_WITH_AS(csv_reader{in2}, doctest::Contains("duplicate column name 'a'"), error);
    std::remove(e.c_str());
    std::remove(d.c_str());
}

TEST_CASE("csv: numbers print round-trip and shortest") {
    CHECK(format_double(0.1) == "0.1");
    CHECK(format_double(1.0 / 3.0) == "0.3333333333333333");
    CHECK(format_float(0.1f) == "0.1");
    CHECK(format_double(-0.0) == "-0");
    CHECK(format_double(std::numeric_limits<double>::infinity()) == "inf");
    for (double v : {1e-310, 123456789.123456789, -2.5e300, 6.02214076e23}) {
        double back;
        REQUIRE(parse_double(format_double(v), back));
        CHECK(back == v);
    }
    double x;
    CHECK_FALSE(parse_double("1.5x", x));
    CHECK_FALSE(parse_double("", x));
    CHECK(parse_double("+2", x));
    CHECK(x == 2);
    CHECK(parse_double("1e999", x));
    CHECK(std::isinf(x));
}

TEST_CASE("csv: the writer checks field counts and writes a header") {
    std::string path = support::tmp_path("csv", "w.csv");
    {
        output out(path, false);
        csv_writer w(out, {"a", "b"});
        w << 1.5 << std::int64_t(2);
        w.end_row();
        w << 0.25f;
        CHECK_THROWS_AS(w.end_row(), error);
    }
    {
        output out(path, false);
        csv_writer w(out, {"a", "b"});
        w << 1.5 << std::int64_t(2);
        w.end_row();
        w.finish();
    }
    std::ifstream f(path);
    std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    CHECK(all == "a,b\n1.5,2\n");
    std::remove(path.c_str());
}

TEST_CASE("csv: messages quote fields on one line: control bytes escaped, long fields cut") {
    auto path = support::write_tmp("csv", "ctl.csv", "a,b\n1\r2\x1b[2J,3\n" + std::string(5000, '7') + "x,4\n");
    input in(path);
    csv_reader r(in);
    REQUIRE(r.next());
    CHECK_THROWS_WITH_AS(r.number(0), doctest::Contains("column 'a': '1\\x0d2\\x1b[2J' is not a number"), error);
    REQUIRE(r.next());
    std::string msg;
    try {
        r.number(0);
    } catch (const error& e) {
        msg = e.what();
    }
    CHECK(msg.find(std::string(80, '7') + "...' is not a number") != std::string::npos);
    CHECK(msg.size() < 200);
    std::remove(path.c_str());
}

TEST_CASE("csv: a header of 300000 columns is read in linear time") {
    std::string header;
    for (int i = 0; i < 300000; ++i) header += (i ? ",c" : "c") + std::to_string(i);
    auto path = support::write_tmp("csv", "wide.csv", header + "\n");
    const auto t0 = std::chrono::steady_clock::now();
    input in(path);
    csv_reader r(in);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    CHECK(r.columns().size() == 300000);
    // the old pairwise duplicate check took ~4.5e10 string comparisons (minutes); a hash set
    // takes well under 0.1 s, so 5 s leaves room for a loaded machine
    CHECK(secs < 5.0);
    std::remove(path.c_str());
}

TEST_CASE("csv: a non-finite value names the line and the column, in check_finite's words") {
    const std::string p = support::write_tmp("csv", "nan.csv", "a,score\n1,0.5\n\n2,nan\n3,1e39\n");
    input in(p);
    csv_reader r(in);
    REQUIRE(r.next());
    CHECK(r.finite_number(1) == 0.5);
    REQUIRE(r.next());
    CHECK(r.finite_number(0) == 2);
    CHECK_THROWS_WITH_AS(r.finite_number(1), (p + ": score nan at line 4, column 2; expected finite").c_str(), error);
    REQUIRE(r.next());
    CHECK(r.finite_number(1) == 1e39);  // finite as a double
    CHECK_THROWS_WITH_AS(r.finite_number(1, true),
                         (p + ": score 1e39 at line 5, column 2; expected finite (within the float32 range)").c_str(), error);
    std::remove(p.c_str());
}

TEST_CASE("csv: a zip archive or binary data where CSV was expected is one clear error") {
    const std::string z = support::write_tmp("csv", "m.npz", std::string("PK\x03\x04\x14\0\0\0", 8) + "meta.json");
    input in(z);
    CHECK_THROWS_WITH_AS(csv_reader{in}, (z + ": this is a zip archive (an .npz model file?), expected CSV text").c_str(), error);
    std::remove(z.c_str());
}
