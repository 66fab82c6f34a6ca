// SPDX-License-Identifier: MIT
// jetml/core/memory.hpp - buffers on transparent huge pages.
//
// First touch of a fresh 4 KiB page costs ~12 us on the target machines (STYLE.md), against
// ~0.3 us per 4 KiB with a 2 MiB huge page. Buffers of megabytes that are filled and reused
// (batches in flight, scratch arrays) should use huge_allocator:
//   std::vector<float, jetml::huge_allocator<float>> batch(n);
#pragma once
#include <cstddef>
#include <new>

namespace jetml {

/// Asks the kernel for transparent huge pages on the 2 MiB-aligned part of [p, p + bytes).
/// Advice only: does nothing for blocks under 2 MiB, and a refusal is harmless.
void advise_huge(void* p, std::size_t bytes);

/// Allocates `bytes`: blocks of 1 MiB and more are 2 MiB-aligned, rounded up to whole 2 MiB
/// pages and advised to huge pages; smaller ones come from malloc. Throws std::bad_alloc.
void* huge_alloc(std::size_t bytes);
/// Frees a block from huge_alloc (nullptr is allowed).
void huge_free(void* p) noexcept;

/// A standard allocator over huge_alloc, for std::vector and friends.
template <class T> struct huge_allocator {
    using value_type = T;
    huge_allocator() = default;
    template <class U> huge_allocator(const huge_allocator<U>&) noexcept {}
    T* allocate(std::size_t n) {
        if (n > std::size_t(-1) / sizeof(T)) throw std::bad_alloc();
        return static_cast<T*>(huge_alloc(n * sizeof(T)));
    }
    void deallocate(T* p, std::size_t) noexcept { huge_free(p); }
    template <class U> bool operator==(const huge_allocator<U>&) const noexcept { return true; }
    template <class U> bool operator!=(const huge_allocator<U>&) const noexcept { return false; }
};

}  // namespace jetml
