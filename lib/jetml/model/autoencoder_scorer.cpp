// SPDX-License-Identifier: MIT
// jetml/model/autoencoder_scorer.cpp - an autoencoder's anomaly scores (see autoencoder_scorer.hpp).
#include "jetml/model/autoencoder_scorer.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "jetml/core/error.hpp"
#include "jetml/data/dataset.hpp"
#include "jetml/io/csv.hpp"
#include "jetml/io/npy.hpp"
#include "jetml/model/network_scorer.hpp"
#include "jetml/nn/vae.hpp"

namespace jetml::model {

ae_layout ae_layout_of(const nn::sequential& m) {
    ae_layout lay;
    if (!(m.output_shape().size() == m.input_shape().size() && m.output_shape().spatial == m.input_shape().spatial &&
          (!m.input_shape().spatial || m.output_shape() == m.input_shape())))
        throw usage_error("an autoencoder's output must have its input's shape " + m.input_shape().str() + ", got " +
                          m.output_shape().str() + " (end the decoder with dense(input) reshape(input))");
    for (std::size_t i = 0; i < m.size(); ++i) {
        const std::string spec = m.at(i).spec();
        if (spec == "latent" || spec.rfind("vae(", 0) == 0) {
            lay.code_layer = i;
            lay.code_size = m.at(i).out_shape().size();
            lay.vae = spec != "latent";
            if (lay.vae) lay.beta = std::strtod(spec.c_str() + spec.find(',') + 1, nullptr);
            break;
        }
    }
    return lay;
}

void ae_normalise_rows(float* x, std::size_t n, std::size_t d, std::size_t first, const std::string& src) {
    for (std::size_t i = 0; i < n; ++i) {
        float* r = x + i * d;
        double sum = 0;
        for (std::size_t j = 0; j < d; ++j) sum += r[j];
        if (!(sum > 0) || !std::isfinite(sum))
            throw error(src, "sample " + std::to_string(first + i) + ": its values sum to " + format_double(sum) +
                                 "; per-image normalisation (normalise sum) needs a positive sum");
        const float inv = float(1.0 / sum);
        for (std::size_t j = 0; j < d; ++j) r[j] *= inv;
    }
}

void ae_prepare(const nn::model_meta& meta, float* x, std::size_t n, std::size_t d, std::size_t first,
                const std::string& src) {
    if (meta.get("normalise") == "sum") ae_normalise_rows(x, n, d, first, src);
    if (!meta.prep_mean.empty())
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = 0; j < d; ++j) x[i * d + j] = (x[i * d + j] - meta.prep_mean[j]) / meta.prep_std[j];
}

void ae_evaluate(nn::sequential& m, const ae_layout& lay, const nn::loss& recon, const float* x, std::size_t n,
                 std::size_t chunk, float* err, float* kl, float* code, float* images) {
    const nn::tshape in = m.input_shape();
    const std::size_t d = in.size(), k = lay.code_size;
    const bool transpose = in.spatial && in.c > 1;  // the network's layout is (H, W, C)
    chunk = std::max<std::size_t>(1, std::min(chunk, n));
    const bool inner = (kl && lay.vae) || code;  // needs the activations of forward()
    if ((kl && lay.vae) || code)
        if (lay.code_layer == ae_layout::none) throw usage_error("the autoencoder marks no code (latent or vae layer)");
    std::vector<float> tgt(transpose ? chunk * d : 0), z(inner ? 0 : chunk * d);
    for (std::size_t s0 = 0; s0 < n; s0 += chunk) {
        const std::size_t c = std::min(chunk, n - s0);
        const float* xs = x + s0 * d;
        const float* zs;
        if (inner) {
            zs = m.forward(xs, c, false);
        } else {
            m.predict(xs, c, z.data(), chunk);  // equals forward() bitwise, faster
            zs = z.data();
        }
        const float* t = xs;
        if (transpose) {
            nn::nchw_to_nhwc(xs, tgt.data(), c, in.c, in.h, in.w);
            t = tgt.data();
        }
        for (std::size_t i = 0; i < c; ++i) {
            nn::loss_batch b;
            b.z = zs + i * d, b.y = t + i * d, b.n = 1, b.d = d;
            err[s0 + i] = float(recon.eval(b, nullptr, 1));
        }
        if (kl && lay.vae) {
            const float* a = lay.code_layer == 0 ? xs : m.activation(lay.code_layer - 1);
            for (std::size_t i = 0; i < c; ++i) kl[s0 + i] = float(nn::gaussian_kl(a + i * 2 * k, a + i * 2 * k + k, k));
        } else if (kl) {
            std::fill(kl + s0, kl + s0 + c, 0.0f);
        }
        if (code) std::memcpy(code + s0 * k, m.activation(lay.code_layer), c * k * sizeof(float));
        if (images) {
            float* o = images + s0 * d;
            if (!transpose) {
                std::memcpy(o, zs, c * d * sizeof(float));
            } else {
                const std::size_t hw = in.h * in.w;
                for (std::size_t s = 0; s < c; ++s)
                    for (std::size_t p = 0; p < hw; ++p)
                        for (std::size_t ch = 0; ch < in.c; ++ch) o[s * d + ch * hw + p] = zs[s * d + p * in.c + ch];
            }
        }
    }
}

