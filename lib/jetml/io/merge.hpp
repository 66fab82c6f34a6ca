// SPDX-License-Identifier: MIT
// jetml/io/merge.hpp - joins the outputs of `--shard K/N` jobs: NPY arrays along axis 0, CSV
// tables under one header, in the order given, so that the result is byte for byte what one job
// over the whole input writes.
#pragma once
#include <string>
#include <vector>

#include "jetml/io/io.hpp"

namespace jetml::io {

/// What a merge joined.
struct merge_result {
    bool npy = false;        ///< NPY (else CSV)
    std::size_t rows = 0;    ///< rows written (NPY: the new shape[0]; CSV: data lines)
};

/// Concatenates `inputs` (files, not "-": NPY headers are read before the data) into the file
/// `out_path` ("-" = stdout; written to a temporary and renamed, as every output).
/// Every input must be of the same kind: NPY with the same dtype, little-endian, C order and the
/// same shape after axis 0 ("b.npy: shape (4, 25, 25) does not match a.npy's (N, 33, 33)"), or
/// CSV with the same header line, each ending in a newline.
merge_result merge_tables(const std::vector<std::string>& inputs, const std::string& out_path);

}  // namespace jetml::io
