// SPDX-License-Identifier: MIT
// jetml/decor/toy.hpp - the toy of Learning to Pivot (Louppe, Kagan, Cranmer, arXiv:1611.01046,
// section 5.1): Y = 0: x ~ N((0, 0), [[1, -0.5], [-0.5, 1]]); Y = 1: x | z ~ N((1, 1 + z), I);
// z ~ N(0, 1) for both classes; equal priors.
#pragma once
#include <cstddef>
#include <cmath>
#include <cstdint>

#include "jetml/data/labelled.hpp"

namespace jetml::decor {

/// n toy events (x1, x2), labels alternating (even rows signal, odd rows background),
/// unit weights and side column "z". Row i draws from jetml::rng(seed, i), so any prefix of a
/// larger sample is the smaller sample. With `fixed_z` finite, every row has z = fixed_z.
data::labelled_set pivot_toy(std::size_t n, std::uint64_t seed, double fixed_z = NAN);

}  // namespace jetml::decor
