// SPDX-License-Identifier: MIT
// Tests of jetml/memory: huge-page buffers behave as ordinary memory.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "jetml/core/memory.hpp"

TEST_CASE("memory: huge_allocator vectors hold, grow and copy like plain vectors") {
    std::vector<float, jetml::huge_allocator<float>> v{1, 2, 3};
    v.resize(std::size_t(3) << 20, 7.0f);  // 12 MiB: several huge pages
    CHECK(v[0] == 1);
    CHECK(v[2] == 3);
    CHECK(v.back() == 7.0f);
    CHECK(reinterpret_cast<std::uintptr_t>(v.data()) % (std::size_t(1) << 21) == 0);  // large blocks are 2 MiB-aligned
    auto w = v;
    CHECK(w == v);
    std::vector<double, jetml::huge_allocator<double>> small(10, 0.5);  // under 1 MiB: plain malloc
    CHECK(small[9] == 0.5);
}

TEST_CASE("memory: advise_huge accepts small and unaligned blocks") {
    std::vector<char> b(100);
    jetml::advise_huge(b.data(), b.size());  // under 2 MiB: nothing to do
    std::vector<char> c((std::size_t(5) << 20) + 3);
    jetml::advise_huge(c.data() + 1, c.size() - 1);
    c[c.size() - 1] = 1;
    CHECK(c.back() == 1);
}
