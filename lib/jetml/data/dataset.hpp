// SPDX-License-Identifier: MIT
// jetml/data/dataset.hpp - samples for classifiers: NPY arrays or CSV columns, streamed or whole,
// plus labels and weights. Used by train, predict and the tools built on them.
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "jetml/core/shard.hpp"
#include "jetml/io/csv.hpp"
#include "jetml/io/io.hpp"
#include "jetml/io/npy.hpp"

namespace jetml {

/// Reads samples batch by batch from NPY (N, D), (N, H, W) or (N, C, H, W) of any numeric
/// dtype, or from the named columns of a CSV file. Every value must be finite.
class sample_stream {
public:
    /// `columns` selects CSV columns (required for CSV). For NPY input, naming columns is a usage
    /// error unless `columns_optional` (then they are ignored: e.g. a model's stored feature names).
    /// With `shard`, only that part of the rows is read (NPY: from the header's count; CSV: the
    /// file is counted first, so it must not be standard input); messages number rows as in the file.
    sample_stream(const std::string& path, const std::vector<std::string>& columns, bool columns_optional = false,
                  const shard_spec& shard = {});
    ~sample_stream();
    /// Shape of one sample: (D) for vectors, (C, H, W) for images ((N, H, W) files give C = 1).
    const std::vector<std::size_t>& sample_shape() const { return shape_; }
    std::size_t sample_size() const { return size_; }
    /// Number of samples if known from an NPY header, else -1 (CSV).
    long long rows_hint() const { return rows_; }
    const std::string& name() const { return in_->name(); }
    bool is_npy() const { return npy_ != nullptr; }
    /// Lets NaN through (CSV "nan" too; infinities stay errors): for models that handle missing
    /// values (trees). Off by default.
    void allow_missing(bool on) { missing_ok_ = on; }
    /// Reads up to max_rows samples into dst (max_rows * sample_size() floats); 0 at the end.
    std::size_t read(float* dst, std::size_t max_rows);
    /// A buffer for read(dst, max_rows): max_rows samples, or as many as an NPY header has left.
    /// A failed allocation is "<name>: out of memory for a batch of R samples of shape (...)
    /// (N bytes)" rather than a bare "out of memory".
    std::vector<float> batch_buffer(std::size_t max_rows) const;

private:
    std::unique_ptr<input> in_;
    std::unique_ptr<npy_reader> npy_;
    std::unique_ptr<csv_reader> csv_;
    std::vector<std::size_t> cols_, shape_;
    std::size_t size_ = 0, done_ = 0, csv_left_ = 0;
    long long rows_ = -1;
    bool missing_ok_ = false;
};

/// Samples held in memory, row-major.
struct sample_set {
    std::vector<std::size_t> sample_shape;
    std::vector<float> x;
    std::size_t n = 0;
    std::size_t sample_size() const;
};

/// Reads a whole file of samples.
sample_set load_samples(const std::string& path, const std::vector<std::string>& columns, bool allow_missing = false);

/// A file of numeric columns, opened once and read once (standard input can only be read
/// once): an NPY (N,) or (N, 1) array is one column, which answers to any name; a CSV file has
/// the columns of its header (every value read must be finite: errors name the line and column).
/// Ask for every column with want() before the first column() call,
/// which reads the file and keeps the wanted columns.
class column_file {
public:
    explicit column_file(const std::string& path);
    ~column_file();
    column_file(column_file&&) noexcept;
    column_file& operator=(column_file&&) noexcept;
    bool is_npy() const { return npy_; }
    const std::string& name() const;
    void want(const std::string& column);
    const std::vector<double>& column(const std::string& column);

private:
    void load();
    std::unique_ptr<input> in_;
    bool npy_ = false, loaded_ = false;
    std::vector<std::string> wanted_;
    std::vector<std::vector<double>> cols_;  // parallel to wanted_ (one entry for NPY)
};

/// One numeric column: an NPY (N,) or (N, 1) array (column must be empty), or a CSV column
/// (the only one when column is empty).
std::vector<double> load_column(const std::string& path, const std::string& column);

/// Labels 0/1 from load_column; anything else is an error naming the row.
std::vector<float> load_labels(const std::string& path, const std::string& column);

/// Splits "a,b,c" into names (empty parts dropped).
std::vector<std::string> split_list(const std::string& s, char sep = ',');

}  // namespace jetml
