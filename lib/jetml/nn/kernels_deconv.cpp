// SPDX-License-Identifier: MIT
// jetml/nn/kernels_deconv.cpp - the fast transposed convolution: the adjoint of a conv2d, so its
// forward is that conv's input gradient and its backward that conv's forward and weight
// gradient, each served by the fast conv2d kernels (kernels.cpp).
#include <algorithm>
#include <vector>

#include "jetml/nn/kernels.hpp"

namespace jetml::nn {

void conv_transpose2d_forward(const conv_params& p, const float* x, const float* w, const float* b, float* y,
                              deconv_workspace& ws) {
    conv2d_backward_data(p, w, x, b, y, ws.data);
}

void conv_transpose2d_backward(const conv_params& p, const float* x, const float* w, const float* dy, float* dx,
                               float* dw, float* db, deconv_workspace& ws) {
    // dX = conv(dY, W): the conv's forward with dY as its input
    if (dx) conv2d_forward(p, dy, w, nullptr, dx, ws.grad);
    // dW[co, ky, kx, ci] = sum x[.., co] dy[.., ci]: the conv's weight gradient with dY as its
    // input and x as its output gradient (its bias gradient, the sums of x, is not wanted)
    ws.db.resize(p.cout);
    conv2d_backward(p, dy, w, x, nullptr, dw, ws.db.data(), ws.grad);
    if (db) {
        std::vector<double> acc(p.cin, 0.0);  // a fixed order: reproducible for any thread count
        const std::size_t rows = p.n * p.h * p.w;
        for (std::size_t r = 0; r < rows; ++r)
            for (std::size_t c = 0; c < p.cin; ++c) acc[c] += dy[r * p.cin + c];
        for (std::size_t c = 0; c < p.cin; ++c) db[c] = float(acc[c]);
    }
}

}  // namespace jetml::nn
