// SPDX-License-Identifier: MIT
// jetml/model/scorer.hpp - one scoring interface over every model kind, and the registry of
// the kinds this build loads.
//
// A tool that applies a model (predict, and later roc or cwola) loads it with load_scorer(path)
// and calls score() on batches; it never asks what kind the file holds. A new kind (a tree
// ensemble, a flow, an autoencoder) adds one line to builtin_kinds() in kinds.cpp.
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "jetml/model/model_file.hpp"

namespace jetml::model {

/// How a scorer turns the model's raw outputs into scores.
struct score_options {
    /// Write the raw model output (the logit of a bce classifier) instead of the kind's output
    /// transform (sigmoid for bce). predict's --logit.
    bool raw = false;
};

/// A loaded model that scores samples: x (n, input_size()) in the user layout ((N, C, H, W)
/// images or (N, D) vectors, float32, as the tools read them) -> out (n, outputs()).
/// The stored standardisation and the output transform are applied inside score().
class scorer {
public:
    virtual ~scorer() = default;

    /// The model kind, e.g. "sequential" or "fisher".
    const std::string& kind() const { return kind_; }
    /// The model file's name in messages ("" for a model built in memory).
    const std::string& source() const { return source_; }
    /// One line for -v, e.g. "network 'dense(4) relu dense(1)', input (3,), trained 2 epochs,
    /// input standardised, scores sigmoid(output)".
    virtual std::string description() const = 0;
    /// Shape of one sample: (C, H, W) for images, (D,) for feature vectors.
    const std::vector<std::size_t>& input_shape() const { return input_shape_; }
    /// Values per sample (the product of input_shape()).
    std::size_t input_size() const;
    /// Names of the output columns, one per output (e.g. {"score"}).
    const std::vector<std::string>& output_names() const { return output_names_; }
    /// Number of outputs per sample.
    std::size_t outputs() const { return output_names_.size(); }
    /// The CSV feature columns the model was trained on, in input order; empty if not stored.
    const std::vector<std::string>& features() const { return features_; }
    /// The output transform score() applies: "sigmoid" or "none".
    const std::string& output_transform() const { return transform_; }

    /// Whether score() takes NaN inputs as missing values (trees); otherwise inputs must be finite.
    virtual bool accepts_missing() const { return false; }
    /// Prepares for calls of up to `batch` samples (buffers allocated once); score() works
    /// without it, and with more samples, in pieces of this size.
    virtual void reserve(std::size_t batch) = 0;
    /// Scores n samples: x (n, input_size()) -> out (n, outputs()). Results do not depend on n,
    /// the reserved batch size or the thread count (bitwise).
    virtual void score(const float* x, std::size_t n, float* out) = 0;
    /// Per-sample arrays besides the scores that a kind writes on request (an autoencoder's
    /// "latent" coordinates and "reconstruction"): (name, shape of one sample). Empty by default.
    virtual std::vector<std::pair<std::string, std::vector<std::size_t>>> extra_outputs() const { return {}; }
    /// score() that also fills the requested extra outputs: extras[i] (null: not wanted) gets
    /// (n, values of extra_outputs()[i]). Default: score() (no extras).
    virtual void score_extra(const float* x, std::size_t n, float* out, const std::vector<float*>& extras) {
        (void)extras;
        score(x, n, out);
    }

protected:
    std::string kind_, source_, transform_ = "none";
    std::vector<std::size_t> input_shape_;
    std::vector<std::string> output_names_, features_;
};

/// Builds the scorer of a parsed model file of the kind the loader was registered for.
using scorer_loader = std::unique_ptr<scorer> (*)(const model_file& file, const score_options& options);

/// Registers (or replaces) the loader of `kind`. The built-in kinds are registered on first use
/// of the registry; register further kinds before loading models (not thread-safe).
void register_kind(const std::string& kind, scorer_loader loader);
/// The kinds this build loads, sorted, e.g. {"fisher", "sequential"}.
std::vector<std::string> known_kinds();
/// True if `kind` has a loader.
bool is_known_kind(const std::string& kind);

/// The scorer of a parsed model file. Throws jetml::error "<file>: model kind 'maf' is not
/// supported by this jetml <version> (it loads fisher, sequential)" for an unknown kind.
std::unique_ptr<scorer> make_scorer(const model_file& file, const score_options& options = {});
/// Reads the model file at `path` ("-" = stdin) and returns its scorer.
std::unique_ptr<scorer> load_scorer(const std::string& path, const score_options& options = {});

/// Checks that samples of shape `sample_shape` (without N) fit the scorer; otherwise throws
/// jetml::error "<input_name>: model <model_name> expects samples of shape (N, 3), got
/// (N, 1, 5, 5)", with a hint for jet constituents (N, M, 4) given to an image model.
void check_sample_shape(const scorer& s, const std::vector<std::size_t>& sample_shape, const std::string& input_name,
                        const std::string& model_name);

}  // namespace jetml::model
