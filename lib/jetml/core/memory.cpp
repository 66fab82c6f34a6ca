// SPDX-License-Identifier: MIT
// jetml/core/memory.cpp - huge-page advice and allocation.
#include "jetml/core/memory.hpp"

#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>

namespace jetml {

namespace {
constexpr std::size_t huge_page = std::size_t(1) << 21;
}

void advise_huge(void* p, std::size_t bytes) {
    if (bytes < huge_page) return;
    const auto b = reinterpret_cast<std::uintptr_t>(p);
    const std::uintptr_t lo = (b + huge_page - 1) & ~std::uintptr_t(huge_page - 1);
    const std::uintptr_t hi = (b + bytes) & ~std::uintptr_t(huge_page - 1);
    if (hi > lo) ::madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE);  // advice only: failure is harmless
}

void* huge_alloc(std::size_t bytes) {
    if (bytes == 0) bytes = 1;
    void* p = nullptr;
    if (bytes >= huge_page / 2) {  // from 1 MiB: whole huge pages (at most half of it unused)
        const std::size_t rounded = (bytes + huge_page - 1) / huge_page * huge_page;
        p = std::aligned_alloc(huge_page, rounded);
        if (p) advise_huge(p, rounded);
    } else {
        p = std::malloc(bytes);
    }
    if (!p) throw std::bad_alloc();
    return p;
}

void huge_free(void* p) noexcept { std::free(p); }

}  // namespace jetml
