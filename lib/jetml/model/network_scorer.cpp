// SPDX-License-Identifier: MIT
// jetml/model/network_scorer.cpp - scoring with a sequential network: standardise, predict, sigmoid.
#include "jetml/model/network_scorer.hpp"

#include <algorithm>
#include <cmath>

#include "jetml/core/error.hpp"
#include "jetml/data/dataset.hpp"
#include "jetml/io/npy.hpp"

namespace jetml::model {

namespace {
// stable in both tails: exp never overflows
float sigmoid(float z) { return z >= 0 ? 1.0f / (1.0f + std::exp(-z)) : std::exp(z) / (1.0f + std::exp(z)); }
}  // namespace

std::vector<std::size_t> network_input_shape(const nn::sequential& m, const nn::model_meta& meta,
                                             const std::string& source) {
    const nn::tshape& in = m.input_shape();
    if (!meta.prep_mean.empty() || !meta.prep_std.empty())
        if (meta.prep_mean.size() != in.size() || meta.prep_std.size() != in.size())
            throw error(source, "stored standardisation does not match the model input");
    return in.spatial ? std::vector<std::size_t>{in.c, in.h, in.w} : std::vector<std::size_t>{in.size()};
}

network_scorer::network_scorer(nn::sequential m, nn::model_meta meta, const score_options& options,
                               const std::string& source)
    : m_(std::move(m)), meta_(std::move(meta)) {
    kind_ = meta_.resolved_kind();
    source_ = source;
    const nn::tshape& in = m_.input_shape();
    input_shape_ = network_input_shape(m_, meta_, source);
    if (kind_ == "fisher" && m_.arch() != (in.spatial ? "flatten dense(1)" : "dense(1)"))
        throw error(source, "a fisher model is a linear discriminant ('dense(1)' or 'flatten dense(1)'), this one is '" +
                                printable(m_.arch()) + "'");
    if (m_.outputs() == 1) output_names_ = {"score"};
    else
        for (std::size_t k = 0; k < m_.outputs(); ++k) output_names_.push_back("score" + std::to_string(k));
    features_ = split_list(meta_.get("features"));
    transform_ = !options.raw && meta_.loss == "bce" ? "sigmoid" : "none";
}

std::string network_scorer::description() const {
    std::string d;
    if (kind_ == "fisher") {
        d = "Fisher linear discriminant";
        if (!meta_.get("shrinkage").empty()) d += ", shrinkage " + meta_.get("shrinkage");
    } else {
        d = "network '" + m_.arch() + "', trained " + std::to_string(meta_.epoch) + " epochs";
    }
    d += ", input " + format_shape(input_shape_);
    if (!meta_.prep_mean.empty()) d += " standardised";
    d += transform_ == "sigmoid" ? ", scores sigmoid(output)" : ", scores the raw output";
    return d;
}

void network_scorer::reserve(std::size_t batch) {
    batch_ = std::max<std::size_t>(batch, 1);
    m_.reserve(batch_);
    if (!meta_.prep_mean.empty()) scratch_.resize(batch_ * input_size());
}

void network_scorer::score(const float* x, std::size_t n, float* out) {
    const std::size_t d = input_size(), k = outputs();
    if (meta_.prep_mean.empty()) {
        m_.predict(x, n, out, batch_);
    } else {
        scratch_.resize(batch_ * d);
        for (std::size_t r0 = 0; r0 < n; r0 += batch_) {
            const std::size_t rows = std::min(batch_, n - r0);
            const float* xr = x + r0 * d;
            for (std::size_t i = 0; i < rows; ++i)
                for (std::size_t j = 0; j < d; ++j)
                    scratch_[i * d + j] = (xr[i * d + j] - meta_.prep_mean[j]) / meta_.prep_std[j];
            m_.predict(scratch_.data(), rows, out + r0 * k, batch_);
        }
    }
    if (transform_ == "sigmoid")
        for (std::size_t i = 0; i < n * k; ++i) out[i] = sigmoid(out[i]);
}

std::unique_ptr<scorer> load_network_scorer(const model_file& file, const score_options& options) {
    nn::model_meta meta;
    nn::sequential m = nn::sequential_from_file(file, &meta);
    return std::make_unique<network_scorer>(std::move(m), std::move(meta), options, file.source());
}

}  // namespace jetml::model
