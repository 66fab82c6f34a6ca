// SPDX-License-Identifier: MIT
// jetml/model/autoencoder_scorer.hpp - an autoencoder's anomaly scores (model kind "autoencoder"):
// the reconstruction error of each sample and, for a variational one, its KL term; on request
// the latent coordinates and the reconstruction.
//
// An autoencoder is a sequential network whose output has the input's shape, stored as kind
// "autoencoder" with meta.json "loss" the reconstruction loss ("mse" or "sorted-mse") and extra
// "normalise" ("none" or "sum"). A sample is prepared as in training: divided by the sum of
// its values ("sum": per-image normalisation), then standardised with the stored statistics
// (if any); the network reconstructs the prepared sample, and the error compares the two.
// The code is the output of the first `latent` or `vae` layer (a vae layer gives its mean).
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "jetml/model/scorer.hpp"
#include "jetml/nn/loss.hpp"
#include "jetml/nn/model.hpp"
#include "jetml/nn/model_io.hpp"

namespace jetml::model {

/// Where an autoencoder's code is.
struct ae_layout {
    static constexpr std::size_t none = std::size_t(-1);
    std::size_t code_layer = none;  ///< index of the first latent or vae layer (none: no code marked)
    std::size_t code_size = 0;      ///< values of the code
    bool vae = false;               ///< the code layer is a variational bottleneck
    double beta = 0;                ///< its KL weight
};
/// The layout of m; usage_error if its output does not have its input's shape.
ae_layout ae_layout_of(const nn::sequential& m);

/// Per-image normalisation of n rows of d values in place: each row divided by its sum.
/// Throws jetml::error "SRC: sample R (counting from first): ..." for a sum that is not positive
/// and finite.
void ae_normalise_rows(float* x, std::size_t n, std::size_t d, std::size_t first, const std::string& src);

/// The network on n prepared samples x (user layout), in chunks of `chunk`: err (n) the
/// reconstruction loss `recon` of each sample (its per-sample term, unit weight); kl (n) the KL
/// term of a VAE (unweighted by beta; null to skip); code (n, code_size) and images (n, input
/// values, user layout) if not null. Deterministic (inference: the vae layer gives its mean).
void ae_evaluate(nn::sequential& m, const ae_layout& lay, const nn::loss& recon, const float* x, std::size_t n,
                 std::size_t chunk, float* err, float* kl, float* code, float* images);

/// Scores: "recon" (the reconstruction error), and "kl" for a VAE. Extra outputs: "latent"
/// (code_size,) and "reconstruction" (the input shape, prepared as the network saw it).
class autoencoder_scorer : public scorer {
public:
    autoencoder_scorer(nn::sequential m, nn::model_meta meta, const std::string& source = "");
    std::string description() const override;
    void reserve(std::size_t batch) override;
    void score(const float* x, std::size_t n, float* out) override { score_extra(x, n, out, {}); }
    std::vector<std::pair<std::string, std::vector<std::size_t>>> extra_outputs() const override;
    void score_extra(const float* x, std::size_t n, float* out, const std::vector<float*>& extras) override;

    const nn::sequential& network() const { return m_; }
    const nn::model_meta& meta() const { return meta_; }
    const ae_layout& layout() const { return lay_; }

private:
    nn::sequential m_;
    nn::model_meta meta_;
    ae_layout lay_;
    std::unique_ptr<nn::loss> recon_;
    bool normalise_ = false;
    std::size_t batch_ = 256, rows_ = 0;  // rows_: samples scored so far (for messages)
    std::vector<float> prep_, err_, kl_;
};

/// Prepares n samples in place as training did: per-image normalisation if meta's extra
/// "normalise" is "sum", then the stored standardisation. `first` and `src` name rows in errors.
void ae_prepare(const nn::model_meta& meta, float* x, std::size_t n, std::size_t d, std::size_t first,
                const std::string& src);

/// The loader of kind "autoencoder".
std::unique_ptr<scorer> load_autoencoder_scorer(const model_file& file, const score_options& options);

}  // namespace jetml::model
