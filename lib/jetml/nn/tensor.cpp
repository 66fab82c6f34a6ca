// SPDX-License-Identifier: MIT
// jetml/nn/tensor.cpp - aligned, huge-page advised float buffers.
#include "jetml/nn/tensor.hpp"

#include <sys/mman.h>

#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

namespace jetml::nn {

namespace {
constexpr std::size_t huge_page = std::size_t(2) << 20;

float* allocate(std::size_t n) {
    if (n == 0) return nullptr;
    std::size_t bytes = n * sizeof(float);
    std::size_t align = bytes >= huge_page ? huge_page : 64;
    bytes = (bytes + align - 1) / align * align;
    void* p = std::aligned_alloc(align, bytes);
    if (!p) throw std::bad_alloc();
    if (align == huge_page) madvise(p, bytes, MADV_HUGEPAGE);  // advisory; failure is harmless
    std::memset(p, 0, bytes);  // first touch now, not inside the training loop
    return static_cast<float*>(p);
}
}  // namespace

buffer::~buffer() { std::free(data_); }

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
        std::free(data_);
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
    std::free(data_);
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
