// SPDX-License-Identifier: MIT
// jetml/nn/kernels_ref.cpp - plain reference twins of the dense, conv2d and transposed-conv kernels: direct
// loops in the definition's order, double accumulation, no BLAS, no threads.
#include <cmath>
#include <vector>

#include "jetml/nn/kernels.hpp"

namespace jetml::nn {

void conv2d_forward_ref(const conv_params& p, const float* x, const float* w, const float* b,
                        float* y) {
    for (std::size_t s = 0; s < p.n; ++s)
        for (std::size_t oy = 0; oy < p.oh; ++oy)
            for (std::size_t ox = 0; ox < p.ow; ++ox)
                for (std::size_t co = 0; co < p.cout; ++co) {
                    double acc = b ? b[co] : 0.0;
                    for (std::size_t ky = 0; ky < p.kh; ++ky)
                        for (std::size_t kx = 0; kx < p.kw; ++kx) {
                            long iy = long(oy * p.stride + ky) - long(p.pad_top);
                            long ix = long(ox * p.stride + kx) - long(p.pad_left);
                            if (iy < 0 || ix < 0 || iy >= long(p.h) || ix >= long(p.w)) continue;
                            for (std::size_t ci = 0; ci < p.cin; ++ci)
                                acc += double(x[((s * p.h + iy) * p.w + ix) * p.cin + ci]) *
                                       w[((co * p.kh + ky) * p.kw + kx) * p.cin + ci];
                        }
                    y[((s * p.oh + oy) * p.ow + ox) * p.cout + co] = float(acc);
                }
}

void conv2d_backward_ref(const conv_params& p, const float* x, const float* w, const float* dy,
                         float* dx, float* dw, float* db) {
    std::vector<double> gw(p.cout * p.k(), 0.0), gb(p.cout, 0.0), gx;
    if (dx) gx.assign(p.n * p.in_size(), 0.0);
    for (std::size_t s = 0; s < p.n; ++s)
        for (std::size_t oy = 0; oy < p.oh; ++oy)
            for (std::size_t ox = 0; ox < p.ow; ++ox)
                for (std::size_t co = 0; co < p.cout; ++co) {
                    double g = dy[((s * p.oh + oy) * p.ow + ox) * p.cout + co];
                    gb[co] += g;
                    for (std::size_t ky = 0; ky < p.kh; ++ky)
                        for (std::size_t kx = 0; kx < p.kw; ++kx) {
                            long iy = long(oy * p.stride + ky) - long(p.pad_top);
                            long ix = long(ox * p.stride + kx) - long(p.pad_left);
                            if (iy < 0 || ix < 0 || iy >= long(p.h) || ix >= long(p.w)) continue;
                            for (std::size_t ci = 0; ci < p.cin; ++ci) {
                                std::size_t xi = ((s * p.h + iy) * p.w + ix) * p.cin + ci;
                                std::size_t wi = ((co * p.kh + ky) * p.kw + kx) * p.cin + ci;
                                gw[wi] += g * x[xi];
                                if (dx) gx[xi] += g * w[wi];
                            }
                        }
                }
    for (std::size_t i = 0; i < gw.size(); ++i) dw[i] = float(gw[i]);
    if (db)
        for (std::size_t i = 0; i < gb.size(); ++i) db[i] = float(gb[i]);
    if (dx)
        for (std::size_t i = 0; i < gx.size(); ++i) dx[i] = float(gx[i]);
}

void dense_forward_ref(std::size_t n, std::size_t in, std::size_t out, const float* x,
                       const float* w, const float* b, float* y) {
    for (std::size_t s = 0; s < n; ++s)
        for (std::size_t o = 0; o < out; ++o) {
            double acc = b ? b[o] : 0.0;
            for (std::size_t i = 0; i < in; ++i) acc += double(x[s * in + i]) * w[o * in + i];
            y[s * out + o] = float(acc);
        }
}

void dense_backward_ref(std::size_t n, std::size_t in, std::size_t out, const float* x,
                        const float* w, const float* dy, float* dx, float* dw, float* db) {
    for (std::size_t o = 0; o < out; ++o) {
        double gb = 0;
        for (std::size_t s = 0; s < n; ++s) gb += dy[s * out + o];
        if (db) db[o] = float(gb);
        for (std::size_t i = 0; i < in; ++i) {
            double acc = 0;
            for (std::size_t s = 0; s < n; ++s) acc += double(dy[s * out + o]) * x[s * in + i];
            dw[o * in + i] = float(acc);
        }
    }
    if (dx)
        for (std::size_t s = 0; s < n; ++s)
            for (std::size_t i = 0; i < in; ++i) {
                double acc = 0;
                for (std::size_t o = 0; o < out; ++o) acc += double(dy[s * out + o]) * w[o * in + i];
                dx[s * in + i] = float(acc);
            }
}

void adam_update_ref(const adam_params& a, std::size_t n, float* x, float* m, float* v,
                     const float* g) {
    for (std::size_t j = 0; j < n; ++j) {
        float gj = g[j];
        if (a.decoupled) x[j] *= a.decay;
        else gj += a.l2 * x[j];
        m[j] = a.b1 * m[j] + (1.0f - a.b1) * gj;
        v[j] = a.b2 * v[j] + (1.0f - a.b2) * gj * gj;
        x[j] -= a.step * m[j] / (std::sqrt(v[j]) * a.isc2 + a.eps);
    }
}

// The transposed convolution scatters every input pixel through the kernel into the output.
void conv_transpose2d_forward_ref(const conv_params& p, const float* x, const float* w, const float* b,
                                  float* y) {
    std::vector<double> acc(p.n * p.in_size(), 0.0);
    for (std::size_t s = 0; s < p.n; ++s)
        for (std::size_t oy = 0; oy < p.oh; ++oy)
            for (std::size_t ox = 0; ox < p.ow; ++ox)
                for (std::size_t co = 0; co < p.cout; ++co) {
                    const double v = x[((s * p.oh + oy) * p.ow + ox) * p.cout + co];
                    for (std::size_t ky = 0; ky < p.kh; ++ky)
                        for (std::size_t kx = 0; kx < p.kw; ++kx) {
                            long iy = long(oy * p.stride + ky) - long(p.pad_top);
                            long ix = long(ox * p.stride + kx) - long(p.pad_left);
                            if (iy < 0 || ix < 0 || iy >= long(p.h) || ix >= long(p.w)) continue;
                            for (std::size_t ci = 0; ci < p.cin; ++ci)
                                acc[((s * p.h + iy) * p.w + ix) * p.cin + ci] +=
                                    v * w[((co * p.kh + ky) * p.kw + kx) * p.cin + ci];
                        }
                }
    for (std::size_t i = 0; i < acc.size(); ++i) y[i] = float(acc[i] + (b ? b[i % p.cin] : 0.0f));
}

void conv_transpose2d_backward_ref(const conv_params& p, const float* x, const float* w, const float* dy,
                                   float* dx, float* dw, float* db) {
    std::vector<double> gw(p.cout * p.k(), 0.0), gb(p.cin, 0.0);
    for (std::size_t i = 0; i < p.n * p.in_size(); ++i) gb[i % p.cin] += dy[i];
    for (std::size_t s = 0; s < p.n; ++s)
        for (std::size_t oy = 0; oy < p.oh; ++oy)
            for (std::size_t ox = 0; ox < p.ow; ++ox)
                for (std::size_t co = 0; co < p.cout; ++co) {
                    const std::size_t xi = ((s * p.oh + oy) * p.ow + ox) * p.cout + co;
                    double gx = 0;
                    for (std::size_t ky = 0; ky < p.kh; ++ky)
                        for (std::size_t kx = 0; kx < p.kw; ++kx) {
                            long iy = long(oy * p.stride + ky) - long(p.pad_top);
                            long ix = long(ox * p.stride + kx) - long(p.pad_left);
                            if (iy < 0 || ix < 0 || iy >= long(p.h) || ix >= long(p.w)) continue;
                            for (std::size_t ci = 0; ci < p.cin; ++ci) {
                                const double g = dy[((s * p.h + iy) * p.w + ix) * p.cin + ci];
                                const std::size_t wi = ((co * p.kh + ky) * p.kw + kx) * p.cin + ci;
                                gx += g * w[wi];
                                gw[wi] += g * x[xi];
                            }
                        }
                    if (dx) dx[xi] = float(gx);
                }
    for (std::size_t i = 0; i < gw.size(); ++i) dw[i] = float(gw[i]);
    if (db)
        for (std::size_t i = 0; i < gb.size(); ++i) db[i] = float(gb[i]);
}

}  // namespace jetml::nn
