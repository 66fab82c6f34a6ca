// SPDX-License-Identifier: MIT
// jetml/nn/loss.cpp - numerically stable losses on logits, computed in double.
#include "jetml/nn/loss.hpp"

#include <algorithm>
#include <cmath>

#include <cstdlib>

#include "jetml/core/error.hpp"
#include "jetml/nn/disco.hpp"
#include "jetml/nn/llp.hpp"
#include "jetml/nn/sorted_mse.hpp"

namespace jetml::nn {

const char* loss_name(loss_kind k) {
    switch (k) {
        case loss_kind::bce_logits: return "bce";
        case loss_kind::cce_logits: return "cce";
        case loss_kind::mse: return "mse";
    }
    return "?";
}

loss_kind parse_loss(const std::string& s) {
    if (s == "bce") return loss_kind::bce_logits;
    if (s == "cce") return loss_kind::cce_logits;
    if (s == "mse") return loss_kind::mse;
    throw usage_error("unknown loss '" + s + "' (known: bce, cce, mse)");
}

double loss_eval(loss_kind kind, const float* z, const float* y, const float* w, std::size_t n,
                 std::size_t d, float* grad, std::size_t norm) {
    double total = 0;
    if (norm == 0) norm = n;
    const double inv_n = norm ? 1.0 / double(norm) : 0.0;
    for (std::size_t s = 0; s < n; ++s) {
        const double ws = w ? w[s] : 1.0;
        const float* zs = z + s * d;
        const float* ys = y + s * d;
        double l = 0;
        switch (kind) {
            case loss_kind::bce_logits:
                for (std::size_t j = 0; j < d; ++j) {
                    const double zz = zs[j], yy = ys[j];
                    // log(1+e^z) - z y written so that no exp overflows: max(z,0) + log1p(e^-|z|).
                    l += std::max(zz, 0.0) - zz * yy + std::log1p(std::exp(-std::fabs(zz)));
                    if (grad) {
                        const double e = std::exp(-std::fabs(zz));
                        const double sig = zz >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
                        grad[s * d + j] = float(ws * inv_n * (sig - yy));
                    }
                }
                break;
            case loss_kind::cce_logits: {
                double mx = *std::max_element(zs, zs + d), se = 0, ysum = 0;
                for (std::size_t j = 0; j < d; ++j) se += std::exp(zs[j] - mx), ysum += ys[j];
                const double lse = mx + std::log(se);
                for (std::size_t j = 0; j < d; ++j) {
                    l -= ys[j] * (zs[j] - lse);
                    // d/dz_j = softmax_j * sum(y) - y_j  (= softmax - y for normalised targets)
                    if (grad) grad[s * d + j] = float(ws * inv_n * (std::exp(zs[j] - lse) * ysum - ys[j]));
                }
                break;
            }
            case loss_kind::mse:
                for (std::size_t j = 0; j < d; ++j) {
                    const double r = double(zs[j]) - ys[j];
                    l += r * r / double(d);
                    if (grad) grad[s * d + j] = float(ws * inv_n * 2.0 * r / double(d));
                }
                break;
        }
        total += ws * l;
    }
    return total * inv_n;
}

}  // namespace jetml::nn

namespace jetml::nn {

namespace {
class standard_loss : public loss {
public:
    explicit standard_loss(loss_kind k) : k_(k) {}
    std::string name() const override { return loss_name(k_); }
    bool separable() const override { return true; }
    double eval(const loss_batch& b, float* grad, std::size_t norm) const override {
        return loss_eval(k_, b.z, b.y, b.w, b.n, b.d, grad, norm);
    }

private:
    loss_kind k_;
};
}  // namespace

std::unique_ptr<loss> make_standard_loss(loss_kind k) { return std::make_unique<standard_loss>(k); }

const char* known_losses() { return "bce, cce, mse, sorted-mse, disco:LAMBDA[:all], llp"; }

std::unique_ptr<loss> make_loss(const std::string& spec) {
    if (spec == "llp") return std::make_unique<llp_loss>();
    if (spec == "sorted-mse") return std::make_unique<sorted_mse_loss>();
    if (spec.rfind("disco", 0) == 0) {
        std::vector<std::string> parts;
        std::size_t a = 0;
        for (std::size_t b; (b = spec.find(':', a)) != std::string::npos; a = b + 1) parts.push_back(spec.substr(a, b - a));
        parts.push_back(spec.substr(a));
        double lambda = 0;
        char* end = nullptr;
        if (parts.size() >= 2 && !parts[1].empty()) lambda = std::strtod(parts[1].c_str(), &end);
        const bool ok = parts[0] == "disco" && (parts.size() == 2 || (parts.size() == 3 && parts[2] == "all")) &&
                        end && *end == '\0' && std::isfinite(lambda) && lambda >= 0;
        if (!ok) throw usage_error("bad loss '" + spec + "'; expected disco:LAMBDA or disco:LAMBDA:all with LAMBDA >= 0");
        return std::make_unique<disco_loss>(lambda, parts.size() == 3);
    }
    if (spec != "bce" && spec != "cce" && spec != "mse")
        throw usage_error("unknown loss '" + spec + "' (known: " + known_losses() + ")");
    return make_standard_loss(parse_loss(spec));
}

}  // namespace jetml::nn
