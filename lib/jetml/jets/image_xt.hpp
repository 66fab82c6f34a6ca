// SPDX-License-Identifier: MIT
// jetml/jets/image_xt.hpp - jet images from an xtensor of constituents, (N, M, 4) -> (N, C, H, W).
#pragma once
#include <exception>
#include <string>
#include <vector>

#include <omp.h>

#include "jetml/core/xt.hpp"
#include "jetml/io/npy.hpp"
#include "jetml/jets/image.hpp"

namespace jetml::image {

/// The images of N jets of up to M constituents each: `constituents` (N, M, 4) float32 rows of
/// (pT [GeV], eta or y, phi, m [GeV]), pT == 0 rows being padding, any xtensor container in C
/// order (xt::xtensor, or xt::adapt over a buffer: no copy is made). Returns (N, C, H, W)
/// float32 with C = p.n_channels(), H = p.height(), W = p.width(), each jet made by make_image
/// straight into the result's storage, so the pixels are bitwise those `jetimg` writes with the
/// same params (before any --apply-stats standardisation). Jets are shared across the OpenMP
/// threads, one workspace each; the result does not depend on the thread count. `info`, if not
/// null, receives each jet's jet_info. Throws jetml::error naming the first bad jet.
template <class E>
xt::xtensor<float, 4> make_images(const params& p, const E& constituents, std::vector<jet_info>* info = nullptr) {
    static_assert(std::is_same_v<typename E::value_type, float>, "constituents must be float32");
    xtu::require_c_order(constituents, "constituents");
    if (constituents.dimension() != 3 || constituents.shape()[2] != 4)
        throw error("constituents: expected (N, M, 4), got " + format_shape(xtu::shape_of(constituents)));
    p.check();
    const std::size_t n = constituents.shape()[0], m = constituents.shape()[1], P = p.pixels();
    auto out = xt::xtensor<float, 4>::from_shape({n, p.n_channels(), p.height(), p.width()});
    std::vector<jet_info> local;
    std::vector<jet_info>& inf = info ? *info : local;
    inf.assign(n, jet_info{});
    const float* src = constituents.data();
    float* dst = out.data();
    std::vector<std::string> err(n);
    long long first_bad = -1;
#pragma omp parallel
    {
        workspace ws;
#pragma omp for schedule(dynamic, 16)
        for (long long j = 0; j < (long long)n; ++j) {
            try {
                make_image(p, src + std::size_t(j) * m * 4, m, dst + std::size_t(j) * P, inf[j], ws);
            } catch (const std::exception& e) {
                err[j] = e.what();
#pragma omp critical(jetml_make_images)
                if (first_bad < 0 || j < first_bad) first_bad = j;
            }
        }
    }
    if (first_bad >= 0) throw error("constituents: jet " + std::to_string(first_bad) + ", " + err[first_bad]);
    return out;
}

}  // namespace jetml::image
