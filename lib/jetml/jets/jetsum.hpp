// SPDX-License-Identifier: MIT
// jetml/jets/jetsum.hpp - kinematics of a jet as the E-scheme sum of its constituents.
#pragma once
#include <cstddef>

namespace jetml {

/// Kinematics of the four-vector sum of a jet's constituents.
struct jet_kinematics {
    double pt = 0, eta = 0, rap = 0, phi = 0, mass = 0, e = 0;  ///< GeV; phi in (-pi, pi]
    std::size_t nconst = 0;                                     ///< constituents with pT > 0
};

/// Sums `n` constituent rows (pT, eta, phi, m) starting at `rows` (stride 4 floats); rows with
/// pT <= 0 are padding and skipped. Computed in double.
jet_kinematics sum_constituents(const float* rows, std::size_t n);

}  // namespace jetml
