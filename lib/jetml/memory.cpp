// SPDX-License-Identifier: MIT
// jetml/memory.cpp - huge-page advice.
#include "jetml/memory.hpp"

#include <sys/mman.h>

#include <cstdint>

namespace jetml {

void advise_huge(void* p, std::size_t bytes) {
    const std::size_t huge = std::size_t(1) << 21;
    if (bytes < huge) return;
    const auto b = reinterpret_cast<std::uintptr_t>(p);
    const std::uintptr_t lo = (b + huge - 1) & ~std::uintptr_t(huge - 1), hi = (b + bytes) & ~std::uintptr_t(huge - 1);
    if (hi > lo) ::madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE);  // advice only: failure is harmless
}

}  // namespace jetml
