// SPDX-License-Identifier: MIT
// jetml/nn/model_io.hpp - a sequential network in a model file (kinds "sequential" and "fisher").
//
// A model file is an NPZ archive (jetml/io/npz.hpp) read through jetml/model/model_file.hpp.
// For a network its meta.json is, in this order:
//   {"format": "jetml-model", "format_version": 1, "kind": "sequential" or "fisher",
//    "jetml_version", "arch" (canonical architecture string), "input_shape"
//    ((C, H, W) for images, (D,) for vectors), "input_layout" ("NCHW" or "ND"),
//    "outputs", "loss", "seed", "step", "epoch", "data_shape",
//    "preprocessing" ({"mean": entry, "std": entry} or null),
//    "params" ([{"entry", "layer", "spec", "shape"}] in layer order),
//    "extra" ({string: string}, free-form: train's "tool", "arch_option", "features", ...),
//    "training" ({string: string}, only for a trained model: what the run depended on, as
//    train::training_record gives it: "jetml_version", "epochs", "epochs_done", the options,
//    "train_data"/"val_data" digests and their parts)}
// and its entries are
//   <i>.<name>.npy   float32 parameter arrays, e.g. "0.weight" (layer 0), "0.bias",
//                    "5.running_mean"; conv weights (filters, k, k, in_channels), dense
//                    weights (out, in) with `in` in (H, W, C) order
//   prep.mean.npy, prep.std.npy   optional input standardisation x' = (x - mean) / std
// np.load(path)["0.weight"] gives an array; np.load(path)["meta.json"] gives the JSON bytes.
// Files written before kinds existed (no "kind" key) load as "fisher" when extra.arch_option is
// "fisher", otherwise as "sequential". The archive bytes depend only on the model.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "jetml/io/npz.hpp"
#include "jetml/model/model_file.hpp"
#include "jetml/nn/model.hpp"

namespace jetml::nn {

/// The model-file format version a network is written with (kinds "sequential" and "fisher").
/// Readers accept 1..model::newest_format_version (see jetml/model/model_file.hpp).
constexpr int model_format_version = 1;

/// What a model file says besides the architecture and the weights.
struct model_meta {
    /// "sequential" (a classifier network) or "fisher" (a Fisher discriminant, a linear network).
    /// Empty on saving means resolved_kind(); set from the file on loading.
    std::string kind;
    std::string loss = "bce";
    std::uint64_t epoch = 0;
    std::vector<std::size_t> data_shape;          ///< shape of the training data, e.g. (N, 1, 25, 25)
    std::vector<float> prep_mean, prep_std;       ///< input standardisation (empty: none)
    std::vector<std::pair<std::string, std::string>> extra;  ///< free-form key/values
    /// meta.json "training": the options and data digests of the run (empty: none written).
    std::vector<std::pair<std::string, std::string>> training;
    int format_version = 1;                       ///< as read from the file
    std::string jetml_version;                    ///< as read from the file
    /// Value of an extra key, or `def`.
    std::string get(const std::string& key, const std::string& def = "") const;
    /// The kind saved: `kind` if set, otherwise "fisher" when extra "arch_option" is "fisher"
    /// (as train writes it), otherwise "sequential" - the rule for files without a kind.
    std::string resolved_kind() const;
};

/// True for the kinds a sequential network is stored as: "sequential", "fisher" and
/// "autoencoder" (its reconstruction loss in extra "loss", see train/autoencoder.hpp).
bool is_network_kind(const std::string& kind);

/// Writes the model atomically ("-" = stdout). Throws jetml::error on I/O failure, or if
/// meta.resolved_kind() is not a network kind.
void save_model(const std::string& path, const sequential& m, const model_meta& meta);
/// Reads a model ("-" = stdin). Throws jetml::error "<path>: ..." for anything malformed,
/// a compressed archive, a missing entry, a shape mismatch, an unsupported format version or
/// a kind that is not a network.
sequential load_model(const std::string& path, model_meta* meta = nullptr);

/// The bytes save_model writes (for checkpoints that embed a model).
std::string model_bytes(const sequential& m, const model_meta& meta);
/// A model from the bytes of a model file; `src` names it in errors.
sequential model_from_bytes(const std::string& bytes, const std::string& src, model_meta* meta = nullptr);
/// The network in an already parsed model file of kind "sequential" or "fisher".
sequential sequential_from_file(const model::model_file& f, model_meta* meta = nullptr);

// The archive and record helpers moved to jetml/io/npz.hpp (namespace jetml); these names keep
// the nn:: spellings that train's checkpoints use working.
using jetml::npy_record;
using jetml::parse_npy_record;
using jetml::zip_entry;
using jetml::zip_read;
using jetml::zip_store;

}  // namespace jetml::nn
