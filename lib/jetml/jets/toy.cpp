// SPDX-License-Identifier: MIT
// jetml/jets/toy.cpp - the toy shower behind jetgen.
#include "jetml/jets/toy.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "jetml/core/error.hpp"
#include "jetml/core/rng.hpp"

namespace jetml {

namespace {
constexpr double pi = 3.14159265358979323846;
constexpr double CF = 4.0 / 3.0, CA = 3.0;
constexpr double m_pion = 0.13957, m_w = 80.379, g_w = 2.085, m_z = 91.1876, g_z = 2.4952;
constexpr double m_top = 172.5, g_top = 1.42;

struct parton {
    double pt, y, phi;
};

double wrap_phi(double phi) {  // into (-pi, pi]
    phi = std::fmod(phi, 2 * pi);
    if (phi <= -pi) phi += 2 * pi;
    if (phi > pi) phi -= 2 * pi;
    return phi;
}

struct p4 {
    double px, py, pz, e;
};
parton to_parton(const p4& p) {
    double pt = std::hypot(p.px, p.py);
    double y = 0.5 * std::log((p.e + p.pz) / (p.e - p.pz));
    return {pt, y, std::atan2(p.py, p.px)};
}
/// Boosts p (given in the rest frame of P) into the frame where P has momentum P.
p4 boost(const p4& p, const p4& P, double M) {
    double bx = P.px / P.e, by = P.py / P.e, bz = P.pz / P.e;
    double gamma = P.e / M;
    double bp = bx * p.px + by * p.py + bz * p.pz;
    double b2 = bx * bx + by * by + bz * bz;
    double g2 = b2 > 0 ? (gamma - 1) / b2 : 0;
    return {p.px + g2 * bp * bx + gamma * bx * p.e, p.py + g2 * bp * by + gamma * by * p.e,
            p.pz + g2 * bp * bz + gamma * bz * p.e, gamma * (p.e + bp)};
}
/// Two-body decay of a particle (lab momentum P, mass M) into masses m1, m2, isotropic.
void decay(const p4& P, double M, double m1, double m2, rng& r, p4& d1, p4& d2) {
    double q = std::sqrt(std::max(0.0, (M * M - (m1 + m2) * (m1 + m2)) * (M * M - (m1 - m2) * (m1 - m2)))) / (2 * M);
    double c = r.uniform(-1, 1), s = std::sqrt(1 - c * c), ph = r.uniform(0, 2 * pi);
    p4 a{q * s * std::cos(ph), q * s * std::sin(ph), q * c, std::sqrt(q * q + m1 * m1)};
    p4 b{-a.px, -a.py, -a.pz, std::sqrt(q * q + m2 * m2)};
    d1 = boost(a, P, M);
    d2 = boost(b, P, M);
}
double delta_r(const parton& a, const parton& b) {
    double dphi = wrap_phi(a.phi - b.phi);
    return std::hypot(a.y - b.y, dphi);
}

/// Angular-ordered soft-collinear cascade: emission density (2 alpha C / pi) dtheta/theta dz/z
/// with z > kt_cut/(pT theta), z < 1/2, sampled with the veto algorithm in decreasing theta.
void shower(parton p, double colour, double theta_max, const toy_params& par, rng& r, std::vector<parton>& out,
            int depth = 0) {
    const double theta_min = 1e-3;
    const double a = 2 * par.alpha_s * colour / pi;
    double theta = theta_max;
    while (depth < 64) {
        double lmax = std::log(p.pt * theta / (2 * par.kt_cut));
        if (lmax <= 0) break;
        double rmax = a * lmax;  // emission rate per unit ln(theta) at the current theta: an overestimate below
        theta *= std::exp(std::log(r.uniform() + 1e-300) / rmax);
        if (theta < theta_min) break;
        double l = std::log(p.pt * theta / (2 * par.kt_cut));
        if (l <= 0) break;
        if (r.uniform() * lmax > l) continue;  // veto
        double zmin = par.kt_cut / (p.pt * theta);
        double z = zmin * std::exp(r.uniform() * std::log(0.5 / zmin));
        double psi = r.uniform(0, 2 * pi), c = std::cos(psi), s = std::sin(psi);
        parton soft{z * p.pt, p.y + (1 - z) * theta * c, p.phi + (1 - z) * theta * s};
        p.pt *= 1 - z;
        p.y -= z * theta * c;
        p.phi -= z * theta * s;
        shower(soft, CA, theta, par, r, out, depth + 1);
    }
    out.push_back(p);
}

/// Splits each parton into a few hadrons (pions with 2/3 probability, photons otherwise) with
/// a small transverse smearing; the pT-weighted centre is kept.
void hadronise(const std::vector<parton>& partons, const toy_params& par, rng& r, std::vector<toy_particle>& out) {
    for (const auto& p : partons) {
        std::size_t n = 1 + r.poisson(par.multiplicity * 2.5 * std::log1p(p.pt / 1.0));
        double left = p.pt, sy = 0, sphi = 0;
        std::size_t first = out.size();
        for (std::size_t k = 0; k < n; ++k) {
            double f = (k + 1 == n) ? 1.0 : r.uniform(0.2, 0.8);
            double pt = left * f;
            left -= pt;
            double spread = std::min(0.05, 0.3 / std::max(pt, 0.3));
            double dy = spread * r.normal(), dphi = spread * r.normal();
            sy += pt * dy;
            sphi += pt * dphi;
            double m = r.uniform() < 2.0 / 3.0 ? m_pion : 0.0;
            out.push_back({pt, p.y + dy, p.phi + dphi, m});  // eta slot holds y until the end
        }
        for (std::size_t k = first; k < out.size(); ++k) {  // restore the parton's direction
            out[k].eta -= sy / p.pt;
            out[k].phi -= sphi / p.pt;
        }
    }
}
}  // namespace

toy_process parse_toy_process(const std::string& name) {
    if (name == "qcd") return toy_process::qcd;
    if (name == "quark") return toy_process::quark;
    if (name == "gluon") return toy_process::gluon;
    if (name == "w" || name == "W") return toy_process::w;
    if (name == "z" || name == "Z") return toy_process::z;
    if (name == "top" || name == "t") return toy_process::top;
    throw usage_error("unknown process '" + name + "'; expected qcd, quark, gluon, w, z or top");
}

const char* toy_process_name(toy_process p) {
    switch (p) {
        case toy_process::qcd: return "qcd";
        case toy_process::quark: return "quark";
        case toy_process::gluon: return "gluon";
        case toy_process::w: return "w";
        case toy_process::z: return "z";
        case toy_process::top: return "top";
    }
    return "?";
}

int toy_process_label(toy_process p) { return (p == toy_process::w || p == toy_process::z || p == toy_process::top) ? 1 : 0; }

std::string toy_params::description() const {
    std::ostringstream s;
    s << "toy jets: pT " << pt_min << "-" << pt_max << " GeV, |eta| < " << eta_max << ", R = " << radius
      << ", alpha_s = " << alpha_s << ", kt cut " << kt_cut << " GeV, multiplicity x" << multiplicity
      << ", pileup " << pileup << " GeV/area";
    return s.str();
}

std::vector<toy_particle> toy_jet(toy_process proc, const toy_params& par, std::uint64_t seed, std::uint64_t index) {
    rng r(seed, index);
    double pt = r.uniform(par.pt_min, par.pt_max);
    double eta = r.uniform(-par.eta_max, par.eta_max);
    double phi = r.uniform(-pi, pi);
    std::vector<parton> partons;
    parton axis{pt, eta, phi};
    auto resonance = [&](double m) {
        // the resonance has pseudorapidity eta; its rapidity follows from its mass
        double pz = pt * std::sinh(eta);
        double e = std::sqrt(pt * pt + pz * pz + m * m);
        p4 P{pt * std::cos(phi), pt * std::sin(phi), pz, e};
        axis = to_parton(P);
        return P;
    };
    switch (proc) {
        case toy_process::qcd:
        case toy_process::quark:
        case toy_process::gluon: {
            double c = proc == toy_process::quark ? CF : proc == toy_process::gluon ? CA : (r.uniform() < 0.5 ? CF : CA);
            shower({pt, eta, phi}, c, 1.5 * par.radius, par, r, partons);
            break;
        }
        case toy_process::w:
        case toy_process::z: {
            double m = proc == toy_process::w ? r.breit_wigner(m_w, g_w, m_w - 20, m_w + 20)
                                              : r.breit_wigner(m_z, g_z, m_z - 20, m_z + 20);
            p4 P = resonance(m), q1, q2;
            decay(P, m, 0, 0, r, q1, q2);
            parton a = to_parton(q1), b = to_parton(q2);
            double open = delta_r(a, b);  // colour singlet: radiation stays inside the dipole cone
            shower(a, CF, open, par, r, partons);
            shower(b, CF, open, par, r, partons);
            break;
        }
        case toy_process::top: {
            double mt = r.breit_wigner(m_top, g_top, m_top - 20, m_top + 20);
            double mw = r.breit_wigner(m_w, g_w, m_w - 20, std::min(m_w + 20, mt - 5));
            p4 T = resonance(mt), bq, W, q1, q2;
            decay(T, mt, 4.8, mw, r, bq, W);
            decay(W, mw, 0, 0, r, q1, q2);
            parton b = to_parton(bq), a1 = to_parton(q1), a2 = to_parton(q2);
            double open = delta_r(a1, a2);
            shower(b, CF, std::max(delta_r(b, a1), delta_r(b, a2)), par, r, partons);
            shower(a1, CF, open, par, r, partons);
            shower(a2, CF, open, par, r, partons);
            break;
        }
    }
    std::vector<toy_particle> hadrons;
    hadronise(partons, par, r, hadrons);
    if (par.pileup > 0) {
        const double mean_pt = 0.6;
        double area = pi * par.radius * par.radius;
        std::uint64_t n = r.poisson(par.pileup * area / mean_pt);
        for (std::uint64_t k = 0; k < n; ++k) {
            double rr = par.radius * std::sqrt(r.uniform()), ang = r.uniform(0, 2 * pi);
            hadrons.push_back({mean_pt * r.exponential(), axis.y + rr * std::cos(ang), axis.phi + rr * std::sin(ang),
                               r.uniform() < 2.0 / 3.0 ? m_pion : 0.0});
        }
    }
    // keep particles within R of the axis; convert rapidity to pseudorapidity
    std::vector<toy_particle> jet;
    jet.reserve(hadrons.size());
    for (auto& h : hadrons) {
        double dphi = wrap_phi(h.phi - axis.phi);
        double dy = h.eta - axis.y;
        if (dy * dy + dphi * dphi >= par.radius * par.radius || !(h.pt > 0)) continue;
        double mt = std::sqrt(h.pt * h.pt + h.m * h.m);
        double pz = mt * std::sinh(h.eta);
        jet.push_back({h.pt, std::asinh(pz / h.pt), wrap_phi(h.phi), h.m});
    }
    std::sort(jet.begin(), jet.end(), [](const toy_particle& a, const toy_particle& b) { return a.pt > b.pt; });
    return jet;
}

// ---------------------------------------------------------------- permutation

index_permutation::index_permutation(std::uint64_t n, std::uint64_t seed) : n_(n) {
    int bits = 2;
    while (bits < 64 && (std::uint64_t(1) << bits) < n) ++bits;
    if (bits % 2) ++bits;
    half_bits_ = bits / 2;
    mask_ = (std::uint64_t(1) << half_bits_) - 1;
    std::uint64_t x = seed ^ 0x5851F42D4C957F2Dull;
    for (auto& k : keys_) k = splitmix64(x);
}

std::uint64_t index_permutation::round(std::uint64_t x, int r) const {
    std::uint64_t z = x ^ keys_[r];
    z = (z ^ (z >> 31)) * 0x7FB5D329728EA185ull;
    z = (z ^ (z >> 27)) * 0x81DADEF4BC2DD44Dull;
    return (z ^ (z >> 33)) & mask_;
}

std::uint64_t index_permutation::operator()(std::uint64_t i) const {
    std::uint64_t x = i;
    do {  // cycle-walk until the value falls inside [0, n)
        std::uint64_t left = x >> half_bits_, right = x & mask_;
        for (int r = 0; r < 4; ++r) {
            std::uint64_t next = left ^ round(right, r);
            left = right;
            right = next;
        }
        x = (left << half_bits_) | right;
    } while (x >= n_);
    return x;
}

}  // namespace jetml
