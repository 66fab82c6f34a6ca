// SPDX-License-Identifier: MIT
// jetml/train/classifier.hpp - a binary classifier trained end to end, as train does it and
// as the tools built on it (cwola, ...) reuse it: standardisation fitted on the training set
// and stored in the model, a Fisher discriminant (closed form, the shrinkage chosen on the
// validation set) or a network trained by the engine, and its scores.
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "jetml/data/labelled.hpp"
#include "jetml/model/network_scorer.hpp"
#include "jetml/nn/loss.hpp"
#include "jetml/nn/model.hpp"
#include "jetml/nn/model_io.hpp"
#include "jetml/nn/optim.hpp"
#include "jetml/train/fit.hpp"

namespace jetml::train {

/// Which classifier: an architecture (a preset such as dnn, a layer string, or "fisher") and,
/// for Fisher, the covariance shrinkages chosen between by validation AUC.
struct classifier_spec {
    std::string arch = "dnn";
    std::vector<double> shrinkages{1e-3};
    /// The loss (nullptr: bce); a batch-level loss reads the sets' side columns.
    std::shared_ptr<const nn::loss> loss;
    /// Extra metadata written into the model file (e.g. {"tool", "cwola"}).
    std::vector<std::pair<std::string, std::string>> extra;
    /// Extra metadata written after the architecture entry (e.g. {"features", "mass,tau21"}).
    std::vector<std::pair<std::string, std::string>> extra_after;
    /// Networks: keep the `ensemble` epochs of lowest validation loss (train::epoch_ensemble);
    /// scores() then averages their scores. 1 = the best epoch only.
    std::size_t ensemble = 1;
};

/// A trained classifier, held as the scorer predict would load from its model file.
struct trained_classifier {
    std::unique_ptr<model::network_scorer> scorer;
    fit_result result;          ///< the engine's result (best_epoch 0 for Fisher)
    double shrinkage = 0;       ///< Fisher: the shrinkage kept
    /// With classifier_spec::ensemble > 1: the kept epochs' scorers, lowest validation loss
    /// first (scorer is the best epoch's, as without an ensemble).
    std::vector<std::unique_ptr<model::network_scorer>> members;

    const nn::model_meta& meta() const { return scorer->meta(); }
    /// The scores of n samples given as read, bitwise as predict scores them from the saved
    /// file: the stored standardisation, then sigmoid of the output for a bce model. With
    /// members, their mean score (in member order).
    std::vector<float> scores(const float* x, std::size_t n);
    /// Writes the model file (atomically).
    void save(const std::string& path) const;
};

/// The per-sample shape of a labelled set ((D) or (C, H, W)) as a network input shape.
nn::tshape to_tshape(const std::vector<std::size_t>& shape);
/// The model file's record of the inputs a network is trained on: meta.data_shape = (tr.n, the
/// per-sample shape); with `standardise`, tr and va are standardised by tr's per-input mean and
/// std (data::fit_standardiser), which go to meta.prep_mean / meta.prep_std.
void prepare_inputs(nn::model_meta& meta, data::labelled_set& tr, data::labelled_set& va, bool standardise);
/// The optimiser configuration of f's --optimiser, --lr, --momentum and --weight-decay.
nn::optim_config optimiser_of(const fit_options& f);

/// The architecture text of `arch`: "@FILE" reads the file (usage_error if it cannot).
std::string read_arch(const std::string& arch);

/// Trains spec's classifier on tr, validated on va (which may be empty), with f's engine
/// options and ctx's messages and seed. Standardises (per f.standardises) with the training
/// set's statistics, applied to both sets and stored in meta, with meta.training from the
/// engine's signature (training_record; data_signature for Fisher). Throws usage_error for an
/// architecture without one output or a Fisher choice without validation rows.
trained_classifier fit_classifier(const classifier_spec& spec, data::labelled_set tr, data::labelled_set va,
                                  const fit_options& f, const fit_context& ctx);

}  // namespace jetml::train
