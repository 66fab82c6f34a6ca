// SPDX-License-Identifier: MIT
// Unit tests of jetml/io/npz: stored zip archives and NPY records in memory.
#include <doctest/doctest.h>

#include <limits>
#include <string>
#include <vector>

#include "jetml/core/error.hpp"
#include "jetml/io/npz.hpp"

using namespace jetml;

namespace {
// offsets in a zip archive whose first entry is named `name`
constexpr std::size_t local_method = 8, local_crc = 14;
}  // namespace

TEST_CASE("npz: zip_store -> zip_read gives the entries back, in order, byte for byte") {
    const std::vector<zip_entry> in = {{"meta.json", "{\"a\": 1}\n"},
                                       {"0.weight.npy", std::string("\0\x01\xff\x93NUMPY", 10)},
                                       {"empty.npy", ""}};
    const std::string bytes = zip_store(in);
    auto out = zip_read(bytes, "t.npz");
    REQUIRE(out.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) {
        CHECK(out[i].name == in[i].name);
        CHECK(out[i].data == in[i].data);
    }
    // no timestamps: the same entries give the same bytes
    CHECK(zip_store(in) == bytes);
}

TEST_CASE("npz: zip_read rejects compressed entries, bad CRCs and truncation, naming the source") {
    std::string bytes = zip_store({{"a.npy", "hello world"}});
    SUBCASE("a deflated entry (np.savez_compressed)") {
        // the method field of the local and the central header; the reader checks the central one
        const std::size_t central = bytes.find(std::string("PK\x01\x02", 4));
        REQUIRE(central != std::string::npos);
        bytes[local_method] = 8;
        bytes[central + 10] = 8;
        CHECK_THROWS_WITH_AS(zip_read(bytes, "c.npz"),
                             "c.npz: entry 'a.npy' is compressed (zip method 8); jetml reads stored entries only "
                             "(np.savez, not np.savez_compressed)",
                             jetml::error);
    }
    SUBCASE("a flipped data byte") {
        bytes[30 + 5] ^= 1;  // local header (30 bytes) + name "a.npy"
        CHECK_THROWS_WITH_AS(zip_read(bytes, "c.npz"), "c.npz: CRC mismatch in zip entry 'a.npy'", jetml::error);
    }
    SUBCASE("a stored CRC that is wrong") {
        const std::size_t central = bytes.find(std::string("PK\x01\x02", 4));
        bytes[central + 16] ^= 1;
        bytes[local_crc] ^= 1;
        CHECK_THROWS_WITH_AS(zip_read(bytes, "c.npz"), "c.npz: CRC mismatch in zip entry 'a.npy'", jetml::error);
    }
    SUBCASE("cut short") {
        CHECK_THROWS_WITH_AS(zip_read(bytes.substr(0, bytes.size() - 3), "c.npz"),
                             "c.npz: truncated zip archive (no end-of-directory record)", jetml::error);
    }
    SUBCASE("not a zip") {
        CHECK_THROWS_WITH_AS(zip_read("\x93NUMPY and more bytes than 22 of them", "x.npy"),
                             "x.npy: not a model file (not a zip/NPZ archive)", jetml::error);
    }
}

TEST_CASE("npz: npy_record -> parse_npy_record round-trips float32 values") {
    const std::vector<float> v = {1.5f, -2.25f, 3e-38f, 7.0f, 0.0f, -0.0f};
    const std::string rec = npy_record({2, 3}, v.data(), v.size());
    CHECK(rec.compare(0, 6, "\x93NUMPY") == 0);
    CHECK(rec.size() % 64 == v.size() * 4 % 64);  // numpy pads header + preamble to 64 bytes
    CHECK(parse_npy_record(rec, "m.npz", "0.weight") == v);
    CHECK(parse_npy_record(npy_record({0}, nullptr, 0), "m.npz", "e").empty());
}

TEST_CASE("npz: parse_npy_record errors name the file and the entry") {
    const std::vector<float> v = {1, 2, 3};
    std::string rec = npy_record({3}, v.data(), 3);
    CHECK_THROWS_WITH_AS(parse_npy_record("not an npy record", "m.npz", "0.bias"),
                         "m.npz: entry '0.bias' is not an NPY record", jetml::error);
    CHECK_THROWS_WITH_AS(parse_npy_record(rec.substr(0, rec.size() - 4), "m.npz", "0.bias"),
                         "m.npz: entry '0.bias': NPY data has 8 bytes, expected 12", jetml::error);
    rec[6] = 9;
    CHECK_THROWS_WITH_AS(parse_npy_record(rec, "m.npz", "0.bias"), "m.npz: entry '0.bias': unsupported NPY version 9",
                         jetml::error);
}

TEST_CASE("npz: parse_npy_record refuses NaN and infinite weights, naming the entry and the index") {
    const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
    const std::vector<float> good = {1, 2, 3, 4};
    CHECK(parse_npy_record(npy_record({2, 2}, good.data(), 4), "m.npz", "0.weight") == good);
    const std::vector<float> a = {1, 2, nan, 4}, b = {inf, 0}, c = {0, -inf};
    CHECK_THROWS_WITH_AS(parse_npy_record(npy_record({2, 2}, a.data(), 4), "m.npz", "0.weight"),
                         "m.npz: weight '0.weight' holds NaN at index 2; expected finite values", error);
    CHECK_THROWS_WITH_AS(parse_npy_record(npy_record({2}, b.data(), 2), "m.npz", "2.bias"),
                         "m.npz: weight '2.bias' holds inf at index 0; expected finite values", error);
    CHECK_THROWS_WITH_AS(parse_npy_record(npy_record({2}, c.data(), 2), "m.npz", "prep.std"),
                         "m.npz: weight 'prep.std' holds -inf at index 1; expected finite values", error);
}
