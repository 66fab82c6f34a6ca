// SPDX-License-Identifier: MIT
// Unit tests of jetml/jets/image_xt: make_images over an (N, M, 4) tensor equals make_image jet by jet.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "jetml/core/threads.hpp"
#include "jetml/io/npy_xt.hpp"
#include "jetml/jets/image_xt.hpp"

using namespace jetml;

TEST_CASE("image_xt: make_images gives make_image's pixels and info bitwise, for every preset and thread count") {
    auto c = load_npy_xt<float, 3>(std::string(JETML_TEST_DIR) + "/golden/data/jets20.npy");
    const std::size_t n = c.shape()[0], m = c.shape()[1];
    for (const char* name : {"deoliveira", "energyflow", "deeptop", "macaluso-shih"}) {
        CAPTURE(name);
        const image::params p = image::preset(name);
        std::vector<float> ref(n * p.pixels());
        std::vector<image::jet_info> ref_info(n);
        image::workspace ws;
        for (std::size_t j = 0; j < n; ++j) image::make_image(p, c.data() + j * m * 4, m, ref.data() + j * p.pixels(), ref_info[j], ws);
        for (int th : {1, 2}) {
            CAPTURE(th);
            set_threads(th);
            std::vector<image::jet_info> info;
            xt::xtensor<float, 4> img = image::make_images(p, c, &info);
            CHECK(img.shape()[0] == n);
            CHECK(img.shape()[1] == p.n_channels());
            CHECK(img.shape()[2] == p.height());
            CHECK(img.shape()[3] == p.width());
            CHECK(std::vector<float>(img.data(), img.data() + img.size()) == ref);
            REQUIRE(info.size() == n);
            for (std::size_t j = 0; j < n; ++j) {
                CHECK(info[j].flags == ref_info[j].flags);
                CHECK(info[j].pt == ref_info[j].pt);
            }
        }
    }
    set_threads(1);
}

TEST_CASE("image_xt: a wrong shape and a bad constituent are errors naming the jet") {
    auto bad = xt::xtensor<float, 3>::from_shape({2, 3, 3});
    CHECK_THROWS_WITH_AS(image::make_images(image::params{}, bad), doctest::Contains("expected (N, M, 4), got (2, 3, 3)"), jetml::error);
    auto c = xt::xtensor<float, 3>::from_shape({3, 2, 4});
    c.fill(0.0f);
    c(1, 0, 0) = 100.0f;
    c(2, 0, 0) = -5.0f;  // negative pT in jet 2
    CHECK_THROWS_WITH_AS(image::make_images(image::params{}, c), doctest::Contains("jet 2"), jetml::error);
}
