// SPDX-License-Identifier: MIT
// jetml/io/io.cpp - buffered fd input/output, atomic file replacement.
#include "jetml/io/io.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jetml/core/cleanup.hpp"
#include "jetml/core/error.hpp"

namespace jetml {
namespace {
constexpr std::size_t buffer_size = 1 << 18;  // 256 KiB: large enough that syscalls don't dominate
std::string errstr() { return std::strerror(errno); }
/// Larger pipe buffers mean fewer context switches between the processes of a pipeline.
void grow_pipe(int fd) {
#ifdef F_SETPIPE_SZ
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode)) ::fcntl(fd, F_SETPIPE_SZ, 1 << 20);  // best effort
#else
    (void)fd;
#endif
}
}  // namespace

// ---------------------------------------------------------------- input

input::input(const std::string& path) : buf_(buffer_size) {
    if (path == "-") {
        fd_ = 0;
        name_ = "<stdin>";
        grow_pipe(fd_);
    } else {
        name_ = path;
        fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd_ < 0) throw error(path, "cannot open: " + errstr());
        own_ = true;
        struct stat st {};
        if (::fstat(fd_, &st) == 0 && S_ISDIR(st.st_mode)) {
            ::close(fd_);
            fd_ = -1;
            throw error(path, "is a directory, expected a file");
        }
#ifdef POSIX_FADV_SEQUENTIAL
        ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    }
}

input::~input() {
    if (own_ && fd_ >= 0) ::close(fd_);
}

bool input::fill() {
    if (eof_) return false;
    if (pos_ > 0) {  // keep unread bytes at the front
        std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
        end_ -= pos_;
        pos_ = 0;
    }
    while (end_ < buf_.size()) {
        ssize_t got = ::read(fd_, buf_.data() + end_, buf_.size() - end_);
        if (got < 0) {
            if (errno == EINTR) continue;
            throw error(name_, "read failed: " + errstr());
        }
        if (got == 0) {
            eof_ = true;
            break;
        }
        end_ += static_cast<std::size_t>(got);
        break;  // return what arrived; callers loop
    }
    return end_ > pos_;
}

std::string_view input::peek(std::size_t n) {
    n = std::min(n, buf_.size());
    while (end_ - pos_ < n && !eof_) fill();
    return {buf_.data() + pos_, std::min(n, end_ - pos_)};
}

bool input::at_end() { return pos_ == end_ && !fill(); }

std::size_t input::read(void* dst, std::size_t n) {
    char* out = static_cast<char*>(dst);
    std::size_t done = 0;
    // drain the buffer first
    std::size_t have = std::min(n, end_ - pos_);
    std::memcpy(out, buf_.data() + pos_, have);
    pos_ += have;
    done += have;
    // large remainders go straight from the kernel into the destination
    while (done < n && !eof_) {
        std::size_t want = n - done;
        if (want >= buf_.size() / 2) {
            ssize_t got = ::read(fd_, out + done, want);
            if (got < 0) {
                if (errno == EINTR) continue;
                throw error(name_, "read failed: " + errstr());
            }
            if (got == 0) eof_ = true;
            done += static_cast<std::size_t>(got);
        } else {
            if (!fill()) break;
            have = std::min(want, end_ - pos_);
            std::memcpy(out + done, buf_.data() + pos_, have);
            pos_ += have;
            done += have;
        }
    }
    return done;
}

void input::read_exact(void* dst, std::size_t n, const char* what) {
    std::size_t got = read(dst, n);
    if (got != n)
        throw error(name_, std::string("truncated ") + what + ": expected " + std::to_string(n) +
                               " bytes, got " + std::to_string(got));
}

