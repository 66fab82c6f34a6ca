// SPDX-License-Identifier: MIT
// jetml/io/table.hpp - one writer for NPY and CSV outputs whose row count may be known only at
// the end: NPY rows are spooled to a temporary file (constant memory), CSV rows are streamed.
#pragma once
#include <cstddef>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "jetml/io/csv.hpp"
#include "jetml/io/io.hpp"
#include "jetml/io/npy.hpp"

namespace jetml::io {

/// An NPY array written row by row into `out`. With `rows` given, the header goes out first and
/// the rows follow (as npy_writer). Without, the rows go through a fixed buffer of
/// buffer_bytes into an anonymous temporary file; finish() writes the header with the final
/// count, copies the rows after it and commits `out` (a temporary file renamed onto the target).
class npy_table {
public:
    /// Bytes of the buffer rows pass through on their way to the temporary file.
    static constexpr std::size_t buffer_bytes = std::size_t(1) << 20;
    /// `type` is f4 or f8 without `rows`; `row_shape` is one row's shape ({} for (N,)).
    npy_table(output& out, dtype type, std::vector<std::size_t> row_shape, std::optional<std::size_t> rows = {});
    /// Same, writing to its own binary output `path` ('-' = stdout).
    npy_table(const std::string& path, dtype type, std::vector<std::size_t> row_shape,
              std::optional<std::size_t> rows = {});
    ~npy_table();
    npy_table(const npy_table&) = delete;
    npy_table& operator=(const npy_table&) = delete;
    /// Writes `rows` rows (rows * row_elements() values) from src, converted to the file's dtype.
    void write_rows(const float* src, std::size_t rows);
    /// Same for double values.
    void write_rows(const double* src, std::size_t rows);
    /// Writes the header (when spooling) and the rows, then commits the output. Call once.
    void finish();
    /// Rows written so far.
    std::size_t rows_written() const { return rows_; }
    /// The output the table writes (e.g. to add it to an output_group).
    output& destination() { return out_; }
    /// Values per row (product of row_shape).
    std::size_t row_elements() const { return row_elems_; }
    /// Bytes this writer holds in memory for spooled rows (never more than buffer_bytes).
    std::size_t held_bytes() const { return buf_.capacity(); }

private:
    template <class T> void spool(const T* src, std::size_t rows);
    void flush_buffer();
    void open(std::optional<std::size_t> rows);
    std::unique_ptr<output> owned_;  // the output, when constructed from a path
    output& out_;
    dtype type_;
    std::vector<std::size_t> row_shape_;
    std::unique_ptr<npy_writer> direct_;
    std::FILE* spool_ = nullptr;
    std::vector<char> buf_;
    std::size_t rows_ = 0, row_elems_ = 1;
};

/// A table of rows of float or double values, written as NPY (N, row_shape...) or as CSV with
/// one column per value (the header `columns`), whatever the row count turns out to be.
class table_writer {
public:
    /// `format` is "npy" or "csv"; for CSV, columns.size() must equal the values per row.
    table_writer(output& out, const std::string& format, dtype type, std::vector<std::size_t> row_shape,
                 const std::vector<std::string>& columns, std::optional<std::size_t> rows = {});
    /// Writes `rows` rows from src.
    void write_rows(const float* src, std::size_t rows);
    /// Same for double values.
    void write_rows(const double* src, std::size_t rows);
    /// Finishes the table and commits the output. Call once.
    void finish();

private:
    template <class T> void csv_rows(const T* src, std::size_t rows);
    std::unique_ptr<npy_table> npy_;
    std::unique_ptr<csv_writer> csv_;
    std::size_t row_elems_ = 1;
};

}  // namespace jetml::io
