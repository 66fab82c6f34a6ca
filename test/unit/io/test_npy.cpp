// SPDX-License-Identifier: MIT
// Unit tests of jetml/npy: fixtures written by numpy itself (fixtures/make_fixtures.py).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "jetml/core/error.hpp"
#include "jetml/io/npy.hpp"

#include "support.hpp"

using namespace jetml;

namespace {
std::string fixture(const char* name) { return std::string(JETML_TEST_DIR) + "/unit/fixtures/" + name; }
}  // namespace

TEST_CASE("npy: reads every integer and float dtype written by numpy and converts to double") {
    for (const char* code : {"f4", "f8", "i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8"}) {
        CAPTURE(code);
        auto a = load_npy<double>(fixture((std::string("v1_") + code + ".npy").c_str()));
        CHECK(a.shape == std::vector<std::size_t>{2, 3});
        CHECK(a.data == std::vector<double>{1, 2, 3, 4, 5, 126});
    }
}

TEST_CASE("npy: reads float64 values exactly, including subnormal-range and negative zero") {
    auto a = load_npy<double>(fixture("v1_f8_values.npy"));
    REQUIRE(a.data.size() == 6);
    CHECK(a.data[0] == 1.5);
    CHECK(a.data[1] == -2.25);
    CHECK(a.data[4] == 1e-300);
    CHECK(std::signbit(a.data[5]));
}

TEST_CASE("npy: reads bool arrays as 0/1") {
    auto a = load_npy<std::int32_t>(fixture("v1_b1.npy"));
    CHECK(a.data == std::vector<std::int32_t>{1, 0, 1});
}

TEST_CASE("npy: reads a v1.0 header whose length byte is >= 0x80 (182 bytes)") {
    auto a = load_npy<float>(fixture("v1_long_header.npy"));
    CHECK(a.shape.size() == 32);
    CHECK(a.data == std::vector<float>{0, 1, 2, 3, 4, 5});
}

TEST_CASE("npy: reads format versions 2.0 and 3.0") {
    for (const char* f : {"v2_f4.npy", "v3_f4.npy"}) {
        CAPTURE(f);
        auto a = load_npy<float>(fixture(f));
        CHECK(a.shape == std::vector<std::size_t>{2, 3});
        CHECK(a.data == std::vector<float>{0, 1, 2, 3, 4, 5});
    }
}

TEST_CASE("npy: header keys may come in any order") {
    auto a = load_npy<double>(fixture("v1_key_order.npy"));
    CHECK(a.shape == std::vector<std::size_t>{2, 3});
    CHECK(a.data[1] == -2.25);
}

TEST_CASE("npy: big-endian data are converted") {
    auto a = load_npy<double>(fixture("v1_big_endian.npy"));
    auto b = load_npy<double>(fixture("v1_f8_values.npy"));
    CHECK(a.data == b.data);
}

TEST_CASE("npy: scalars and empty arrays") {
    auto s = load_npy<double>(fixture("v1_scalar.npy"));
    CHECK(s.shape.empty());
    CHECK(s.data == std::vector<double>{2.5});
    auto e = load_npy<float>(fixture("v1_empty.npy"));
    CHECK(e.shape == std::vector<std::size_t>{0, 3});
    CHECK(e.data.empty());
}

TEST_CASE("npy: defects give one clear error naming the file") {
    CHECK_THROWS_WITH_AS(load_npy<double>(fixture("v1_truncated.npy")),
                         doctest::Contains("truncated NPY data: the header claims shape (2, 3) of float64 (48 bytes) but the file holds 16 bytes"), error);
    CHECK_THROWS_WITH_AS(load_npy<double>(fixture("v1_truncated_header.npy")), doctest::Contains("truncated NPY header"),
                         error);
    CHECK_THROWS_WITH_AS(load_npy<double>(fixture("v1_fortran.npy")), doctest::Contains("Fortran-ordered"), error);
    CHECK_THROWS_WITH_AS(load_npy<double>(fixture("v1_c16.npy")), doctest::Contains("unsupported NPY dtype '<c16'"),
                         error);
    CHECK_THROWS_WITH_AS(load_npy<double>(fixture("v1_structured.npy")), doctest::Contains("structured"), error);
    CHECK_THROWS_WITH_AS(load_npy<double>(fixture("make_fixtures.py")), doctest::Contains("not an NPY file"), error);
    CHECK_THROWS_WITH_AS(load_npy<double>(fixture("v1_truncated.npy")), doctest::Contains((fixture("v1_truncated.npy") + ": truncated").c_str()),
                         error);
}

