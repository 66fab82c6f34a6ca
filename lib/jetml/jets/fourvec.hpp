// SPDX-License-Identifier: MIT
// jetml/jets/fourvec.hpp - a four-momentum (px, py, pz, E) with FastJet's kinematic conventions.
//
// Conventions (GeV = 1), chosen to agree with FastJet 3.4's PseudoJet:
//  - rap() is the rapidity y = 0.5 ln((E+pz)/(E-pz)), computed in the round-off-safe form
//    0.5 ln((pT^2 + max(m^2, 0)) / (E + |pz|)^2) with the sign of pz; a particle with pT = 0 and
//    E == |pz| gets y = +-(max_rap + |pz|) (max_rap = 1e5), so distinct beam-like momenta keep
//    distinct rapidities.
//  - phi() is in [0, 2pi) (FastJet's phi()); phi_std() is in (-pi, pi]. pT = 0 gives phi = 0.
//  - eta() is the pseudorapidity asinh(pz/pT); pT = 0 gives +-(max_rap + |pz|) (FastJet returns
//    +max_rap whatever the sign of pz; jetml keeps the sign).
//  - m() is sqrt(m^2) with the sign of m^2 (negative for tachyonic round-off), m2() = (E+pz)(E-pz) - pT^2.
#pragma once
#include <cmath>
#include <cstdio>
#include <string>

namespace jetml {

/// pi and 2 pi as FastJet uses them (the nearest doubles).
inline constexpr double pi = 3.141592653589793238462643383279502884197;
inline constexpr double twopi = 6.283185307179586476925286766559005768394;
/// Rapidity given to momenta with pT = 0 and E == |pz| (plus |pz|), as FastJet's MaxRap.
inline constexpr double max_rap = 1e5;

/// A four-momentum with an integer tag (user_index) and, for jets made by a
/// cluster_sequence, the index of its step in the clustering history.
class fourvec {
public:
    /// The zero vector.
    fourvec() = default;
    /// From Cartesian components (GeV).
    fourvec(double px, double py, double pz, double E) : px_(px), py_(py), pz_(pz), E_(E) {}

    /// From transverse momentum, rapidity, azimuth (any value in (-2pi, 4pi)) and mass.
    static fourvec from_pt_y_phi_m(double pt, double y, double phi, double m = 0.0) {
        const double mt = (m == 0.0) ? pt : std::sqrt(pt * pt + m * m);
        const double ey = std::exp(y);
        const double pplus = mt * ey, pminus = mt / ey;
        return fourvec(pt * std::cos(phi), pt * std::sin(phi), 0.5 * (pplus - pminus), 0.5 * (pplus + pminus));
    }
    /// From transverse momentum, pseudorapidity, azimuth and mass.
    static fourvec from_pt_eta_phi_m(double pt, double eta, double phi, double m = 0.0) {
        const double px = pt * std::cos(phi), py = pt * std::sin(phi), pz = pt * std::sinh(eta);
        return fourvec(px, py, pz, std::sqrt(px * px + py * py + pz * pz + m * m));
    }

    double px() const { return px_; }
    double py() const { return py_; }
    double pz() const { return pz_; }
    double E() const { return E_; }
    /// pT^2 = px^2 + py^2.
    double pt2() const { return px_ * px_ + py_ * py_; }
    /// Transverse momentum.
    double pt() const { return std::sqrt(pt2()); }
    /// m^2 = (E + pz)(E - pz) - pT^2 (this form loses less precision for fast particles).
    double m2() const { return (E_ + pz_) * (E_ - pz_) - pt2(); }
    /// Mass; negative when m^2 < 0 (round-off), as FastJet.
    double m() const {
        const double mm = m2();
        return mm < 0.0 ? -std::sqrt(-mm) : std::sqrt(mm);
    }
    /// |p|^2 and |p|.
    double modp2() const { return pt2() + pz_ * pz_; }
    double modp() const { return std::sqrt(modp2()); }
    /// Transverse mass sqrt(pT^2 + m^2) (as FastJet's mt(): from E^2 - pz^2).
    double mt() const { return std::sqrt(std::abs((E_ + pz_) * (E_ - pz_))); }
    /// Azimuth in [0, 2pi); 0 when pT = 0.
    double phi() const { return phi_of(px_, py_); }
    /// Azimuth in (-pi, pi].
    double phi_std() const {
        const double f = phi();
        return f > pi ? f - twopi : f;
    }
    /// Rapidity (FastJet convention, see the file comment).
    double rap() const { return rap_of(px_, py_, pz_, E_); }
    /// Pseudorapidity (see the file comment for pT = 0).
    double eta() const {
        const double pt = this->pt();
        if (pt == 0.0) return pz_ >= 0.0 ? max_rap + pz_ : -(max_rap - pz_);
        return std::asinh(pz_ / pt);
    }
    /// Delta y^2 + Delta phi^2 to `o` (Delta phi folded into [0, pi]).
    double squared_distance(const fourvec& o) const { return rap_phi_distance2(rap(), phi(), o.rap(), o.phi()); }
    /// sqrt(squared_distance(o)).
    double delta_R(const fourvec& o) const { return std::sqrt(squared_distance(o)); }
    /// phi(o) - phi(this), folded into [-pi, pi].
    double delta_phi_to(const fourvec& o) const {
        double d = o.phi() - phi();
        if (d > pi) d -= twopi;
        if (d < -pi) d += twopi;
        return d;
    }

