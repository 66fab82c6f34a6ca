// SPDX-License-Identifier: MIT
// jetml/train/autoencoder.hpp - autoencoders trained without labels under the training engine:
// the samples are their own targets; the reconstruction loss is mse (default) or sorted-mse
// (sorted intensities); optional per-image normalisation; a vae layer adds beta * KL. The model
// is written as kind "autoencoder" (see model/autoencoder_scorer.hpp), which predict scores.
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "jetml/data/dataset_cli.hpp"
#include "jetml/data/labelled.hpp"
#include "jetml/model/autoencoder_scorer.hpp"
#include "jetml/train/fit.hpp"
#include "jetml/train/network.hpp"

namespace jetml::train {

/// What to train: an architecture whose output has the input's shape (a preset such as ae-dense
/// or ae-conv, a layer string, @FILE), the reconstruction loss and the normalisation.
struct autoencoder_spec {
    std::string arch = "ae-dense";
    std::string loss = "mse";         ///< mse or sorted-mse
    std::string normalise = "none";   ///< none, or sum: each sample divided by the sum of its values
    std::vector<std::pair<std::string, std::string>> extra;        ///< model-file extra, before arch_option
    std::vector<std::pair<std::string, std::string>> extra_after;  ///< and after it
    /// Usage errors for the values above.
    void check() const;
};

/// The network under the engine. Each batch's targets are its inputs (in the network's layout);
/// validation: the weighted mean of the per-sample reconstruction loss plus beta times the mean
/// KL term of a VAE (with z = mean), and, when the validation rows have both labels, the AUC of
/// the reconstruction error as a score for label 1 (the anomaly).
class autoencoder_trainable : public network_trainable {
public:
    autoencoder_trainable(nn::sequential& m, const nn::optim_config& oc, std::shared_ptr<const nn::loss> recon,
                          nn::model_meta meta, std::size_t batch);
    /// The network's fields plus "autoencoder" (loss, normalise and the code layer).
    void signature(fit_signature& s) const override;
    double train_batch(const batch& b, double lr) override;
    evaluation validate(const data::labelled_set& va) override;

private:
    std::shared_ptr<const nn::loss> recon_;
    model::ae_layout lay_;
    std::string normalise_;
    std::vector<float> target_;
};

/// A trained autoencoder, held as the scorer predict loads from its file.
struct trained_autoencoder {
    std::unique_ptr<model::autoencoder_scorer> scorer;
    fit_result result;
    /// Writes the model file (atomically).
    void save(const std::string& path) const;
};

/// Normalises (spec.normalise), standardises (f.standardises: features yes, images no, by
/// default) with the training set's statistics, and trains spec's autoencoder on tr, validated
/// on va, with f's engine options (checkpoints, resume, signals: as for classifiers).
/// usage_error for an architecture whose output is not the input's shape.
trained_autoencoder fit_autoencoder(const autoencoder_spec& spec, data::labelled_set tr, data::labelled_set va,
                                    const fit_options& f, const fit_context& ctx);

/// The samples an autoencoder learns from: the inputs of `d` with labels 0 (or -w weights)
/// when no labels are named; with labels (-l, --label-col or --signal/--background) only the
/// rows of label `only_class` (0 or 1; -1 = all rows, labels kept for the validation AUC).
/// Throws usage_error for conflicting options, jetml::error for bad data or no rows left.
data::labelled_set load_autoencoder_data(const data::dataset_options& d, int only_class);

}  // namespace jetml::train
