// SPDX-License-Identifier: MIT
// jetml/data/dataset.cpp
#include "jetml/data/dataset.hpp"
#include "jetml/data/labelled.hpp"

#include <algorithm>
#include <cmath>
#include <new>
#include <sstream>

#include "jetml/core/error.hpp"

namespace jetml {

/// Data rows of a CSV file (for --shard).
static std::uint64_t count_csv_rows(const std::string& path) {
    input in(path);
    csv_reader r(in);
    std::uint64_t n = 0;
    while (r.next()) ++n;
    return n;
}

sample_stream::sample_stream(const std::string& path, const std::vector<std::string>& columns, bool columns_optional,
                             const shard_spec& shard)
    : in_(std::make_unique<input>(path)) {
    if (in_->peek(1).empty()) throw error(in_->name(), "empty input, expected NPY samples or CSV with a header");
    if (jetml::is_npy(*in_)) {
        if (!columns.empty() && !columns_optional)
            throw usage_error(in_->name() + ": feature columns were named, but this is an NPY file (its samples are whole rows)");
        npy_ = std::make_unique<npy_reader>(*in_);
        const auto& s = npy_->header().shape;
        if (s.size() == 2) shape_ = {s[1]};
        else if (s.size() == 3) shape_ = {1, s[1], s[2]};
        else if (s.size() == 4) shape_ = {s[1], s[2], s[3]};
        else
            throw error(in_->name(), "expected samples of shape (N, D), (N, H, W) or (N, C, H, W), got " +
                                         format_shape(s));
        const row_range r = shard_rows(shard, s[0]);
        npy_->select_rows(r.begin, r.end);
        rows_ = static_cast<long long>(r.size());
        done_ = r.begin;
    } else {
        csv_ = std::make_unique<csv_reader>(*in_);
        if (columns.empty())
            throw usage_error(in_->name() + ": CSV input needs the feature columns (--features a,b,...)");
        for (auto& c : columns) cols_.push_back(csv_->column(c));
        shape_ = {cols_.size()};
        const row_range r = shard_rows_of_file(shard, path, count_csv_rows);
        for (std::uint64_t k = 0; k < r.begin; ++k)
            if (!csv_->next()) break;
        csv_left_ = r.size();
        done_ = r.begin;
    }
    size_ = 1;
    for (auto d : shape_) size_ *= d;
    if (size_ == 0) throw error(in_->name(), "samples have zero size: " + format_shape(shape_));
    // callers hold batches of samples in memory: a forged header must not ask for gigabytes each
    constexpr std::size_t max_size = std::size_t(1) << 26;
    if (size_ > max_size)
        throw error(in_->name(), "samples of shape " + format_shape(shape_) + " have " + std::to_string(size_) +
                                     " values each; expected at most " + std::to_string(max_size));
}

sample_stream::~sample_stream() = default;

std::size_t sample_stream::read(float* dst, std::size_t max_rows) {
    std::size_t got = 0;
    if (npy_) {
        got = npy_->read_rows(dst, max_rows);
    } else {
        while (got < max_rows && csv_left_ > 0 && csv_->next()) {
            --csv_left_;
            for (std::size_t j = 0; j < cols_.size(); ++j)
                dst[got * size_ + j] = static_cast<float>(
                    missing_ok_ && std::isnan(csv_->number(cols_[j])) ? csv_->number(cols_[j])
                                                                       : csv_->finite_number(cols_[j], true));
            ++got;
        }
    }
    for (std::size_t k = 0; k < got * size_; ++k)
        if (!std::isfinite(dst[k]) && !(missing_ok_ && std::isnan(dst[k])))
            throw error(in_->name(), "value " + format_double(dst[k]) + " at sample " + std::to_string(done_ + k / size_) +
                                         ", index " + std::to_string(k % size_) + "; expected finite");
    done_ += got;
    return got;
}

std::vector<float> sample_stream::batch_buffer(std::size_t max_rows) const {
    const std::size_t r = npy_ ? std::min(max_rows, npy_->rows_left()) : max_rows;
    try {
        return std::vector<float>(r * size_);
    } catch (const std::bad_alloc&) {
        throw error(in_->name(), "out of memory for a batch of " + std::to_string(r) + " samples of shape " +
                                     format_shape(shape_) + " (" + std::to_string(r * size_ * sizeof(float)) + " bytes)");
    }
}

std::size_t sample_set::sample_size() const {
    std::size_t s = 1;
    for (auto d : sample_shape) s *= d;
    return s;
}

sample_set load_samples(const std::string& path, const std::vector<std::string>& columns, bool allow_missing) {
    sample_stream s(path, columns);
    s.allow_missing(allow_missing);
    sample_set out;
    out.sample_shape = s.sample_shape();
    // about 16 MiB per batch; the reserve is bounded too, as a header may promise more rows
    // than the file holds (then the read fails as truncated data)
    const std::size_t chunk = std::clamp<std::size_t>((std::size_t(1) << 22) / s.sample_size(), 1, 4096);
    if (s.rows_hint() >= 0)
        out.x.reserve(std::min(static_cast<std::size_t>(s.rows_hint()), (std::size_t(1) << 26) / s.sample_size()) *
                      s.sample_size());
    std::vector<float> buf(chunk * s.sample_size());
    while (std::size_t got = s.read(buf.data(), chunk)) {
        out.x.insert(out.x.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(got * s.sample_size()));
        out.n += got;
    }
    if (out.n == 0) throw error(s.name(), "no samples");
    return out;
}

column_file::column_file(const std::string& path) : in_(std::make_unique<input>(path)) { npy_ = jetml::is_npy(*in_); }
column_file::~column_file() = default;
column_file::column_file(column_file&&) noexcept = default;
column_file& column_file::operator=(column_file&&) noexcept = default;

const std::string& column_file::name() const { return in_->name(); }

void column_file::want(const std::string& column) {
    if (loaded_) throw error(in_->name(), "internal: column '" + column + "' asked for after the file was read");
    if (std::find(wanted_.begin(), wanted_.end(), column) == wanted_.end()) wanted_.push_back(column);
}

const std::vector<double>& column_file::column(const std::string& column) {
    if (!loaded_) load();
    if (npy_) return cols_.at(0);
    const auto it = std::find(wanted_.begin(), wanted_.end(), column);
    if (it == wanted_.end()) throw error(in_->name(), "internal: column '" + column + "' was not asked for");
    return cols_[std::size_t(it - wanted_.begin())];
}

void column_file::load() {
    loaded_ = true;
    if (npy_) {
        auto a = read_npy<double>(*in_);
        if (!(a.shape.size() == 1 || (a.shape.size() == 2 && a.shape[1] == 1)))
            throw error(in_->name(), "expected an array of shape (N,) or (N, 1), got " + format_shape(a.shape));
        cols_.push_back(std::move(a.data));
        return;
    }
    csv_reader r(*in_);
    // an empty name stands for the only column of a one-column file
    std::vector<std::size_t> idx;
    for (const auto& c : wanted_) {
        if (c.empty() && r.columns().size() != 1)
            throw usage_error(in_->name() + ": a CSV file with several columns needs a column name");
        idx.push_back(c.empty() ? 0 : r.column(c));
    }
    cols_.resize(wanted_.size());
    while (r.next())
        for (std::size_t k = 0; k < idx.size(); ++k) cols_[k].push_back(r.finite_number(idx[k]));
}

std::vector<double> load_column(const std::string& path, const std::string& column) {
    column_file f(path);
    if (f.is_npy() && !column.empty())
        throw usage_error(f.name() + ": a column name ('" + column + "') was given, but this is an NPY file");
    f.want(column);
    return f.column(column);
}

std::vector<float> load_labels(const std::string& path, const std::string& column) {
    auto v = load_column(path, column);
    data::check_labels(v, path == "-" ? "<stdin>" : path);
    return std::vector<float>(v.begin(), v.end());
}

std::vector<std::string> split_list(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    std::string p;
    while (std::getline(ss, p, sep))
        if (!p.empty()) out.push_back(p);
    return out;
}

}  // namespace jetml
