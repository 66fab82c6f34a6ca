// SPDX-License-Identifier: MIT
// jetml/nn/tensor.cpp - float buffers on jetml/memory's huge-page allocation.
#include "jetml/nn/tensor.hpp"

#include <cstring>
#include <utility>

#include "jetml/core/memory.hpp"

namespace jetml::nn {

namespace {
// jetml/memory's huge_alloc: blocks from 1 MiB on 2 MiB-aligned transparent huge pages, smaller
// ones from malloc. Zero-filled here, so the first touch happens now, not in a training loop.
float* allocate(std::size_t n) {
    if (n == 0) return nullptr;
    void* p = huge_alloc(n * sizeof(float));
    std::memset(p, 0, n * sizeof(float));
    return static_cast<float*>(p);
}
}  // namespace

buffer::~buffer() { huge_free(data_); }

buffer::buffer(const buffer& o) {
    resize(o.size_);
    if (size_) std::memcpy(data_, o.data_, size_ * sizeof(float));
}

buffer& buffer::operator=(const buffer& o) {
    if (this != &o) {
        resize(o.size_);
        if (size_) std::memcpy(data_, o.data_, size_ * sizeof(float));
    }
    return *this;
}

buffer::buffer(buffer&& o) noexcept
    : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)),
      capacity_(std::exchange(o.capacity_, 0)) {}

buffer& buffer::operator=(buffer&& o) noexcept {
    if (this != &o) {
        huge_free(data_);
        data_ = std::exchange(o.data_, nullptr);
        size_ = std::exchange(o.size_, 0);
        capacity_ = std::exchange(o.capacity_, 0);
    }
    return *this;
}

void buffer::resize(std::size_t n) {
    if (n <= capacity_) {
        size_ = n;
        return;
    }
    float* p = allocate(n);
    if (size_) std::memcpy(p, data_, size_ * sizeof(float));
    huge_free(data_);
    data_ = p;
    size_ = capacity_ = n;
}

void buffer::fill(float v) {
    for (std::size_t i = 0; i < size_; ++i) data_[i] = v;
}

std::string tshape::str() const {
    if (!spatial) return "(" + std::to_string(size()) + ",)";
    return "(" + std::to_string(c) + ", " + std::to_string(h) + ", " + std::to_string(w) + ")";
}

}  // namespace jetml::nn
