// SPDX-License-Identifier: MIT
// jetml/io/npy_xt.hpp - NPY files as xtensor arrays, through jetml's own strict, streaming NPY
// reader and writer (never xt::load_npy, which 0.24.3 gets wrong: see STYLE.md).
#pragma once
#include <array>
#include <string>

#include "jetml/core/xt.hpp"
#include "jetml/io/npy.hpp"

namespace jetml {

/// Reads a whole NPY array of exactly N dimensions from an open input into a fresh
/// xt::xtensor<T, N>, converting the file's dtype to T as npy_reader does. The rows are read
/// straight into the tensor's storage (no intermediate copy). Throws jetml::error naming the
/// input if the file has another number of dimensions or any defect (truncated, big-endian ...).
template <class T, std::size_t N> xt::xtensor<T, N> read_npy_xt(input& in) {
    npy_reader r(in);
    const auto& s = r.header().shape;
    if (s.size() != N)
        throw error(r.name(), "expected a " + std::to_string(N) + "-d array, got " + format_shape(s));
    std::array<std::size_t, N> shape{};
    for (std::size_t k = 0; k < N; ++k) shape[k] = s[k];
    auto a = xt::xtensor<T, N>::from_shape(shape);
    std::size_t rows = 1;
    if constexpr (N > 0) rows = shape[0];
    if (r.read_rows(a.data(), rows) != rows) throw error(r.name(), "truncated NPY data");
    return a;
}

/// Loads a whole NPY file ("-" = stdin) as xt::xtensor<T, N>; see read_npy_xt.
template <class T, std::size_t N> xt::xtensor<T, N> load_npy_xt(const std::string& path) {
    input in(path);
    return read_npy_xt<T, N>(in);
}

/// Saves an xtensor container (xt::xtensor, xt::xarray or xt::adapt, C order) atomically as NPY
/// ("-" = stdout), with the file dtype of its element type. No copy of the data is made.
template <class E> void save_npy_xt(const std::string& path, const E& a) {
    xtu::require_c_order(a, path.c_str());
    save_npy(path, xtu::shape_of(a), a.data());
}

}  // namespace jetml
