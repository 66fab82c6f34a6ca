// SPDX-License-Identifier: MIT
// jetml/error.hpp - the two kinds of user-visible failure and their exit codes.
#pragma once
#include <stdexcept>
#include <string>

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

/// Exit statuses shared by every jetml tool.
enum exit_status : int { exit_ok = 0, exit_data = 1, exit_usage = 2 };

}  // namespace jetml