    /// The user's integer tag (default -1); kept through clustering on the input particles.
    int user_index() const { return user_index_; }
    void set_user_index(int i) { user_index_ = i; }
    /// Index of this jet's step in its cluster_sequence's history; -1 if not from a clustering.
    int cluster_hist_index() const { return hist_index_; }
    void set_cluster_hist_index(int i) { hist_index_ = i; }

    fourvec& operator+=(const fourvec& o) {
        px_ += o.px_;
        py_ += o.py_;
        pz_ += o.pz_;
        E_ += o.E_;
        return *this;
    }
    fourvec& operator-=(const fourvec& o) {
        px_ -= o.px_;
        py_ -= o.py_;
        pz_ -= o.pz_;
        E_ -= o.E_;
        return *this;
    }
    fourvec& operator*=(double s) {
        px_ *= s;
        py_ *= s;
        pz_ *= s;
        E_ *= s;
        return *this;
    }

    /// Azimuth of (px, py) in [0, 2pi), 0 for px = py = 0 (FastJet's rule).
    static double phi_of(double px, double py) {
        if (px * px + py * py == 0.0) return 0.0;
        double f = std::atan2(py, px);
        if (f < 0.0) f += twopi;
        if (f >= twopi) f -= twopi;  // atan2 of a tiny negative angle + 2pi rounds to 2pi
        return f;
    }
    /// FastJet-convention rapidity of (px, py, pz, E).
    static double rap_of(double px, double py, double pz, double E) {
        const double kt2 = px * px + py * py;
        if (kt2 == 0.0 && E == std::abs(pz)) {
            const double r = max_rap + std::abs(pz);
            return pz >= 0.0 ? r : -r;
        }
        const double m2 = (E + pz) * (E - pz) - kt2;
        const double m2eff = m2 > 0.0 ? m2 : 0.0;
        const double eplus = E + std::abs(pz);
        const double y = 0.5 * std::log((kt2 + m2eff) / (eplus * eplus));
        return pz > 0.0 ? -y : y;
    }
    /// Delta y^2 + Delta phi^2 with phi in [0, 2pi): the clustering distance, evaluated exactly as
    /// FastJet does so that near-ties resolve the same way.
    static double rap_phi_distance2(double y1, double phi1, double y2, double phi2) {
        double dphi = std::abs(phi1 - phi2);
        // == (dphi > pi ? twopi - dphi : dphi) bit for bit, without a branch: for dphi > pi the
        // rounded twopi - dphi is <= pi < dphi, and for dphi <= pi it is >= dphi.
        const double other = twopi - dphi;
        dphi = other < dphi ? other : dphi;
        const double dy = y1 - y2;
        return dphi * dphi + dy * dy;
    }

private:
    double px_ = 0.0, py_ = 0.0, pz_ = 0.0, E_ = 0.0;
    int user_index_ = -1;
    int hist_index_ = -1;
};

/// Four-vector sum; the result has no user_index and no history index.
inline fourvec operator+(const fourvec& a, const fourvec& b) {
    return fourvec(a.px() + b.px(), a.py() + b.py(), a.pz() + b.pz(), a.E() + b.E());
}
/// Four-vector difference.
inline fourvec operator-(const fourvec& a, const fourvec& b) {
    return fourvec(a.px() - b.px(), a.py() - b.py(), a.pz() - b.pz(), a.E() - b.E());
}
/// Scaled four-vector.
inline fourvec operator*(double s, const fourvec& a) { return fourvec(s * a.px(), s * a.py(), s * a.pz(), s * a.E()); }

/// The rule for a constituent row (pT, eta, phi, m) of jetml's NPY (N, M, 4) arrays, the one
/// rule subjet and jetimg share (jetml-formats(5)): every value is finite; pT = 0 (or -0) marks
/// an unused slot (padding), which is skipped; pT < 0 is an error, never dropped quietly.
/// Returns "" for a good row or padding, else the problem in words for "jet J, constituent C: ...".
template <class T> std::string constituent_row_problem(const T* r) {
    for (int q = 0; q < 4; ++q)
        if (!std::isfinite(r[q])) return "non-finite value; expected finite (pT, eta, phi, m)";
    if (r[0] < 0) {
        char buf[96];
        std::snprintf(buf, sizeof buf, "negative pT %.9g; expected pT > 0, or 0 for padding", double(r[0]));
        return buf;
    }
    return "";
}

}  // namespace jetml