TEST_CASE("npy: float to integer conversion requires integral values in range") {
    auto a = load_npy<std::int32_t>(fixture("v1_f4.npy"));
    CHECK(a.data[5] == 126);
    CHECK(load_npy<std::uint8_t>(fixture("v1_i8.npy")).data[5] == 126);
    CHECK_THROWS_WITH_AS(load_npy<std::int32_t>(fixture("v1_f8_values.npy")), doctest::Contains("is not an integer"),
                         error);
    std::string path = support::tmp_path("test", "wide.npy");
    std::vector<std::int32_t> wide{1, 300, -5};
    save_npy(path, {3}, wide.data());
    CHECK_THROWS_WITH_AS(load_npy<std::uint8_t>(path), doctest::Contains("does not fit uint8"), error);
    CHECK(load_npy<std::int16_t>(path).data == std::vector<std::int16_t>{1, 300, -5});
    std::remove(path.c_str());
}

TEST_CASE("npy: the header we write is byte-identical to numpy's") {
    // numpy wrote the fixtures; our header for the same dtype and shape must match its bytes
    for (const char* code : {"f4", "f8", "i1", "u1", "i4", "i8", "u8"}) {
        CAPTURE(code);
        std::string file = support::read_file(fixture((std::string("v1_") + code + ".npy").c_str()));
        dtype t = load_npy<double>(fixture((std::string("v1_") + code + ".npy").c_str())).data.size() ? dtype::f8 : dtype::f8;
        npy_header h;
        {
            input in(fixture((std::string("v1_") + code + ".npy").c_str()));
            npy_reader r(in);
            h = r.header();
        }
        t = h.type;
        std::string ours = npy_header_bytes(t, h.shape);
        CHECK(ours.size() % 64 == 0);
        CHECK(file.compare(0, ours.size(), ours) == 0);
    }
    std::string ours = npy_header_bytes(dtype::f8, std::vector<std::size_t>(30, 1));
    CHECK(ours.size() % 64 == 0);
}

TEST_CASE("npy: write then read round-trips every dtype through a file") {
    std::string path = support::tmp_path("test", "rt.npy");
    std::vector<double> v{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
    for (dtype t : {dtype::f4, dtype::f8, dtype::i1, dtype::u1, dtype::i2, dtype::u2, dtype::i4, dtype::u4, dtype::i8,
                    dtype::u8}) {
        CAPTURE(dtype_name(t));
        {
            output out(path, true);
            npy_writer w(out, t, {3, 2, 2});
            w.write_rows(v.data(), 1);  // rows may come in pieces
            w.write_rows(v.data() + 4, 2);
            w.finish();
        }
        input in(path);
        npy_reader r(in);
        CHECK(r.header().type == t);
        CHECK(r.header().shape == std::vector<std::size_t>{3, 2, 2});
        std::vector<double> back(12);
        CHECK(r.read_rows(back.data(), 2) == 2);  // and may be read in pieces
        CHECK(r.read_rows(back.data() + 8, 5) == 1);
        CHECK(r.read_rows(back.data(), 5) == 0);
        CHECK(back == v);
    }
    std::remove(path.c_str());
}

TEST_CASE("npy: a writer that did not get all rows refuses to finish and leaves no file") {
    std::string path = support::tmp_path("test", "short.npy");
    std::remove(path.c_str());
    {
        output out(path, true);
        npy_writer w(out, dtype::f4, {3});
        float x = 1;
        w.write_rows(&x, 1);
        CHECK_THROWS_AS(w.finish(), error);
    }
    CHECK(::access(path.c_str(), F_OK) != 0);
}

TEST_CASE("npy: header dict parser") {
    auto h = parse_npy_dict("{'descr': '<i8', 'fortran_order': False, 'shape': (7,), }", "x");
    CHECK(h.type == dtype::i8);
    CHECK(h.shape == std::vector<std::size_t>{7});
    h = parse_npy_dict("{\"descr\":\"|u1\",\"shape\":(),\"fortran_order\":True}", "x");  // scalar: Fortran is harmless
    CHECK(h.type == dtype::u1);
    CHECK(h.shape.empty());
    CHECK_THROWS_WITH_AS(parse_npy_dict("{'descr': '<f4', 'shape': (2, 2)}", "x"), doctest::Contains("missing key"),
                         error);
    CHECK_THROWS_WITH_AS(parse_npy_dict("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,)}", "x"),
                         doctest::Contains("True or False"), error);
    CHECK_THROWS_WITH_AS(parse_npy_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -1)}", "x"),
                         doctest::Contains("non-negative integer"), error);
}