bool input::getline(std::string& line) {
    line.clear();
    for (;;) {
        if (pos_ == end_ && !fill()) {
            if (line.empty()) return false;
            break;  // last line without newline
        }
        const char* start = buf_.data() + pos_;
        const void* nl = std::memchr(start, '\n', end_ - pos_);
        if (nl) {
            std::size_t len = static_cast<const char*>(nl) - start;
            line.append(start, len);
            pos_ += len + 1;
            break;
        }
        line.append(start, end_ - pos_);
        pos_ = end_;
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    ++line_;
    return true;
}

// ---------------------------------------------------------------- output

output::output(const std::string& path, bool binary) : buf_(buffer_size) {
    if (path == "-") {
        stdout_ = true;
        fd_ = 1;
        name_ = "<stdout>";
        if (binary && ::isatty(1))
            throw usage_error("refusing to write binary NPY to a terminal; use -o FILE or a pipe");
        grow_pipe(fd_);
        return;
    }
    name_ = path_ = path;
    struct stat st {};
    bool exists = ::stat(path.c_str(), &st) == 0;
    if (exists && S_ISDIR(st.st_mode)) throw error(path, "is a directory, expected a file name");
    if (exists && !S_ISREG(st.st_mode)) {
        // a device or FIFO (/dev/null, a named pipe): write in place, there is nothing to rename
        fd_ = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
        if (fd_ < 0) throw error(path, "cannot open for writing: " + errstr());
        return;
    }
    tmp_ = path + ".tmp-XXXXXX";
    {
        const interrupt_guard guard;  // no signal between creating the file and registering it
        fd_ = ::mkstemp(tmp_.data());
        if (fd_ < 0) throw error(path, "cannot create temporary file " + tmp_ + ": " + errstr());
        slot_ = register_temporary(tmp_, path);
    }
    // mkstemp makes the file 0600; give it the mode a plain open() would have
    mode_t mask = ::umask(0);
    ::umask(mask);
    ::fchmod(fd_, exists ? (st.st_mode & 07777) : (0666 & ~mask));
}

output::~output() {
    if (stdout_) {
        if (!committed_) {
            try {
                flush();
            } catch (...) {
            }
        }
        return;
    }
    if (!committed_) {
        if (fd_ >= 0) ::close(fd_);
        if (!tmp_.empty()) ::unlink(tmp_.c_str());
        unregister_temporary(slot_);
    }
}

void output::flush() {
    std::size_t off = 0;
    while (off < used_) {
        ssize_t put = ::write(fd_, buf_.data() + off, used_ - off);
        if (put < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            used_ = 0;
            throw error(name_, std::string("write failed: ") + std::strerror(e));
        }
        off += static_cast<std::size_t>(put);
    }
    used_ = 0;
}

void output::write(const void* data, std::size_t n) {
    const char* p = static_cast<const char*>(data);
    if (used_ + n <= buf_.size()) {
        std::memcpy(buf_.data() + used_, p, n);
        used_ += n;
        return;
    }
    flush();
    if (n >= buf_.size() / 2) {  // large blocks bypass the buffer
        std::size_t off = 0;
        while (off < n) {
            ssize_t put = ::write(fd_, p + off, n - off);
            if (put < 0) {
                if (errno == EINTR) continue;
                throw error(name_, "write failed: " + errstr());
            }
            off += static_cast<std::size_t>(put);
        }
        return;
    }
    std::memcpy(buf_.data(), p, n);
    used_ = n;
}

void output::commit() {
    if (committed_ || closed_) return;
    flush();
    if (stdout_) {  // stdout is closed and checked by run_tool at exit
        committed_ = true;
        return;
    }
    if (::close(fd_) != 0) {
        int e = errno;
        fd_ = -1;
        committed_ = true;
        if (!tmp_.empty()) ::unlink(tmp_.c_str());
        unregister_temporary(slot_);
        throw error(name_, std::string("closing failed: ") + std::strerror(e));
    }
    fd_ = -1;
    closed_ = true;
    if (!group_) publish();
}

void output::publish() {
    committed_ = true;
    if (tmp_.empty()) return;
    const interrupt_guard guard;  // the rename and the unregistering happen together
    const bool renamed = ::rename(tmp_.c_str(), path_.c_str()) == 0;
    const int e = errno;
    if (!renamed) ::unlink(tmp_.c_str());
    unregister_temporary(slot_);
    slot_ = -1;
    if (!renamed) throw error(name_, std::string("cannot rename temporary file: ") + std::strerror(e));
}

// ---------------------------------------------------------------- output_group

void output_group::add(output& o) {
    o.group_ = this;
    members_.push_back(&o);
}

void output_group::commit() {
    for (output* o : members_)
        if (!o->stdout_ && !o->closed_) throw error(o->name_, "internal: output not finished before its group commit");
    std::vector<std::string> done;  // targets already renamed
    for (output* o : members_) {
        if (o->stdout_ || o->committed_) continue;
        try {
            o->publish();
        } catch (...) {
            for (const auto& p : done) ::unlink(p.c_str());
            throw;
        }
        if (!o->tmp_.empty()) done.push_back(o->path_);
    }
}

long long input::bytes_left() const {
    struct stat st {};
    if (fd_ < 0 || ::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) return -1;
    const off_t at = ::lseek(fd_, 0, SEEK_CUR);
    if (at < 0) return -1;
    const long long in_file = st.st_size > at ? static_cast<long long>(st.st_size - at) : 0;
    return in_file + static_cast<long long>(end_ - pos_);
}

void check_content(input& in, const char* expected) {
    in.peek(8);  // the magics; the NUL check looks at what has arrived, never waits for more
    const std::string_view head = in.buffered().substr(0, 4096);
    auto starts = [&](std::string_view magic) { return head.substr(0, magic.size()) == magic; };
    const std::string want = std::string("expected ") + expected;
    if (starts(std::string_view("PK\x03\x04", 4)) || starts(std::string_view("PK\x05\x06", 4)))
        throw error(in.name(), "this is a zip archive (an .npz model file?), " + want);
    if (starts("\x1f\x8b")) throw error(in.name(), "this is gzip-compressed data, " + want + " (decompress it first)");
    if (starts(std::string_view("\x93NUMPY", 6))) {
        if (extension(in.name()) == "csv")
            throw error(in.name(), "this is an NPY file although its name ends in .csv; expected CSV text in a "
                                   ".csv file (rename it to .npy)");
        return;
    }
    const auto nul = head.find('\0');
    if (nul != std::string_view::npos)
        throw error(in.name(), "binary data (a NUL byte at offset " + std::to_string(nul) + "), " + want);
}

bool is_npy(input& in, const char* expected) {
    check_content(in, expected);
    auto head = in.peek(6);
    return head.size() == 6 && head == std::string_view("\x93NUMPY", 6);
}

std::string extension(const std::string& path) {
    auto slash = path.find_last_of('/');
    auto dot = path.find_last_of('.');
    if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
    std::string ext = path.substr(dot + 1);
    for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return ext;
}

std::string format_from_extension(const std::string& format, const std::string& path, const std::string& fallback) {
    if (!format.empty()) return format;
    const std::string ext = extension(path);
    return ext == "csv" || ext == "npy" ? ext : fallback;
}

}  // namespace jetml
