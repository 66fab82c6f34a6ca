// SPDX-License-Identifier: MIT
// jetml/memory.hpp - buffers advised to transparent huge pages.
//
// First touch of a fresh 4 KiB page costs ~12 us on the target machines (STYLE.md), against
// ~0.3 us per 4 KiB with a 2 MiB huge page; buffers of megabytes that are filled once and then
// reused (batches in flight, scratch arrays) should be reserved through reserve_huge.
#pragma once
#include <cstddef>
#include <vector>

namespace jetml {

/// Asks the kernel for transparent huge pages on the 2 MiB-aligned part of [p, p + bytes).
/// Advice only: does nothing for blocks under 2 MiB, and a refusal is harmless.
void advise_huge(void* p, std::size_t bytes);

/// Reserves capacity for n elements (no effect if already there) and advises it to huge pages.
template <class T> void reserve_huge(std::vector<T>& v, std::size_t n) {
    if (v.capacity() >= n) return;
    v.reserve(n);
    advise_huge(v.data(), n * sizeof(T));
}

}  // namespace jetml
