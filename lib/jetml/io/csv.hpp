// SPDX-License-Identifier: MIT
// jetml/io/csv.hpp - CSV with exactly one header line; columns by name; round-trip numbers.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jetml/io/io.hpp"

namespace jetml {

/// Reads a CSV stream row by row: one header line of names, separator ',', no quoting,
/// blank lines skipped. Errors name the input and the line.
class csv_reader {
public:
    /// Reads the header line. Throws jetml::error on an empty input or duplicate names.
    explicit csv_reader(input& in);
    const std::vector<std::string>& columns() const { return names_; }
    /// Index of a column, or a usage_error that lists the available names.
    std::size_t column(std::string_view name) const;
    std::optional<std::size_t> find(std::string_view name) const;
    /// Advances to the next data row; false at the end. Checks the field count.
    bool next();
    std::string_view field(std::size_t i) const { return fields_[i]; }
    /// Field i as a number; a non-number is an error naming the line and the column.
    double number(std::size_t i) const;
    /// Field i as a finite number. A non-finite value (nan, inf, or beyond the float range when
    /// `as_float`) is "<file>: NAME nan at line 12, column 3; expected finite", in the words of
    /// jetml::data::check_finite ("NAME nan at row 11; expected finite") with the line and the
    /// column (1-based) of the text.
    double finite_number(std::size_t i, bool as_float = false) const;
    /// Field i as an integer.
    std::int64_t integer(std::size_t i) const;
    std::size_t line() const { return in_.line_number(); }
    const std::string& name() const { return in_.name(); }
    /// "<file>: line N: " for messages.
    std::string where() const;

private:
    input& in_;
    std::vector<std::string> names_;
    std::string line_;
    std::vector<std::string_view> fields_;
};

/// Parses a whole decimal number (as strtod does, but locale-free and strict). False on junk.
bool parse_double(std::string_view s, double& out);

/// Shortest text that reads back to the same double ("0.1", "1e+300", "nan", "inf").
std::string format_double(double v);
/// v printed with one printf conversion for a double (e.g. "%.3g"), for messages and labels.
std::string format_number(const char* printf_format, double v);
/// Shortest text that reads back to the same float.
std::string format_float(float v);

/// Writes CSV rows with a header line, numbers printed round-trip.
class csv_writer {
public:
    csv_writer(output& out, const std::vector<std::string>& header);
    csv_writer& operator<<(double v);
    csv_writer& operator<<(float v);
    csv_writer& operator<<(std::int64_t v);
    csv_writer& operator<<(int v) { return *this << static_cast<std::int64_t>(v); }
    csv_writer& operator<<(std::size_t v) { return *this << static_cast<std::int64_t>(v); }
    csv_writer& operator<<(std::string_view v);
    /// Ends the row; checks the field count against the header.
    void end_row();
    /// Commits the output.
    void finish();

private:
    void sep();
    output& out_;
    std::size_t ncols_, in_row_ = 0;
    std::string row_;
};

}  // namespace jetml
