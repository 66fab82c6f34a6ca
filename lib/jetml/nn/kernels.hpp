// SPDX-License-Identifier: MIT
// jetml/nn/kernels.hpp - the compute kernels of dense and conv2d layers: a fast path
// (im2col + GEMM into preallocated buffers, batch split across OpenMP threads; the GEMM is
// jetml's AVX-512 kernel from gemm.hpp where the CPU has it, else single-threaded OpenBLAS) and a plain reference twin (direct loops, double accumulation)
// that the unit tests compare it against (test/unit/test_nn_kernels.cpp).
//
// Layouts: activations (N, H, W, C) channels-last; dense weight (out, in); conv weight
// (cout, kh, kw, cin); a conv weight row is one filter, so W is a (cout x kh*kw*cin) matrix.
#pragma once
#include <cstddef>
#include <vector>

#include "jetml/nn/tensor.hpp"

namespace jetml::nn {

/// Geometry of a 2-D convolution on channels-last data.
struct conv_params {
    std::size_t n = 0;                  ///< batch size
    std::size_t h = 0, w = 0, cin = 0;  ///< input height, width, channels
    std::size_t kh = 1, kw = 1, cout = 1;
    std::size_t stride = 1;
    std::size_t pad_top = 0, pad_left = 0;  ///< zero padding before; after is implied by oh, ow
    std::size_t oh = 0, ow = 0;             ///< output height and width
    std::size_t k() const { return kh * kw * cin; }  ///< GEMM depth (one filter's size)
    std::size_t in_size() const { return h * w * cin; }
    std::size_t out_size() const { return oh * ow * cout; }
};

/// Output size and padding for "same" (TensorFlow/PyTorch rule: out = ceil(in/stride), the odd
/// pixel of padding goes after) or "valid" (no padding, out = floor((in-k)/stride)+1).
void conv_geometry(conv_params& p, bool same);

/// Scratch memory of the fast kernels: one im2col block and one weight-gradient partial per
/// thread. Grown on first use for a shape, reused afterwards.
struct conv_workspace {
    std::vector<buffer> col, dw, db;
    buffer wt;  ///< the weights transposed to (k*k*cin, cout) for the forward GEMM
};

/// Fast conv2d forward: y = conv(x, w) + b.  x (n, h, w, cin), y (n, oh, ow, cout).
void conv2d_forward(const conv_params& p, const float* x, const float* w, const float* b, float* y,
                    conv_workspace& ws);
/// Fast conv2d backward: dw, db overwritten with the batch gradient; dx (if not null) overwritten.
void conv2d_backward(const conv_params& p, const float* x, const float* w, const float* dy,
                     float* dx, float* dw, float* db, conv_workspace& ws);
/// Reference twin of conv2d_forward (direct loops).
void conv2d_forward_ref(const conv_params& p, const float* x, const float* w, const float* b,
                        float* y);
/// Reference twin of conv2d_backward (direct loops).
void conv2d_backward_ref(const conv_params& p, const float* x, const float* w, const float* dy,
                         float* dx, float* dw, float* db);

/// Fast dense forward: y (n, out) = x (n, in) w^T + b.
void dense_forward(std::size_t n, std::size_t in, std::size_t out, const float* x, const float* w,
                   const float* b, float* y);
/// Fast dense backward: dw (out, in), db (out) overwritten; dx (n, in) overwritten if not null.
void dense_backward(std::size_t n, std::size_t in, std::size_t out, const float* x, const float* w,
                    const float* dy, float* dx, float* dw, float* db);
/// Reference twins of the dense kernels.
void dense_forward_ref(std::size_t n, std::size_t in, std::size_t out, const float* x,
                       const float* w, const float* b, float* y);
void dense_backward_ref(std::size_t n, std::size_t in, std::size_t out, const float* x,
                        const float* w, const float* dy, float* dx, float* dw, float* db);

}  // namespace jetml::nn
