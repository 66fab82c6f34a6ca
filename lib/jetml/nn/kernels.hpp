// SPDX-License-Identifier: MIT
// jetml/nn/kernels.hpp - the compute kernels of dense and conv2d layers and the Adam update:
// a fast path (convolutions as implicit GEMMs over a zero-padded copy of the input where the
// AVX-512 kernel of gemm.hpp serves them, else im2col + GEMM, OpenBLAS single-threaded on CPUs
// without AVX-512; with AVX-512 the forward of < 16 filters at stride 1 is a direct kernel
// vectorised over output pixels, and so are its weight gradient and, for < 16 input channels,
// its input gradient; preallocated buffers; batch split across OpenMP threads
// unless called inside a parallel region, where they run on the calling thread) and a plain reference twin
// (direct loops, double accumulation) that the unit tests compare it against
// (test/unit/test_nn_kernels.cpp).
//
// Layouts: activations (N, H, W, C) channels-last; dense weight (out, in); conv weight
// (cout, kh, kw, cin); a conv weight row is one filter, so W is a (cout x kh*kw*cin) matrix.
#pragma once
#include <cstddef>
#include <cstdint>
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
/// thread, or (implicit-GEMM path) one zero-padded input block and one zero-padded output-
/// gradient block per thread with the offset tables that address them. Grown on first use for
/// a shape, reused afterwards.
struct conv_workspace {
    std::vector<buffer> col, dw, db;
    buffer wt;  ///< the weights transposed to (k*k*cin, cout) for the forward GEMM
    std::vector<buffer> xp, dyp;  ///< per-thread padded blocks (borders stay zero)
    buffer wf;  ///< the weights flipped to (kh*kw*cout, cin) for the input gradient
    std::vector<buffer> xq;  ///< per-thread zero-padded channel planes (few-filter forward)
    buffer discard;          ///< a weight gradient computed and not wanted
    std::vector<std::int32_t> roff, koff;    ///< output pixel / filter-tap offsets into xp
    std::vector<std::int32_t> droff, dkoff;  ///< input pixel / tap offsets into dyp
    std::vector<std::size_t> key;            ///< geometry the tables and borders belong to
};

/// Fast conv2d forward: y = conv(x, w) + b, then max(., 0) if relu (a NaN gives 0).
/// x (n, h, w, cin), y (n, oh, ow, cout).
void conv2d_forward(const conv_params& p, const float* x, const float* w, const float* b, float* y,
                    conv_workspace& ws, bool relu = false);
/// Fast conv2d backward: dw, db overwritten with the batch gradient; dx (if not null) overwritten.
void conv2d_backward(const conv_params& p, const float* x, const float* w, const float* dy,
                     float* dx, float* dw, float* db, conv_workspace& ws);
/// Reference twin of conv2d_forward (direct loops).
void conv2d_forward_ref(const conv_params& p, const float* x, const float* w, const float* b,
                        float* y);
/// Reference twin of conv2d_backward (direct loops).
void conv2d_backward_ref(const conv_params& p, const float* x, const float* w, const float* dy,
                         float* dx, float* dw, float* db);

/// Fast input gradient of conv2d alone (no weight gradient): dx (n, h, w, cin) overwritten from
/// dy (n, oh, ow, cout), plus bias[ci] on every pixel when bias is not null. At stride 1 it is
/// the forward convolution of dy with the flipped weights (every fast forward path serves it);
/// at larger strides dY.W (one GEMM per block) scattered by the adjoint of im2col.
void conv2d_backward_data(const conv_params& p, const float* w, const float* dy, const float* bias, float* dx,
                          conv_workspace& ws);

/// Scratch of a transposed convolution: its forward is an input gradient (geometry `data`),
/// its backward a forward and a weight gradient of the same conv (geometry `grad`).
struct deconv_workspace {
    conv_workspace data, grad;
    buffer db;  ///< the conv's bias gradient, computed and not wanted
};

