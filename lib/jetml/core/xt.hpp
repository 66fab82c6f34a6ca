// SPDX-License-Identifier: MIT
// jetml/core/xt.hpp - the xtensor pieces every *_xt.hpp companion shares: contiguous-storage checks and shapes.
#pragma once
#include <cstddef>
#include <string>
#include <type_traits>
#include <vector>

#include <xtensor/xadapt.hpp>
#include <xtensor/xtensor.hpp>

#include "jetml/core/error.hpp"

namespace jetml::xtu {

/// True for the xtensor types whose storage the library can read in place: xt::xtensor, xt::xarray
/// and xt::adapt results (every xt::xcontainer). Lazy expressions and views are not: evaluate them
/// first (xt::eval), as STYLE.md's xtensor rules ask.
template <class E>
constexpr bool is_container_v = std::is_base_of_v<xt::xcontainer<std::decay_t<E>>, std::decay_t<E>>;

/// Throws jetml::error unless `e` is row-major with strides that make it contiguous (so `e.data()`
/// holds its elements in C order, as every jetml kernel expects). `what` names it in the message.
template <class E> void require_c_order(const E& e, const char* what) {
    static_assert(is_container_v<E>, "jetml: pass an xt::xtensor, xt::xarray or xt::adapt (xt::eval a view first)");
    std::size_t stride = 1;
    for (std::size_t k = e.dimension(); k-- > 0;) {
        if (e.shape()[k] != 1 && std::size_t(e.strides()[k]) != stride)
            throw error(std::string(what) + ": the array must be contiguous in C (row-major) order");
        stride *= e.shape()[k];
    }
}

/// The shape of `e` as the std::vector the plain API takes.
template <class E> std::vector<std::size_t> shape_of(const E& e) {
    return std::vector<std::size_t>(e.shape().begin(), e.shape().end());
}

/// A non-owning 1-d view over n elements at p (no copy).
template <class T> auto adapt_1d(T* p, std::size_t n) {
    return xt::adapt(p, n, xt::no_ownership(), std::array<std::size_t, 1>{n});
}

}  // namespace jetml::xtu
