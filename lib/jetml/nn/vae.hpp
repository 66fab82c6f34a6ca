// SPDX-License-Identifier: MIT
// jetml/nn/vae.hpp - the variational bottleneck's KL term, shared by the vae layer and the
// autoencoder scores.
#pragma once
#include <cmath>
#include <cstddef>

namespace jetml::nn {

/// KL(N(mean, exp(logvar)) | N(0, 1)) of one sample's d latent coordinates, in nats:
/// 0.5 sum_j (mean_j^2 + exp(logvar_j) - 1 - logvar_j) (Kingma and Welling, arXiv:1312.6114, app. B).
inline double gaussian_kl(const float* mean, const float* logvar, std::size_t d) {
    double kl = 0;
    for (std::size_t j = 0; j < d; ++j) {
        const double m = mean[j], lv = logvar[j];
        kl += 0.5 * (m * m + std::exp(lv) - 1.0 - lv);
    }
    return kl;
}

}  // namespace jetml::nn