autoencoder_scorer::autoencoder_scorer(nn::sequential m, nn::model_meta meta, const std::string& source)
    : m_(std::move(m)), meta_(std::move(meta)) {
    kind_ = "autoencoder";
    source_ = source;
    input_shape_ = network_input_shape(m_, meta_, source);
    try {
        lay_ = ae_layout_of(m_);
        recon_ = nn::make_loss(meta_.loss);
    } catch (const usage_error& e) {
        throw error(source, std::string("not a usable autoencoder: ") + e.what());
    }
    if (meta_.loss != "mse" && meta_.loss != "sorted-mse")
        throw error(source, "autoencoder loss '" + printable(meta_.loss) + "'; expected mse or sorted-mse");
    const std::string norm = meta_.get("normalise", "none");
    if (norm != "none" && norm != "sum") throw error(source, "autoencoder normalise '" + printable(norm) + "'; expected none or sum");
    normalise_ = norm == "sum";
    output_names_ = lay_.vae ? std::vector<std::string>{"recon", "kl"} : std::vector<std::string>{"recon"};
    features_ = split_list(meta_.get("features"));
}

std::string autoencoder_scorer::description() const {
    std::string d = "autoencoder '" + m_.arch() + "', trained " + std::to_string(meta_.epoch) + " epochs, input " +
                    format_shape(input_shape_);
    if (normalise_) d += " normalised to unit sum";
    if (!meta_.prep_mean.empty()) d += " standardised";
    d += ", scores the " + meta_.loss + " reconstruction error";
    if (lay_.vae) d += " and the KL term (beta " + format_double(lay_.beta) + ")";
    return d;
}

void autoencoder_scorer::reserve(std::size_t batch) {
    batch_ = std::max<std::size_t>(batch, 1);
    m_.reserve(batch_);
}

std::vector<std::pair<std::string, std::vector<std::size_t>>> autoencoder_scorer::extra_outputs() const {
    std::vector<std::pair<std::string, std::vector<std::size_t>>> v;
    if (lay_.code_layer != ae_layout::none) v.push_back({"latent", {lay_.code_size}});
    v.push_back({"reconstruction", input_shape_});
    return v;
}

void autoencoder_scorer::score_extra(const float* x, std::size_t n, float* out, const std::vector<float*>& extras) {
    const std::size_t d = input_size(), k = outputs();
    const bool has_code = lay_.code_layer != ae_layout::none;
    float* code = has_code && extras.size() > 0 ? extras[0] : nullptr;
    float* images = extras.size() > (has_code ? 1u : 0u) ? extras[has_code ? 1 : 0] : nullptr;
    for (std::size_t r0 = 0; r0 < n; r0 += batch_) {
        const std::size_t rows = std::min(batch_, n - r0);
        prep_.assign(x + r0 * d, x + (r0 + rows) * d);
        ae_prepare(meta_, prep_.data(), rows, d, rows_, source_.empty() ? "input" : source_);
        err_.resize(rows);
        kl_.resize(rows);
        ae_evaluate(m_, lay_, *recon_, prep_.data(), rows, batch_, err_.data(), lay_.vae ? kl_.data() : nullptr,
                    code ? code + r0 * lay_.code_size : nullptr, images ? images + r0 * d : nullptr);
        for (std::size_t i = 0; i < rows; ++i) {
            out[(r0 + i) * k] = err_[i];
            if (lay_.vae) out[(r0 + i) * k + 1] = kl_[i];
        }
        rows_ += rows;
    }
}

std::unique_ptr<scorer> load_autoencoder_scorer(const model_file& file, const score_options& options) {
    (void)options;  // the scores have no output transform
    nn::model_meta meta;
    nn::sequential m = nn::sequential_from_file(file, &meta);
    return std::make_unique<autoencoder_scorer>(std::move(m), std::move(meta), file.source());
}

}  // namespace jetml::model
