// SPDX-License-Identifier: MIT
// jetml/model/network_scorer.hpp - the scorer of a sequential network: kinds "sequential" and
// "fisher" (a linear network 'dense(1)' or 'flatten dense(1)').
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "jetml/model/scorer.hpp"
#include "jetml/nn/model.hpp"
#include "jetml/nn/model_io.hpp"

namespace jetml::model {

/// The per-sample input shape of network `m`, (D) or (C, H, W); error naming `source` when the
/// standardisation stored in `meta` is not of m's input size. Shared by the network scorers.
std::vector<std::size_t> network_input_shape(const nn::sequential& m, const nn::model_meta& meta,
                                             const std::string& source);

/// Scores with a sequential network: x' = (x - mean) / std with the stored standardisation
/// (if any), then the network, then sigmoid for a bce model (unless options.raw).
class network_scorer : public scorer {
public:
    /// Takes over a network and its metadata; meta.resolved_kind() is the kind. `source` names
    /// the model in messages. Throws jetml::error "<source>: ..." if the standardisation does
    /// not fit the input, or if a "fisher" model is not a linear network with one output.
    network_scorer(nn::sequential m, nn::model_meta meta, const score_options& options = {},
                   const std::string& source = "");

    std::string description() const override;
    void reserve(std::size_t batch) override;
    void score(const float* x, std::size_t n, float* out) override;

    /// The network (its outputs are the raw scores).
    const nn::sequential& network() const { return m_; }
    /// The metadata read with the network (loss, epochs, standardisation, extra).
    const nn::model_meta& meta() const { return meta_; }

private:
    nn::sequential m_;
    nn::model_meta meta_;
    std::size_t batch_ = 256;  // samples per predict() chunk, nn::sequential::predict's default
    std::vector<float> scratch_;  // (batch_, input_size()) standardised inputs
};

/// The loader of kinds "sequential" and "fisher": reads the network from the file.
std::unique_ptr<scorer> load_network_scorer(const model_file& file, const score_options& options);

}  // namespace jetml::model
