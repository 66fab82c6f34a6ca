// SPDX-License-Identifier: MIT
// jetml/jets/jetsum.cpp
#include "jetml/jets/jetsum.hpp"

#include <algorithm>
#include <cmath>

namespace jetml {

jet_kinematics sum_constituents(const float* rows, std::size_t n) {
    double px = 0, py = 0, pz = 0, e = 0;
    jet_kinematics k;
    for (std::size_t i = 0; i < n; ++i) {
        const float* r = rows + 4 * i;
        double pt = r[0];
        if (!(pt > 0)) continue;
        double eta = r[1], phi = r[2], m = r[3];
        double pzi = pt * std::sinh(eta);
        px += pt * std::cos(phi);
        py += pt * std::sin(phi);
        pz += pzi;
        e += std::sqrt(pt * pt + pzi * pzi + m * m);
        ++k.nconst;
    }
    k.e = e;
    k.pt = std::hypot(px, py);
    double p = std::sqrt(k.pt * k.pt + pz * pz);
    double m2 = (e - p) * (e + p);
    k.mass = m2 > 0 ? std::sqrt(m2) : 0.0;  // E-scheme sums of physical momenta have m2 >= 0 up to rounding
    k.phi = k.pt > 0 ? std::atan2(py, px) : 0.0;
    if (k.phi <= -M_PI) k.phi += 2 * M_PI;
    k.eta = k.pt > 0 ? std::asinh(pz / k.pt) : 0.0;
    k.rap = (e > std::abs(pz)) ? 0.5 * std::log((e + pz) / (e - pz)) : 0.0;
    return k;
}

}  // namespace jetml
