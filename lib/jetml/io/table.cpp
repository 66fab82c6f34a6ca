// SPDX-License-Identifier: MIT
// jetml/io/table.cpp - NPY/CSV tables of unknown length: spooled NPY, streamed CSV.
#include "jetml/io/table.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "jetml/core/error.hpp"

namespace jetml::io {

npy_table::npy_table(output& out, dtype type, std::vector<std::size_t> row_shape, std::optional<std::size_t> rows)
    : out_(out), type_(type), row_shape_(std::move(row_shape)) {
    open(rows);
}

npy_table::npy_table(const std::string& path, dtype type, std::vector<std::size_t> row_shape,
                     std::optional<std::size_t> rows)
    : owned_(std::make_unique<output>(path, true)), out_(*owned_), type_(type), row_shape_(std::move(row_shape)) {
    open(rows);
}

void npy_table::open(std::optional<std::size_t> rows) {
    for (auto d : row_shape_) row_elems_ *= d;
    if (rows) {
        auto shape = row_shape_;
        shape.insert(shape.begin(), *rows);
        direct_ = std::make_unique<npy_writer>(out_, type_, shape);
        return;
    }
    if (type_ != dtype::f4 && type_ != dtype::f8)
        throw error(out_.name(), "internal: a spooled NPY table holds float32 or float64, not " +
                                     std::string(dtype_name(type_)));
    spool_ = std::tmpfile();
    if (!spool_) throw error(out_.name(), std::string("cannot create a temporary file for the rows: ") + std::strerror(errno));
    buf_.reserve(buffer_bytes);
}

npy_table::~npy_table() {
    if (spool_) std::fclose(spool_);
}

void npy_table::flush_buffer() {
    if (!buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), spool_) != buf_.size())
        throw error(out_.name(), std::string("writing the temporary file of rows failed: ") + std::strerror(errno));
    buf_.clear();
}

template <class T> void npy_table::spool(const T* src, std::size_t rows) {
    const std::size_t es = dtype_size(type_);
    std::size_t left = rows * row_elems_;
    while (left > 0) {
        if (buf_.size() + es > buffer_bytes) flush_buffer();
        const std::size_t take = std::min(left, (buffer_bytes - buf_.size()) / es), at = buf_.size();
        buf_.resize(at + take * es);  // within the reserved capacity: no allocation
        char* dst = buf_.data() + at;
        if (es == sizeof(T)) {
            std::memcpy(dst, src, take * es);  // f4 from float, f8 from double
        } else {
            for (std::size_t i = 0; i < take; ++i) {
                if (type_ == dtype::f4) {
                    const float f = static_cast<float>(src[i]);
                    std::memcpy(dst + i * 4, &f, 4);
                } else {
                    const double d = static_cast<double>(src[i]);
                    std::memcpy(dst + i * 8, &d, 8);
                }
            }
        }
        src += take;
        left -= take;
    }
    rows_ += rows;
}

void npy_table::write_rows(const float* src, std::size_t rows) {
    if (direct_) direct_->write_rows(src, rows), rows_ += rows;
    else spool(src, rows);
}

void npy_table::write_rows(const double* src, std::size_t rows) {
    if (direct_) direct_->write_rows(src, rows), rows_ += rows;
    else spool(src, rows);
}

void npy_table::finish() {
    if (direct_) return direct_->finish();
    flush_buffer();
    auto shape = row_shape_;
    shape.insert(shape.begin(), rows_);
    out_.write(npy_header_bytes(type_, shape));
    std::rewind(spool_);
    buf_.resize(buffer_bytes);  // the same fixed buffer carries the rows back
    std::size_t got;
    while ((got = std::fread(buf_.data(), 1, buf_.size(), spool_)) > 0) out_.write(buf_.data(), got);
    if (std::ferror(spool_))
        throw error(out_.name(), std::string("reading the temporary file of rows failed: ") + std::strerror(errno));
    buf_.clear();
    out_.commit();
}

table_writer::table_writer(output& out, const std::string& format, dtype type, std::vector<std::size_t> row_shape,
                           const std::vector<std::string>& columns, std::optional<std::size_t> rows) {
    for (auto d : row_shape) row_elems_ *= d;
    if (format == "csv") {
        if (columns.size() != row_elems_)
            throw error(out.name(), "internal: " + std::to_string(columns.size()) + " CSV columns for rows of " +
                                        std::to_string(row_elems_) + " values");
        csv_ = std::make_unique<csv_writer>(out, columns);
    } else if (format == "npy") {
        npy_ = std::make_unique<npy_table>(out, type, std::move(row_shape), rows);
    } else {
        throw usage_error("unknown output format '" + format + "'; expected npy or csv");
    }
}

template <class T> void table_writer::csv_rows(const T* src, std::size_t rows) {
    for (std::size_t r = 0; r < rows; ++r) {
        for (std::size_t k = 0; k < row_elems_; ++k) *csv_ << src[r * row_elems_ + k];
        csv_->end_row();
    }
}

void table_writer::write_rows(const float* src, std::size_t rows) {
    if (npy_) npy_->write_rows(src, rows);
    else csv_rows(src, rows);
}

void table_writer::write_rows(const double* src, std::size_t rows) {
    if (npy_) npy_->write_rows(src, rows);
    else csv_rows(src, rows);
}

void table_writer::finish() {
    if (npy_) npy_->finish();
    else csv_->finish();
}

}  // namespace jetml::io
