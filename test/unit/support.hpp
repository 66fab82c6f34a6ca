// SPDX-License-Identifier: MIT
// test/unit/support.hpp - helpers the unit tests share: random vectors, NMSE, finite differences, temporary files.
#pragma once

#include <unistd.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include "jetml/core/rng.hpp"

/// Helpers shared by the unit tests (header only; each test file includes what it uses).
namespace support {

/// n floats drawn uniformly from [lo, hi) by jetml::rng(seed), in order.
inline std::vector<float> random_floats(std::size_t n, std::uint64_t seed, double lo = -1, double hi = 1) {
    jetml::rng g(seed);
    std::vector<float> v(n);
    for (auto& x : v) x = float(g.uniform(lo, hi));
    return v;
}

/// Normalised mean squared error sum (a-b)^2 / sum b^2 (ggml's test-backend-ops measure); the
/// plain sum when b is all zero.
inline double nmse(const std::vector<float>& a, const std::vector<float>& b) {
    double num = 0, den = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        num += double(a[i] - b[i]) * (a[i] - b[i]);
        den += double(b[i]) * b[i];
    }
    return den > 0 ? num / den : num;
}

/// Central difference (L(v + h) - L(v - h)) / 2h of loss() in the float v, each side evaluated
/// with v set to float(v0 +- h); v is restored afterwards.
template <class Loss> double central_difference(float& v, double h, Loss&& loss) {
    const float v0 = v;
    v = float(v0 + h);
    const double lp = loss();
    v = float(v0 - h);
    const double lm = loss();
    v = v0;
    return (lp - lm) / (2 * h);
}

/// Counts numeric/analytic derivative pairs that differ by more than atol + rtol |analytic|,
/// reporting the first `shown` of them with MESSAGE.
struct gradient_check {
    double atol, rtol;
    int shown = 5;
    int bad = 0;
    /// Compares one derivative; `what`[i] names it in the message.
    void operator()(const std::string& what, std::size_t i, double numeric, double analytic) {
        if (std::fabs(numeric - analytic) > atol + rtol * std::fabs(analytic)) {
            if (++bad <= shown) MESSAGE(what << "[" << i << "]: numeric " << numeric << " analytic " << analytic);
        }
    }
};

/// A per-process temporary path: /tmp/jetml_<scope>_<pid>_<tag>.
inline std::string tmp_path(const std::string& scope, const std::string& tag) {
    return "/tmp/jetml_" + scope + "_" + std::to_string(::getpid()) + "_" + tag;
}

/// The whole content of a file ("" if it cannot be read).
inline std::string read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

/// Writes bytes to path, replacing it.
inline void write_file(const std::string& path, const std::string& bytes) {
    std::ofstream f(path, std::ios::binary);
    f << bytes;
}

/// Writes text to tmp_path(scope, tag) and returns that path.
inline std::string write_tmp(const std::string& scope, const std::string& tag, const std::string& text) {
    const std::string path = tmp_path(scope, tag);
    write_file(path, text);
    return path;
}

/// A path that reads `bytes` from a pipe ("/dev/fd/N"), for readers that must behave as on a
/// pipe (no file size to check against). bytes must fit the pipe buffer (64 KiB); the read end
/// stays open for the test process's lifetime.
inline std::string pipe_path(const std::string& bytes) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    REQUIRE(::write(fds[1], bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
    ::close(fds[1]);
    return "/dev/fd/" + std::to_string(fds[0]);
}

}  // namespace support
