// SPDX-License-Identifier: MIT
// jetml/flow/maf_ref.cpp - the plain reference twin of the MAF passes: every definition of
// maf.hpp written as direct double-precision loops over rows, layers and units (no GEMM, no
// threads, masks applied here again), for tests of the fast passes and of their gradients.
#include <cmath>
#include <string>
#include <vector>

#include "jetml/flow/maf.hpp"

namespace jetml::flow {

namespace {

struct ref_flow {
    const maf& m;
    const maf_config& c;
    explicit ref_flow(const maf& f) : m(f), c(f.config()) {}
    const nn::param& p(const std::string& name) const { return m.parameter(name); }

    // z (n, D) and ld (n) of the n rows; batch statistics when train
    void run(const float* xc, std::size_t n, bool train, std::vector<double>& z, std::vector<double>& ld) const {
        const std::size_t D = c.dim, C = c.cond, H = c.hidden, L = c.depth, R = D + C;
        std::vector<double> x(n * D), u(n * D);
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = 0; j < D; ++j) x[i * D + j] = xc[i * R + j];
        ld.assign(n, 0.0);
        for (std::size_t b = 0; b < c.blocks; ++b) {
            const std::string pre = "made." + std::to_string(b) + ".";
            for (std::size_t i = 0; i < n; ++i) {
                std::vector<double> h(D), nh;
                for (std::size_t j = 0; j < D; ++j) h[j] = x[i * D + j];
                for (std::size_t l = 0; l <= L; ++l) {
                    const nn::param& W = p(pre + std::to_string(l) + ".weight");
                    const nn::param& bias = p(pre + std::to_string(l) + ".bias");
                    const std::vector<float>& mk = m.mask(l);
                    const std::size_t out = W.shape[0], in = W.shape[1];
                    nh.assign(out, 0.0);
                    for (std::size_t o = 0; o < out; ++o) {
                        double s = bias.value[o];
                        for (std::size_t k = 0; k < in; ++k) s += double(W.value[o * in + k]) * mk[o * in + k] * h[k];
                        if (l == 0 && C > 0) {
                            const nn::param& Wc = p(pre + "0.cond_weight");
                            for (std::size_t k = 0; k < C; ++k) s += double(Wc.value[o * C + k]) * xc[i * R + D + k];
                        }
                        nh[o] = l < L ? (s > 0 ? s : 0.0) : s;
                    }
                    h.swap(nh);
                }
                (void)H;
                for (std::size_t j = 0; j < D; ++j) {
                    const double B = c.scale_bound;
                    const double a = B > 0 ? B * std::tanh(h[D + j] / B) : h[D + j];
                    u[i * D + j] = (x[i * D + j] - h[j]) * std::exp(-a);
                    ld[i] -= a;
                }
            }
            std::vector<double> y(u);
            if (c.batchnorm) {
                const std::string bn = "bn." + std::to_string(b) + ".";
                const nn::param& lg = p(bn + "log_gamma");
                const nn::param& beta = p(bn + "beta");
                for (std::size_t j = 0; j < D; ++j) {
                    double mean, var;
                    if (train) {
                        mean = 0, var = 0;
                        for (std::size_t i = 0; i < n; ++i) mean += u[i * D + j];
                        mean /= double(n);
                        for (std::size_t i = 0; i < n; ++i) var += (u[i * D + j] - mean) * (u[i * D + j] - mean);
                        var = var / double(n) + 1e-5;
                    } else {
                        mean = p(bn + "running_mean").value[j];
                        var = p(bn + "running_var").value[j];
                    }
                    for (std::size_t i = 0; i < n; ++i) {
                        y[i * D + j] = std::exp(double(lg.value[j])) * (u[i * D + j] - mean) / std::sqrt(var) + beta.value[j];
                        ld[i] += double(lg.value[j]) - 0.5 * std::log(var);
                    }
                }
            }
            for (std::size_t i = 0; i < n; ++i)
                for (std::size_t j = 0; j < D; ++j) x[i * D + j] = c.reverse ? y[i * D + D - 1 - j] : y[i * D + j];
        }
        z = x;
    }
};

}  // namespace

double maf_ref_nll(const maf& m, const float* xc, const float* w, std::size_t n, bool train, double* out) {
    ref_flow f(m);
    std::vector<double> z, ld;
    f.run(xc, n, train, z, ld);
    const std::size_t D = m.dim();
    const double log2pi = std::log(2.0 * 3.14159265358979323846);
    double s = 0, ws = 0;
    for (std::size_t i = 0; i < n; ++i) {
        double q = 0;
        for (std::size_t j = 0; j < D; ++j) q += z[i * D + j] * z[i * D + j];
        const double lp = -0.5 * q - 0.5 * double(D) * log2pi + ld[i];
        if (out) out[i] = lp;
        const double wi = w ? double(w[i]) : 1.0;
        s += -wi * lp;
        ws += wi;
    }
    return s / ws;
}

void maf_ref_transform(const maf& m, const float* xc, std::size_t n, double* z, double* ld) {
    ref_flow f(m);
    std::vector<double> zz, l;
    f.run(xc, n, false, zz, l);
    for (std::size_t i = 0; i < zz.size(); ++i) z[i] = zz[i];
    for (std::size_t i = 0; i < n; ++i) ld[i] = l[i];
}

}  // namespace jetml::flow