/// Transposed convolution (ConvTranspose2d), described by the conv it is the adjoint of: p is
/// that conv's geometry, so the transposed conv maps x (n, oh, ow, cout) to y (n, h, w, cin),
/// with the conv weight layout w (cout, kh, kw, cin) (= PyTorch's ConvTranspose2d weight
/// (in_channels, out_channels, kh, kw) with the axes permuted) and a bias b (cin) or null:
///   y[s, iy, ix, ci] = b[ci] + sum_{oy, ox, ky, kx, co : oy*stride + ky - pad_top = iy, ...}
///                      x[s, oy, ox, co] w[co, ky, kx, ci].
void conv_transpose2d_forward(const conv_params& p, const float* x, const float* w, const float* b, float* y,
                              deconv_workspace& ws);
/// Its backward: dw (cout, kh, kw, cin) and db (cin) overwritten; dx (n, oh, ow, cout) overwritten
/// if not null. dy (n, h, w, cin).
void conv_transpose2d_backward(const conv_params& p, const float* x, const float* w, const float* dy, float* dx,
                               float* dw, float* db, deconv_workspace& ws);
/// Reference twins: the definition above as direct scatter loops, double accumulation.
void conv_transpose2d_forward_ref(const conv_params& p, const float* x, const float* w, const float* b, float* y);
void conv_transpose2d_backward_ref(const conv_params& p, const float* x, const float* w, const float* dy,
                                   float* dx, float* dw, float* db);

/// Fast dense forward: y (n, out) = x (n, in) w^T + b, then max(., 0) if relu (a NaN gives 0).
/// The AVX-512 path multiplies by w^T (in, out), transposed on every call unless `wt` gives it
/// (from dense_prepare).
void dense_forward(std::size_t n, std::size_t in, std::size_t out, const float* x, const float* w,
                   const float* b, float* y, const float* wt = nullptr, bool relu = false);
/// The w^T that dense_forward's fast path would make on each call, made once into wt (for
/// passes during which w does not change); wt is left empty where that path is not used.
void dense_prepare(std::size_t in, std::size_t out, const float* w, buffer& wt);
/// Fast dense backward: dw (out, in), db (out) overwritten; dx (n, in) overwritten if not null.
void dense_backward(std::size_t n, std::size_t in, std::size_t out, const float* x, const float* w,
                    const float* dy, float* dx, float* dw, float* db);
/// Reference twins of the dense kernels.
void dense_forward_ref(std::size_t n, std::size_t in, std::size_t out, const float* x,
                       const float* w, const float* b, float* y);
void dense_backward_ref(std::size_t n, std::size_t in, std::size_t out, const float* x,
                        const float* w, const float* dy, float* dx, float* dw, float* db);

/// Constants of one Adam/AdamW step for one parameter array (see optim.hpp for the rule):
/// g = grad (+ l2*x unless decoupled); m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
/// x = x*decay (decoupled only); x -= step * m / (sqrt(v)*isc2 + eps).
struct adam_params {
    float b1 = 0.9f, b2 = 0.999f;
    float step = 0, isc2 = 1, eps = 1e-8f;
    float l2 = 0;        ///< coupled L2 coefficient (adam)
    float decay = 1;     ///< multiplier of x before the step (adamw: 1 - lr*wd)
    bool decoupled = false;
};
/// Fast Adam update of n elements (AVX-512 where the CPU has it, single-threaded; callers
/// split arrays across threads). Elementwise with the same float operations in the same order
/// as the reference, so its results are bitwise identical to adam_update_ref.
void adam_update(const adam_params& a, std::size_t n, float* x, float* m, float* v, const float* g);
/// Reference twin of adam_update (plain scalar loop).
void adam_update_ref(const adam_params& a, std::size_t n, float* x, float* m, float* v,
                     const float* g);

}  // namespace jetml::nn
