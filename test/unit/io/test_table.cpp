// SPDX-License-Identifier: MIT
// Unit tests of jetml/io/table: NPY tables of unknown length (spooled, constant memory, the same
// bytes as a header written first), CSV tables, format_from_extension.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "jetml/core/error.hpp"
#include "jetml/io/npy.hpp"
#include "jetml/io/table.hpp"

using namespace jetml;
using jetml::io::npy_table;
using jetml::io::table_writer;

namespace {
std::string tmp(const std::string& tag) { return "/tmp/jetml_table_" + std::to_string(::getpid()) + "_" + tag; }
std::string slurp(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}
bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }
}  // namespace

TEST_CASE("table: a spooled NPY has the bytes of one whose row count was known first") {
    const std::vector<float> v{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    const auto known = tmp("known.npy"), spooled = tmp("spooled.npy");
    save_npy(known, {3, 2, 2}, v.data());
    {
        output out(spooled, true);
        npy_table t(out, dtype::f4, {2, 2});
        t.write_rows(v.data(), 1);
        t.write_rows(v.data() + 4, 2);
        CHECK(t.rows_written() == 3);
        CHECK_FALSE(exists(spooled));  // nothing at the target before finish (then a rename)
        t.finish();
    }
    CHECK(slurp(spooled) == slurp(known));
    {  // rows known up front: written straight through, same bytes
        npy_table t(spooled, dtype::f4, {2, 2}, 3);
        t.write_rows(v.data(), 3);
        t.finish();
    }
    CHECK(slurp(spooled) == slurp(known));
    std::remove(known.c_str());
    std::remove(spooled.c_str());
}

TEST_CASE("table: doubles and floats are converted to the file's dtype; zero rows give shape (0, D)") {
    const auto path = tmp("conv.npy");
    {
        npy_table t(path, dtype::f8, {2});
        const std::vector<float> f{0.5f, -1.25f};
        t.write_rows(f.data(), 1);
        const std::vector<double> d{3, 4};
        t.write_rows(d.data(), 1);
        t.finish();
    }
    auto a = load_npy<double>(path);
    CHECK(a.shape == std::vector<std::size_t>{2, 2});
    CHECK(a.data == std::vector<double>{0.5, -1.25, 3, 4});
    {
        npy_table t(path, dtype::f4, {3});
        t.finish();
    }
    CHECK(load_npy<float>(path).shape == std::vector<std::size_t>{0, 3});
    CHECK_THROWS_AS(npy_table(path, dtype::i4, {}), error);  // spooling holds float32/float64 only
    std::remove(path.c_str());
}

TEST_CASE("table: millions of rows pass through a fixed buffer (constant memory)") {
    // 3 Mi rows of 3 float32 = 36 MiB of data, 36 times the buffer: the writer must never hold
    // more than buffer_bytes, and every value must come back in order
    const auto path = tmp("big.npy");
    const std::size_t rows = std::size_t(3) << 20, batch = 4096;
    {
        npy_table t(path, dtype::f4, {3});
        std::vector<float> b(batch * 3);
        std::size_t most = 0;
        for (std::size_t r = 0; r < rows; r += batch) {
            for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<float>((r * 3 + i) % 1000003);
            t.write_rows(b.data(), batch);
            most = std::max(most, t.held_bytes());
        }
        CHECK(most == npy_table::buffer_bytes);
        t.finish();
        CHECK(t.held_bytes() == npy_table::buffer_bytes);
    }
    input in(path);
    npy_reader r(in);
    CHECK(r.header().shape == std::vector<std::size_t>{rows, 3});
    std::vector<float> b(batch * 3);
    std::size_t at = 0, bad = 0;
    while (std::size_t got = r.read_rows(b.data(), batch)) {
        for (std::size_t i = 0; i < got * 3; ++i) bad += b[i] != static_cast<float>((at * 3 + i) % 1000003);
        at += got;
    }
    CHECK(at == rows);
    CHECK(bad == 0);
    std::remove(path.c_str());
}

TEST_CASE("table: table_writer writes CSV rows under a header, or NPY") {
    const auto path = tmp("t.csv");
    const std::vector<double> v{1, 0.1, 2, 1e300};
    {
        output out(path, false);
        table_writer w(out, "csv", dtype::f8, {2}, {"a", "b"});
        w.write_rows(v.data(), 2);
        w.finish();
    }
    CHECK(slurp(path) == "a,b\n1,0.1\n2,1e+300\n");
    {
        output out(path, true);
        table_writer w(out, "npy", dtype::f8, {2}, {});
        w.write_rows(v.data(), 2);
        w.finish();
    }
    CHECK(load_npy<double>(path).data == v);
    output out(path, false);
    CHECK_THROWS_AS(table_writer(out, "csv", dtype::f8, {3}, {"a", "b"}), error);  // 2 names, 3 values
    CHECK_THROWS_AS(table_writer(out, "hdf5", dtype::f8, {2}, {}), usage_error);
    std::remove(path.c_str());
}

TEST_CASE("table: format_from_extension prefers the option, then a csv/npy extension, then the default") {
    CHECK(format_from_extension("csv", "x.npy", "npy") == "csv");
    CHECK(format_from_extension("", "x.NPY", "csv") == "npy");
    CHECK(format_from_extension("", "dir.csv/x", "npy") == "npy");
    CHECK(format_from_extension("", "x.csv", "npy") == "csv");
    CHECK(format_from_extension("", "-", "npy") == "npy");
    CHECK(format_from_extension("", "x.txt", "csv") == "csv");
}
