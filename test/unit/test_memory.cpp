// SPDX-License-Identifier: MIT
// Tests of jetml/memory: huge-page reservations behave as plain reservations.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "jetml/memory.hpp"

TEST_CASE("memory: reserve_huge reserves, keeps the contents and never shrinks") {
    std::vector<float> v{1, 2, 3};
    jetml::reserve_huge(v, std::size_t(3) << 20);  // 12 MiB: several huge pages
    CHECK(v.capacity() >= (std::size_t(3) << 20));
    CHECK(v == std::vector<float>{1, 2, 3});
    const float* before = v.data();
    jetml::reserve_huge(v, 10);
    CHECK(v.data() == before);
    v.resize(std::size_t(3) << 20, 7.0f);  // the advised pages are usable
    CHECK(v.back() == 7.0f);
}

TEST_CASE("memory: advise_huge accepts small and unaligned blocks") {
    std::vector<char> b(100);
    jetml::advise_huge(b.data(), b.size());  // under 2 MiB: nothing to do
    std::vector<char> c((std::size_t(5) << 20) + 3);
    jetml::advise_huge(c.data() + 1, c.size() - 1);
    c[c.size() - 1] = 1;
    CHECK(c.back() == 1);
}
