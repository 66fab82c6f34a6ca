// SPDX-License-Identifier: MIT
// jetml/nn/tensor.hpp - float32 buffers allocated once per shape and reused, and per-sample shapes.
//
// Layout convention of the whole nn module: a batch is row-major with the sample index first;
// spatial tensors are stored channels-last (N, H, W, C) because then every convolution is one
// GEMM whose output is already the next layer's input. Models accept images as (N, C, H, W)
// (the jetimg layout) and transpose once at the input.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace jetml::nn {

/// A float32 array that is zero-filled (first-touched) when it is allocated, never in a
/// training loop; allocated with jetml::huge_alloc (from 1 MiB on 2 MiB-aligned transparent
/// huge pages, smaller sizes from malloc: 16-byte aligned, the kernels use unaligned loads).
/// Growing reallocates; shrinking keeps the memory (an arena per batch size).
class buffer {
public:
    buffer() = default;
    explicit buffer(std::size_t n) { resize(n); }
    ~buffer();
    buffer(const buffer& o);
    buffer& operator=(const buffer& o);
    buffer(buffer&& o) noexcept;
    buffer& operator=(buffer&& o) noexcept;

    /// Makes room for n floats. Existing contents are kept up to min(old, n); memory that is
    /// new is zero. Never shrinks the allocation, so a steady-state loop never allocates.
    void resize(std::size_t n);
    std::size_t size() const { return size_; }
    float* data() { return data_; }
    const float* data() const { return data_; }
    float& operator[](std::size_t i) { return data_[i]; }
    float operator[](std::size_t i) const { return data_[i]; }
    float* begin() { return data_; }
    float* end() { return data_ + size_; }
    const float* begin() const { return data_; }
    const float* end() const { return data_ + size_; }
    void fill(float v);

private:
    float* data_ = nullptr;
    std::size_t size_ = 0, capacity_ = 0;
};

/// Shape of one sample: (h, w, c) for images (channels-last), (1, 1, c) for feature vectors.
struct tshape {
    std::size_t h = 1, w = 1, c = 1;
    bool spatial = false;  ///< true for images (conv/pool accept only these)
    std::size_t size() const { return h * w * c; }
    /// "(C, H, W)" for images (the user-facing order), "(D,)" for vectors.
    std::string str() const;
    bool operator==(const tshape& o) const {
        return h == o.h && w == o.w && c == o.c && spatial == o.spatial;
    }
    static tshape image(std::size_t c, std::size_t h, std::size_t w) { return {h, w, c, true}; }
    static tshape vec(std::size_t d) { return {1, 1, d, false}; }
};

/// Contiguous [begin, end) share of `n` items for thread `ith` of `nth` (ggml-style split).
inline void split_range(std::size_t n, int ith, int nth, std::size_t& begin, std::size_t& end) {
    std::size_t per = n / nth, extra = n % nth, i = static_cast<std::size_t>(ith);
    begin = i * per + (i < extra ? i : extra);
    end = begin + per + (i < extra ? 1 : 0);
}

}  // namespace jetml::nn
