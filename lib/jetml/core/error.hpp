// SPDX-License-Identifier: MIT
// jetml/core/error.hpp - the two kinds of user-visible failure and their exit codes.
#pragma once
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace jetml {

/// A data or runtime failure (bad file contents, I/O error, NaN loss): exit status 1.
/// what() is one line without the tool name, e.g. "events.npy: truncated NPY data: ...".
class error : public std::runtime_error {
public:
    explicit error(const std::string& message) : std::runtime_error(message) {}
    /// "<file>: <message>"; an empty file name gives just the message.
    error(const std::string& file, const std::string& message)
        : std::runtime_error(file.empty() ? message : file + ": " + message) {}
};

/// A usage failure (bad option value, conflicting options, unknown column): exit status 2.
class usage_error : public std::runtime_error {
public:
    explicit usage_error(const std::string& message) : std::runtime_error(message) {}
};

/// Text from an input, fit to quote in a one-line message: control bytes become \xNN and
/// anything past `max` bytes becomes "...".
inline std::string printable(std::string_view text, std::size_t max = 80) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (i == max) return out + "...";
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 || c == 0x7f) {
            const char* hex = "0123456789abcdef";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

/// Exit statuses shared by every jetml tool.
enum exit_status : int { exit_ok = 0, exit_data = 1, exit_usage = 2 };

}  // namespace jetml
