// SPDX-License-Identifier: MIT
// jetml/io/npz.hpp - NPZ archives in memory: zip archives of stored (uncompressed) entries,
// which numpy's np.load opens, and the NPY records (float32 arrays) they hold.
//
// Model files (jetml/model/model_file.hpp) and train's checkpoints are such archives. The
// archive bytes depend only on the entries (every timestamp is 1980-01-01), so equal entries
// give equal files.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace jetml {

/// One entry of a stored zip archive: its name (e.g. "0.weight.npy") and its bytes.
struct zip_entry {
    std::string name;
    std::string data;
};
/// Bytes of a zip archive with the entries stored in order (what np.savez writes, minus
/// compression). Throws jetml::error for an archive of 4 GiB or more (no zip64).
std::string zip_store(const std::vector<zip_entry>& entries);
/// Entries of a zip archive, in central-directory order; only stored entries are accepted and
/// every CRC is checked. Errors are jetml::error "<source>: ...", e.g. "not a model file (not a
/// zip/NPZ archive)" or "entry 'x' is compressed (zip method 8); ...".
std::vector<zip_entry> zip_read(const std::string& bytes, const std::string& source);

/// An NPY record (numpy's header + little-endian data) of n float32 values with the given shape.
std::string npy_record(const std::vector<std::size_t>& shape, const float* data, std::size_t n);
/// The float32 values of an in-memory NPY record (float32, or float64 rounded to float32), in
/// C order; the shape is not returned. Errors name `src` and `entry`; a NaN or infinite value is
/// one ("src: weight '0.weight' holds NaN at index 3; expected finite values"), so that no model
/// kind loads a broken weight.
std::vector<float> parse_npy_record(const std::string& rec, const std::string& src, const std::string& entry);

}  // namespace jetml
