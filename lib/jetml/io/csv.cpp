// SPDX-License-Identifier: MIT
// jetml/io/csv.cpp
#include "jetml/io/csv.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <unordered_set>

#include "jetml/core/error.hpp"

namespace jetml {

namespace {
void split(const std::string& line, std::vector<std::string_view>& out) {
    out.clear();
    std::size_t start = 0;
    for (;;) {
        auto comma = line.find(',', start);
        std::string_view f(line.data() + start, (comma == std::string::npos ? line.size() : comma) - start);
        while (!f.empty() && (f.front() == ' ' || f.front() == '\t')) f.remove_prefix(1);
        while (!f.empty() && (f.back() == ' ' || f.back() == '\t')) f.remove_suffix(1);
        out.push_back(f);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
}
bool blank(const std::string& s) {
    for (char c : s)
        if (!std::isspace(static_cast<unsigned char>(c))) return false;
    return true;
}
}  // namespace

bool parse_double(std::string_view s, double& out) {
    if (s.empty()) return false;
    const char* b = s.data();
    const char* e = b + s.size();
    if (*b == '+') ++b;
    auto res = std::from_chars(b, e, out);
    if (res.ec == std::errc() && res.ptr == e) return true;
    if (res.ec == std::errc::result_out_of_range && res.ptr == e) {
        // overflow/underflow: behave as strtod (inf or 0 with sign)
        out = std::strtod(std::string(s).c_str(), nullptr);
        return true;
    }
    return false;
}

std::string format_double(double v) {
    char buf[32];
    auto res = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, res.ptr);
}

std::string format_number(const char* printf_format, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, printf_format, v);
    return buf;
}

std::string format_float(float v) {
    char buf[32];
    auto res = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, res.ptr);
}

csv_reader::csv_reader(input& in) : in_(in) {
    if (is_npy(in_, "CSV text")) throw error(in_.name(), "this is an NPY file, expected CSV here");
    do {
        if (!in_.getline(line_)) throw error(in_.name(), "empty input, expected a CSV header line");
    } while (blank(line_));
    if (line_.size() >= 3 && line_.compare(0, 3, "\xEF\xBB\xBF") == 0) line_.erase(0, 3);  // UTF-8 BOM
    std::vector<std::string_view> f;
    split(line_, f);
    std::unordered_set<std::string_view> seen;  // a pairwise check was quadratic in the columns
    for (auto name : f) {
        if (name.empty()) throw error(where() + "empty column name in the header");
        if (!seen.insert(name).second) throw error(where() + "duplicate column name '" + printable(name) + "'");
        names_.emplace_back(name);
    }
}

std::string csv_reader::where() const { return in_.name() + ": line " + std::to_string(in_.line_number()) + ": "; }

std::optional<std::size_t> csv_reader::find(std::string_view name) const {
    for (std::size_t i = 0; i < names_.size(); ++i)
        if (names_[i] == name) return i;
    return std::nullopt;
}

std::size_t csv_reader::column(std::string_view name) const {
    if (auto i = find(name)) return *i;
    std::string list;
    for (auto& n : names_) list += (list.empty() ? "" : ", ") + n;  // quoted below: a header may hold anything
    throw usage_error(in_.name() + ": no column '" + std::string(name) + "'; available: " + printable(list, 400));
}

bool csv_reader::next() {
    do {
        if (!in_.getline(line_)) return false;
    } while (blank(line_));
    split(line_, fields_);
    if (fields_.size() != names_.size())
        throw error(where() + "expected " + std::to_string(names_.size()) + " fields, got " +
                    std::to_string(fields_.size()));
    return true;
}

double csv_reader::number(std::size_t i) const {
    double v;
    if (!parse_double(fields_[i], v))
        throw error(where() + "column '" + printable(names_[i]) + "': '" + printable(fields_[i]) + "' is not a number");
    return v;
}

double csv_reader::finite_number(std::size_t i, bool as_float) const {
    const double v = number(i);
    if (!std::isfinite(v) || (as_float && !std::isfinite(static_cast<float>(v))))
        throw error(in_.name(), printable(names_[i]) + " " + printable(fields_[i]) + " at line " +
                                    std::to_string(in_.line_number()) + ", column " + std::to_string(i + 1) +
                                    "; expected finite" + (std::isfinite(v) ? " (within the float32 range)" : ""));
    return v;
}

std::int64_t csv_reader::integer(std::size_t i) const {
    std::int64_t v = 0;
    auto f = fields_[i];
    const char* b = f.data();
    const char* e = b + f.size();
    if (b != e && *b == '+') ++b;
    auto res = std::from_chars(b, e, v);
    if (res.ec != std::errc() || res.ptr != e || f.empty()) {
        double d;  // accept "1.0"-style integers written by float tools
        if (parse_double(f, d) && std::trunc(d) == d && std::abs(d) < 9.2e18) return static_cast<std::int64_t>(d);
        throw error(where() + "column '" + printable(names_[i]) + "': '" + printable(f) + "' is not an integer");
    }
    return v;
}

// ---------------------------------------------------------------- writer

csv_writer::csv_writer(output& out, const std::vector<std::string>& header) : out_(out), ncols_(header.size()) {
    std::string h;
    for (std::size_t i = 0; i < header.size(); ++i) h += (i ? "," : "") + header[i];
    h += '\n';
    out_.write(h);
}

void csv_writer::sep() {
    if (in_row_++) row_ += ',';
}
csv_writer& csv_writer::operator<<(double v) {
    sep();
    char buf[32];
    auto res = std::to_chars(buf, buf + sizeof buf, v);
    row_.append(buf, res.ptr);
    return *this;
}
csv_writer& csv_writer::operator<<(float v) {
    sep();
    char buf[32];
    auto res = std::to_chars(buf, buf + sizeof buf, v);
    row_.append(buf, res.ptr);
    return *this;
}
csv_writer& csv_writer::operator<<(std::int64_t v) {
    sep();
    char buf[24];
    auto res = std::to_chars(buf, buf + sizeof buf, v);
    row_.append(buf, res.ptr);
    return *this;
}
csv_writer& csv_writer::operator<<(std::string_view v) {
    sep();
    row_ += v;
    return *this;
}
void csv_writer::end_row() {
    if (in_row_ != ncols_)
        throw error(out_.name(), "internal: CSV row has " + std::to_string(in_row_) + " fields, header has " +
                                     std::to_string(ncols_));
    row_ += '\n';
    if (row_.size() > (1 << 16)) {
        out_.write(row_);
        row_.clear();
    }
    in_row_ = 0;
}
void csv_writer::finish() {
    out_.write(row_);
    row_.clear();
    out_.commit();
}

}  // namespace jetml
