// SPDX-License-Identifier: MIT
// jetml/io/io.hpp - byte streams for files and pipes: "-" is stdin/stdout, outputs are atomic.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace jetml {

/// A buffered, forward-only input over a file descriptor. Never seeks, so pipes work.
/// "-" reads standard input; name() is then "<stdin>".
class input {
public:
    /// Opens `path` ("-" for stdin). Throws jetml::error if it cannot be opened.
    explicit input(const std::string& path);
    ~input();
    input(const input&) = delete;
    input& operator=(const input&) = delete;

    /// The name used in messages: the path, or "<stdin>".
    const std::string& name() const { return name_; }
    /// Up to `n` bytes ahead without consuming them (fewer only at end of input). n <= 64 KiB.
    std::string_view peek(std::size_t n);
    /// The bytes already read ahead and not yet consumed (no read: never waits).
    std::string_view buffered() const { return {buf_.data() + pos_, end_ - pos_}; }
    /// Reads up to `n` bytes; returns the number read, which is < n only at end of input.
    std::size_t read(void* dst, std::size_t n);
    /// Reads exactly `n` bytes or throws "<name>: truncated <what>: expected N bytes, got M".
    void read_exact(void* dst, std::size_t n, const char* what);
    /// Next line without its "\n" (and "\r"); false at end of input. Counts lines for messages.
    bool getline(std::string& line);
    /// Number of the last line returned by getline (1-based).
    std::size_t line_number() const { return line_; }
    /// True when no byte is left.
    bool at_end();
    /// For a regular file (also one redirected to stdin): the bytes not yet consumed. -1 for
    /// pipes, terminals and devices, whose size is unknown. Lets readers check what a header
    /// claims against what the file holds before they allocate.
    long long bytes_left() const;

private:
    bool fill();  // refill the buffer; false at EOF
    int fd_ = -1;
    bool own_ = false;
    bool eof_ = false;
    std::string name_;
    std::vector<char> buf_;
    std::size_t pos_ = 0, end_ = 0, line_ = 0;
};

/// A buffered output that never leaves a half-written file behind: a named file is written
/// to a temporary name in the same directory and renamed over the target by commit().
/// Destroying an uncommitted output removes the temporary file, and so does SIGINT, SIGTERM or
/// SIGHUP (the temporary is registered with jetml/core/cleanup). "-" writes standard output.
class output_group;

class output {
public:
    /// Opens `path` ("-" for stdout). With `binary` true, refuses to write to a terminal
    /// (a usage error telling the user to redirect or use -o FILE).
    output(const std::string& path, bool binary);
    ~output();
    output(const output&) = delete;
    output& operator=(const output&) = delete;

    const std::string& name() const { return name_; }
    bool is_stdout() const { return stdout_; }
    void write(const void* data, std::size_t n);
    void write(std::string_view s) { write(s.data(), s.size()); }
    /// Flushes, closes and renames the temporary file onto the target. Call once, at the end.
    /// In an output_group, only flushes and closes: the group renames.
    void commit();

private:
    friend class output_group;
    void flush();
    void publish();  // rename the closed temporary onto the target
    output_group* group_ = nullptr;
    bool closed_ = false;
    int fd_ = -1;
    bool stdout_ = false, committed_ = false;
    std::string name_, path_, tmp_;
    std::vector<char> buf_;
    std::size_t used_ = 0;
    int slot_ = -1;  // registration for removal on SIGINT/SIGTERM/SIGHUP (jetml/core/cleanup)
};

/// The outputs of one run, committed together or not at all: each member's commit() only
/// flushes and closes its temporary file, and commit() renames them all at the end. If a
/// member fails before that (a write error on --constituents-out), no target is touched and
/// every temporary is removed as its output is destroyed. Outputs to stdout or to devices
/// cannot be held back; they are written as they come.
class output_group {
public:
    output_group() = default;
    output_group(const output_group&) = delete;
    output_group& operator=(const output_group&) = delete;
    /// Adds an output (it must outlive the group's commit()).
    void add(output& o);
    /// Renames every member onto its target. Every member must have been committed (closed).
    /// If a rename fails, the targets already renamed are removed too and the error is thrown.
    void commit();

private:
    std::vector<output*> members_;
};

/// Throws unless the input looks like what a reader of NPY or text expects: a zip archive
/// (an .npz model), gzip data, NPY data in a file named *.csv, or NUL bytes in its first
/// 4 KiB (of what has arrived: a pipe is not waited for) are "<name>: this is a zip archive
/// (an .npz model file?), expected <expected>" and
/// the like. is_npy() does this check.
void check_content(input& in, const char* expected = "NPY or CSV");

/// True if `in` starts with the NPY magic "\x93NUMPY" (peeks; consumes nothing). Runs
/// check_content(in) first, so that binary files that are not NPY fail with one clear line.
bool is_npy(input& in, const char* expected = "NPY or CSV");

/// A path's extension in lower case without the dot ("" if none).
std::string extension(const std::string& path);

/// An output format: `format` when one was given, else "csv" or "npy" when that is the extension
/// of `path`, else `fallback` (the one place tools choose a format from a file name).
std::string format_from_extension(const std::string& format, const std::string& path, const std::string& fallback);

}  // namespace jetml
