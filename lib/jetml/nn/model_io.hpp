// SPDX-License-Identifier: MIT
// jetml/nn/model_io.hpp - the model file: one self-describing, versioned NPZ.
//
// A model file is a zip archive of stored (uncompressed) entries that numpy's np.load opens:
//   meta.json        UTF-8 JSON: {"format": "jetml-model", "format_version": 1,
//                    "jetml_version", "arch" (canonical architecture string), "input_shape"
//                    ((C, H, W) for images, (D,) for vectors), "input_layout" ("NCHW" or "ND"),
//                    "outputs", "loss", "seed", "step", "epoch", "data_shape",
//                    "preprocessing" ({"mean": entry, "std": entry} or null),
//                    "params" ([{"entry", "layer", "spec", "shape"}] in layer order),
//                    "extra" ({string: string}, free-form, e.g. the training options)}
//   <i>.<name>.npy   float32 parameter arrays, e.g. "0.weight" (layer 0), "0.bias",
//                    "5.running_mean"; conv weights (filters, k, k, in_channels), dense
//                    weights (out, in) with `in` in (H, W, C) order
//   prep.mean.npy, prep.std.npy   optional input standardisation x' = (x - mean) / std
// np.load(path)["0.weight"] gives an array; np.load(path)["meta.json"] gives the JSON bytes.
// The archive bytes depend only on the model (fixed timestamps), so equal models give equal files.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "jetml/nn/model.hpp"

namespace jetml::nn {

/// The model-file format version this jetml writes. Readers accept versions 1..this.
constexpr int model_format_version = 1;

/// What a model file says besides the architecture and the weights.
struct model_meta {
    std::string loss = "bce";
    std::uint64_t epoch = 0;
    std::vector<std::size_t> data_shape;          ///< shape of the training data, e.g. (N, 1, 25, 25)
    std::vector<float> prep_mean, prep_std;       ///< input standardisation (empty: none)
    std::vector<std::pair<std::string, std::string>> extra;  ///< free-form key/values
    int format_version = model_format_version;    ///< as read from the file
    std::string jetml_version;                    ///< as read from the file
    /// Value of an extra key, or `def`.
    std::string get(const std::string& key, const std::string& def = "") const;
};

/// Writes the model atomically ("-" = stdout). Throws jetml::error on I/O failure.
void save_model(const std::string& path, const sequential& m, const model_meta& meta);
/// Reads a model ("-" = stdin). Throws jetml::error "<path>: ..." for anything malformed,
/// a compressed archive, a missing entry, a shape mismatch or an unsupported format version.
sequential load_model(const std::string& path, model_meta* meta = nullptr);

/// The bytes save_model writes (for checkpoints that embed a model).
std::string model_bytes(const sequential& m, const model_meta& meta);
/// A model from the bytes of a model file; `src` names it in errors.
sequential model_from_bytes(const std::string& bytes, const std::string& src, model_meta* meta = nullptr);

/// An NPY record (header + data) of n float32 values with the given shape.
std::string npy_record(const std::vector<std::size_t>& shape, const float* data, std::size_t n);
/// The float32 values of an in-memory NPY record (float32 or float64); errors name src and entry.
std::vector<float> parse_npy_record(const std::string& rec, const std::string& src, const std::string& entry);

/// One entry of a stored zip archive.
struct zip_entry {
    std::string name;
    std::string data;
};
/// Bytes of a zip archive with stored entries (what np.savez writes, minus compression).
std::string zip_store(const std::vector<zip_entry>& entries);
/// Entries of a zip archive; only stored entries are accepted. `source` names it in errors.
std::vector<zip_entry> zip_read(const std::string& bytes, const std::string& source);

}  // namespace jetml::nn