TEST_CASE("npy: format_shape") {
    CHECK(format_shape({}) == "()");
    CHECK(format_shape({5}) == "(5,)");
    CHECK(format_shape({5, 3, 4}) == "(5, 3, 4)");
}

namespace {
/// Writes an NPY file with the given header dict (padded as numpy does) and raw data bytes.
std::string npy_with_dict(const char* tag, const std::string& dict, const std::string& data) {
    std::string d = dict;
    while ((10 + d.size() + 1) % 64) d.push_back(' ');
    d.push_back('\n');
    std::string bytes("\x93NUMPY\x01\x00", 8);
    bytes.push_back(static_cast<char>(d.size() & 0xff));
    bytes.push_back(static_cast<char>(d.size() >> 8));
    std::string path = support::tmp_path("test", tag);
    std::ofstream(path, std::ios::binary) << bytes << d << data;
    return path;
}
}  // namespace

TEST_CASE("npy: a shape dimension beyond 64 bits is a clear error (fuzzer find)") {
    std::string path = npy_with_dict("huge_dim.npy",
                                     "{'descr': '<u8', 'fortran_order': False, 'shape': (1, 99999999999999999999999), }",
                                     std::string(8, '\1'));
    CHECK_THROWS_WITH_AS(load_npy<double>(path), doctest::Contains("shape dimension 99999999999999999999999 is too large"),
                         error);
    std::remove(path.c_str());
}

TEST_CASE("npy: a shape whose byte count overflows is a clear error") {
    std::string path = npy_with_dict("overflow.npy",
                                     "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }",
                                     std::string(64, '\0'));
    CHECK_THROWS_WITH_AS(load_npy<float>(path), doctest::Contains("is too large (more than 2^63 bytes)"), error);
    std::remove(path.c_str());
}

TEST_CASE("npy: a header promising 10^15 elements of a short file is truncated data, not a huge allocation") {
    for (const char* shape : {"(1000000000000000,)", "(1, 1000000000000000)", "(1000, 1000000000000)"}) {
        std::string path = npy_with_dict("promise.npy",
                                         std::string("{'descr': '<f4', 'fortran_order': False, 'shape': ") + shape + ", }",
                                         std::string(40, '\0'));
        CAPTURE(shape);
        CHECK_THROWS_WITH_AS(load_npy<double>(path), doctest::Contains("truncated NPY data: the header claims shape "), error);
        CHECK_THROWS_WITH_AS(load_npy<float>(path), doctest::Contains("but the file holds 40 bytes"), error);
        std::remove(path.c_str());
    }
}

TEST_CASE("npy: arrays beyond the eager-allocation size read back exactly") {
    // 17M float32 (68 MB) crosses the 64 MiB chunk of read_all; the values are checked
    // exactly, in float and converted to double, and big-endian data are swapped
    const std::size_t n = (std::size_t(17) << 20);
    std::vector<float> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<float>(i % 1000003) * 0.5f;
    std::string path = support::tmp_path("test", "big.npy");
    save_npy(path, {n / 4, 4}, v.data());
    auto f = load_npy<float>(path);
    CHECK(f.data == v);
    auto d = load_npy<double>(path);
    REQUIRE(d.data.size() == n);
    bool same = true;
    for (std::size_t i = 0; i < n; ++i) same = same && d.data[i] == static_cast<double>(v[i]);
    CHECK(same);
    std::remove(path.c_str());
}

TEST_CASE("npy: arrays with a zero dimension after the first read as empty (fuzzer find: memcpy to null)") {
    std::string path = npy_with_dict("zero_dim.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 0, 3), }", "");
    auto a = load_npy<double>(path);
    CHECK(a.data.empty());
    CHECK(a.shape == std::vector<std::size_t>{1, 0, 3});
    auto b = load_npy<float>(path);
    CHECK(b.data.empty());
    std::remove(path.c_str());
}

TEST_CASE("npy: a header error quotes the header on one line") {
    std::string path = npy_with_dict("bad_key.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x\x07': 1}",
                                     std::string(4, '\0'));
    std::string msg;
    try {
        load_npy<float>(path);
    } catch (const error& e) {
        msg = e.what();
    }
    CHECK(msg.find("unexpected key 'x\\x07'") != std::string::npos);
    CHECK(msg.find_first_of("\n\r\x07") == std::string::npos);
    std::remove(path.c_str());
}
