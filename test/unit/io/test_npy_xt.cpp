// SPDX-License-Identifier: MIT
// Unit tests of jetml/io/npy_xt: xtensor arrays read and written through jetml's NPY code.
#include <doctest/doctest.h>

#include <cstdio>
#include <unistd.h>

#include "jetml/io/npy_xt.hpp"

using namespace jetml;

namespace {
std::string fixture(const char* name) { return std::string(JETML_TEST_DIR) + "/unit/fixtures/" + name; }
std::string tmpname(const char* tag) { return "/tmp/jetml_test_" + std::to_string(::getpid()) + "_" + tag; }
}  // namespace

TEST_CASE("npy_xt: load_npy_xt gives the shape and values of load_npy, converting the dtype") {
    for (const char* f : {"v1_f4.npy", "v1_i4.npy", "v2_f4.npy", "v1_f8.npy"}) {
        CAPTURE(f);
        auto plain = load_npy<double>(fixture(f));
        REQUIRE(plain.shape.size() == 2);
        auto a = load_npy_xt<double, 2>(fixture(f));
        CHECK(a.shape()[0] == plain.shape[0]);
        CHECK(a.shape()[1] == plain.shape[1]);
        REQUIRE(a.size() == plain.data.size());
        for (std::size_t i = 0; i < a.size(); ++i) CHECK(a.data()[i] == plain.data[i]);
    }
}

TEST_CASE("npy_xt: a wrong number of dimensions, a truncated or a Fortran-order file are errors") {
    CHECK_THROWS_WITH_AS((load_npy_xt<float, 3>(fixture("v1_f4.npy"))),
                         doctest::Contains("expected a 3-d array, got (2, 3)"), jetml::error);
    CHECK_THROWS_AS((load_npy_xt<float, 2>(fixture("v1_truncated.npy"))), jetml::error);
    CHECK_THROWS_AS((load_npy_xt<float, 2>(fixture("v1_fortran.npy"))), jetml::error);
}

TEST_CASE("npy_xt: save_npy_xt writes what save_npy writes, from a tensor and from an adapted buffer") {
    xt::xtensor<float, 3> a = xt::xtensor<float, 3>::from_shape({2, 3, 4});
    for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = 0.25f * float(i) - 1.0f;
    const std::string p1 = tmpname("xt1.npy"), p2 = tmpname("xt2.npy"), p3 = tmpname("xt3.npy");
    save_npy_xt(p1, a);
    save_npy(p2, {2, 3, 4}, a.data());
    std::vector<float> buf(a.data(), a.data() + a.size());
    save_npy_xt(p3, xt::adapt(buf.data(), buf.size(), xt::no_ownership(), std::array<std::size_t, 2>{6, 4}));
    auto b = load_npy_xt<float, 3>(p1);
    CHECK(b == a);
    auto c = load_npy<float>(p2);
    CHECK(c.data == std::vector<float>(b.data(), b.data() + b.size()));
    auto d = load_npy_xt<float, 2>(p3);
    CHECK(d.shape()[0] == 6);
    CHECK(std::vector<float>(d.data(), d.data() + d.size()) == buf);
    for (auto& p : {p1, p2, p3}) std::remove(p.c_str());
}

TEST_CASE("npy_xt: a column-major container is refused rather than written transposed") {
    xt::xtensor<float, 2, xt::layout_type::column_major> f = xt::xtensor<float, 2, xt::layout_type::column_major>::from_shape({2, 3});
    CHECK_THROWS_WITH_AS(save_npy_xt(tmpname("cm.npy"), f), doctest::Contains("C (row-major) order"), jetml::error);
}
