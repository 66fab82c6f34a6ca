// SPDX-License-Identifier: MIT
// jetml/io/npy.hpp - NumPy .npy files, streamed: read v1/v2/v3, write v1 (v2 when needed).
#pragma once
#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <new>
#include <string>
#include <vector>

#include "jetml/io/io.hpp"

namespace jetml {

/// Element types jetml reads and writes (numpy descr in brackets).
enum class dtype : std::uint8_t { f4, f8, i1, u1, i2, u2, i4, u4, i8, u8, b1 };

std::size_t dtype_size(dtype t);
/// numpy's little-endian descr, e.g. "<f4", "|u1".
const char* dtype_descr(dtype t);
/// Short name for messages, e.g. "float32".
const char* dtype_name(dtype t);

template <class T> constexpr dtype dtype_of();
template <> constexpr dtype dtype_of<float>() { return dtype::f4; }
template <> constexpr dtype dtype_of<double>() { return dtype::f8; }
template <> constexpr dtype dtype_of<std::int8_t>() { return dtype::i1; }
template <> constexpr dtype dtype_of<std::uint8_t>() { return dtype::u1; }
template <> constexpr dtype dtype_of<std::int16_t>() { return dtype::i2; }
template <> constexpr dtype dtype_of<std::uint16_t>() { return dtype::u2; }
template <> constexpr dtype dtype_of<std::int32_t>() { return dtype::i4; }
template <> constexpr dtype dtype_of<std::uint32_t>() { return dtype::u4; }
template <> constexpr dtype dtype_of<std::int64_t>() { return dtype::i8; }
template <> constexpr dtype dtype_of<std::uint64_t>() { return dtype::u8; }
template <> constexpr dtype dtype_of<bool>() { return dtype::b1; }

/// "(N, 4)"-style text for messages.
std::string format_shape(const std::vector<std::size_t>& shape);

/// What an NPY header says.
struct npy_header {
    dtype type = dtype::f8;
    bool big_endian = false;       ///< data are byte-swapped on reading
    std::vector<std::size_t> shape;
    int major_version = 1;
    std::size_t count() const;         ///< number of elements
    std::size_t rows() const;          ///< shape[0] (1 for a 0-d array)
    std::size_t row_elements() const;  ///< product of shape[1:]
};

/// Parses the header text (the dict literal) of an NPY file; `source` names it in errors.
npy_header parse_npy_dict(const std::string& dict, const std::string& source);

/// Streams the records (rows along axis 0) of an NPY file, converting to the element type
/// asked for. Float to integer conversion requires integral values in range.
class npy_reader {
public:
    /// Reads and checks the header. Throws jetml::error naming the input on any defect.
    explicit npy_reader(input& in);
    const npy_header& header() const { return header_; }
    const std::string& name() const { return in_.name(); }
    std::size_t rows_left() const { return rows_left_; }
    /// Reads up to `max_rows` rows into dst (max_rows * row_elements() elements); returns rows read.
    template <class T> std::size_t read_rows(T* dst, std::size_t max_rows);
    /// Reads everything that is left.
    template <class T> std::vector<T> read_all();
    /// Keeps rows [begin, end) of the file only (a --shard): reads past the first `begin` rows
    /// (on a pipe too) and ends after row end - 1. Call before reading any row; end <= rows().
    void select_rows(std::size_t begin, std::size_t end);
    /// Sizes `buf` (a vector of any allocator) for read_rows of up to `rows` rows, never more
    /// than are left, with at least `min_capacity` elements reserved. On a pipe a header's claim
    /// cannot be checked against a file size, so a failed allocation becomes "<name>: out of
    /// memory for a batch of R rows of shape (...) (N bytes)" instead of a bare "out of memory".
    template <class Vec> void size_batch(Vec& buf, std::size_t rows, std::size_t min_capacity = 0) const {
        const std::size_t r = std::min(rows, rows_left_), n = r * header_.row_elements();
        try {
            buf.reserve(std::max(n, min_capacity));
            buf.resize(n);
        } catch (const std::bad_alloc&) {
            batch_out_of_memory(r, n * sizeof(typename Vec::value_type));
        }
    }

private:
    [[noreturn]] void batch_out_of_memory(std::size_t rows, std::size_t bytes) const;
    void read_raw(void* dst, std::size_t rows);
    input& in_;
    npy_header header_;
    std::size_t rows_left_ = 0;
    std::size_t tail_ = 0;  // rows after a select_rows() range, never read
    std::vector<char> staging_;
};

/// Writes an NPY header for `shape`, then rows as they come; finish() checks that exactly
/// shape[0] rows were written (so a pipe never carries an inconsistent array).
class npy_writer {
public:
    npy_writer(output& out, dtype type, std::vector<std::size_t> shape);
    /// Writes `rows` rows from src, converting T to the file's dtype.
    template <class T> void write_rows(const T* src, std::size_t rows);
    /// Checks the row count and commits the output.
    void finish();
    std::size_t rows_written() const { return written_; }

private:
    output& out_;
    dtype type_;
    std::vector<std::size_t> shape_;
    std::size_t row_elements_ = 1, written_ = 0;
    std::vector<char> staging_;
};

/// The NPY header bytes (magic, version, length, dict, padding) numpy itself would write.
std::string npy_header_bytes(dtype type, const std::vector<std::size_t>& shape);

/// A whole array in memory, row-major.
template <class T> struct ndarray {
    std::vector<std::size_t> shape;
    std::vector<T> data;
    std::size_t size() const { return data.size(); }
};

/// Loads a whole NPY file ("-" = stdin), converting to T.
template <class T> ndarray<T> load_npy(const std::string& path);
/// Reads a whole NPY array from an open input.
template <class T> ndarray<T> read_npy(input& in);
/// Saves an array atomically ("-" = stdout).
template <class T> void save_npy(const std::string& path, const ndarray<T>& a);
template <class T>
void save_npy(const std::string& path, const std::vector<std::size_t>& shape, const T* data);

}  // namespace jetml
