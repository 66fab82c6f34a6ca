// SPDX-License-Identifier: MIT
// jetml/jets/image_rotate.cpp - jet images: rotation in pixel space by cubic B-spline interpolation.
#include "jetml/jets/image.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "jetml/core/error.hpp"

namespace jetml::image {

//---------------------------------------------------------------------------------------------
// pixel-space rotation: cubic B-spline

namespace {
/// In-place cubic B-spline prefilter of n samples with stride s, mirror (whole-sample symmetric)
/// boundary, as scipy.ndimage.spline_filter1d(order=3, mode='mirror').
void spline_prefilter(double* c, std::size_t n, std::size_t s) {
    if (n < 2) return;
    const double z = std::sqrt(3.0) - 2.0;
    const double lambda = (1.0 - z) * (1.0 - 1.0 / z);
    for (std::size_t k = 0; k < n; ++k) c[k * s] *= lambda;
    // causal initialisation (mirror): the exact sum over one period 2n - 2 of the symmetric
    // extension (Unser's InitialCausalCoefficient, full loop)
    double zn = z;
    const double iz = 1.0 / z;
    double z2n = std::pow(z, double(n - 1));
    double sum = c[0] + z2n * c[(n - 1) * s];
    z2n *= z2n * iz;
    for (std::size_t k = 1; k + 1 < n; ++k) {
        sum += (zn + z2n) * c[k * s];
        zn *= z;
        z2n *= iz;
    }
    c[0] = sum / (1.0 - zn * zn);
    for (std::size_t k = 1; k < n; ++k) c[k * s] += z * c[(k - 1) * s];
    c[(n - 1) * s] = (z / (z * z - 1.0)) * (c[(n - 1) * s] + z * c[(n - 2) * s]);
    for (std::size_t k = n - 1; k-- > 0;) c[k * s] = z * (c[(k + 1) * s] - c[k * s]);
}

inline long mirror_index(long i, long n) {
    if (n == 1) return 0;
    const long period = 2 * (n - 1);
    i %= period;
    if (i < 0) i += period;
    return i < n ? i : period - i;
}

void bspline_weights(double f, double w[4]) {
    const double f2 = f * f, f3 = f2 * f, g = 1.0 - f;
    w[0] = g * g * g / 6.0;
    w[1] = (4.0 - 6.0 * f2 + 3.0 * f3) / 6.0;
    w[2] = (1.0 + 3.0 * f + 3.0 * f2 - 3.0 * f3) / 6.0;
    w[3] = f3 / 6.0;
}
}  // namespace

void rotate_pixels(const double* in, double* out, std::size_t nx, std::size_t ny, double angle, double dx, double dy) {
    std::vector<double> coef(in, in + nx * ny);  // layout [ix][iy]
    for (std::size_t ix = 0; ix < nx; ++ix) spline_prefilter(coef.data() + ix * ny, ny, 1);
    for (std::size_t iy = 0; iy < ny; ++iy) spline_prefilter(coef.data() + iy, nx, ny);
    const double cx = 0.5 * double(nx - 1), cy = 0.5 * double(ny - 1);
    const double c = std::cos(angle), s = std::sin(angle);
    // scipy treats a coordinate as inside when it lies in [-eps, n - 1 + eps]; eps is its
    // tolerance for round-off in the mapped coordinates
    const double eps = 1e-9;
    for (std::size_t ix = 0; ix < nx; ++ix) {
        for (std::size_t iy = 0; iy < ny; ++iy) {
            const double X = (double(ix) - cx) * dx, Y = (double(iy) - cy) * dy;
            // source point: rotate the output point back by -angle
            const double sx = (c * X + s * Y) / dx + cx, sy = (-s * X + c * Y) / dy + cy;
            double v = 0;
            if (sx >= -eps && sx <= double(nx - 1) + eps && sy >= -eps && sy <= double(ny - 1) + eps) {
                const double fx0 = std::floor(sx), fy0 = std::floor(sy);
                double wx[4], wy[4];
                bspline_weights(sx - fx0, wx);
                bspline_weights(sy - fy0, wy);
                for (int a = 0; a < 4; ++a) {
                    const long jx = mirror_index(long(fx0) - 1 + a, long(nx));
                    double row = 0;
                    for (int b = 0; b < 4; ++b) row += wy[b] * coef[std::size_t(jx) * ny + std::size_t(mirror_index(long(fy0) - 1 + b, long(ny)))];
                    v += wx[a] * row;
                }
            }
            out[ix * ny + iy] = v;
        }
    }
}

}  // namespace jetml::image
