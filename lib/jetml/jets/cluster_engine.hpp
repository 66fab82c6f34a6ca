// SPDX-License-Identifier: MIT
// jetml/jets/cluster_engine.hpp - internal to the clustering: the state the plain and tiled strategies share.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "jetml/jets/cluster.hpp"

namespace jetml {

/// Pieces of the clustering engine shared by cluster.cpp, cluster_plain.cpp and cluster_tiled.cpp.
namespace cluster_detail {

/// +infinity: the d_iJ of a slot that is gone.
constexpr double inf = std::numeric_limits<double>::infinity();

/// Squared (y, phi) distance, phi periodic.
inline double dist2(double y1, double f1, double y2, double f2) {
    return fourvec::rap_phi_distance2(y1, f1, y2, f2);
}

/// The minimum of d_iJ over slots, kept in blocks of B slots with each block's minimum cached
/// (a square-root decomposition): an update rescans at most one block, the global minimum is a
/// scan over N/B block minima. Cheaper than a binary heap at the N of jet events (fewer,
/// better-predicted branches), and it is the same minimum: ties go to the lowest slot.
class block_min {
public:
    /// Fills the structure with v[0..n).
    void build(const double* v, int n) {
        bsize_ = 16;
        while (bsize_ * bsize_ < n && bsize_ < 64) bsize_ *= 2;
        nblocks_ = (n + bsize_ - 1) / bsize_;
        val_.assign(static_cast<std::size_t>(nblocks_) * bsize_, inf);
        std::copy(v, v + n, val_.begin());
        bmin_.assign((nblocks_ + 3) & ~3, inf);  // padded to a multiple of 4 for first_min
        bidx_.resize(nblocks_);
        for (int b = 0; b < nblocks_; ++b) rescan(b);
    }
    /// Sets slot's value, keeping its block minimum.
    void update(int slot, double value) {
        const int b = slot / bsize_;
        val_[slot] = value;
        if (value < bmin_[b]) {
            bmin_[b] = value;
            bidx_[b] = slot;
        } else if (bidx_[b] == slot) {
            rescan(b);
        }
    }
    /// Slot of the smallest value (the lowest such slot).
    int top_slot() const { return bidx_[first_min(bmin_.data(), static_cast<int>(bmin_.size()))]; }
    /// The value stored in slot.
    double value(int slot) const { return val_[slot]; }

private:
    /// Index of the first smallest of p[0..n) (n a multiple of 4, no NaN): the minimum in four
    /// branch-free lanes (minpd), then the first index holding it. The same index as a scan with
    /// a strict <, without its mispredicted branches.
    static int first_min(const double* p, int n) {
        double m0 = p[0], m1 = p[1], m2 = p[2], m3 = p[3];
        for (int i = 4; i < n; i += 4) {
            m0 = p[i] < m0 ? p[i] : m0;
            m1 = p[i + 1] < m1 ? p[i + 1] : m1;
            m2 = p[i + 2] < m2 ? p[i + 2] : m2;
            m3 = p[i + 3] < m3 ? p[i + 3] : m3;
        }
        m0 = m1 < m0 ? m1 : m0;
        m2 = m3 < m2 ? m3 : m2;
        const double m = m2 < m0 ? m2 : m0;
        int i = 0;
        while (p[i] != m) ++i;
        return i;
    }
    void rescan(int b) {
        const double* p = val_.data() + static_cast<std::size_t>(b) * bsize_;
        const int bi = first_min(p, bsize_);
        bmin_[b] = p[bi];
        bidx_[b] = b * bsize_ + bi;
    }
    int bsize_ = 16, nblocks_ = 0;
    std::vector<double> val_, bmin_;
    std::vector<int> bidx_;
};

/// A particle as stored in its tile: position, a copy of its nearest-neighbour distance (0 while
/// it waits for a new search, so that no scan updates it) and slot, contiguous for the loops.
struct tile_entry {
    double y, f, nnd;
    int slot;
};
struct tile_info {
    int begin, count, cap;
};

/// Scratch memory of the clustering, kept per thread and reused from event to event: fresh
/// pages cost far more than the clustering itself on these machines (first touch ~12 us per
/// 4 KiB page, see STYLE.md), so nothing here is freed between events.
struct workspace {
    std::vector<double> d;
    std::vector<int> i;
    std::vector<tile_info> tiles;
    std::vector<double> tmax;
    std::vector<tile_entry> pool;
    std::vector<int> off_dr, off_dc, ring_start, pending, dirty, nbr;
    int nbr_ny = -1, nbr_nphi = -1;  // grid shape nbr was built for
    std::vector<double> gbuf;
    block_min heap;
};

/// This thread's workspace (defined in cluster.cpp). The engine takes it as a parameter: a
/// reference bound to the thread_local itself is re-resolved through __tls_get_addr at every use
/// inside the lambdas of a shared library (measured: 3% of the clustering time).
workspace& thread_workspace();

}  // namespace cluster_detail

/// Clustering state shared by the two strategies; a friend of cluster_sequence.
struct cluster_engine {
    cluster_sequence& cs;
    double R2, invR2;
    jet_algorithm alg;
    double p;
    recombination_scheme scheme;

    explicit cluster_engine(cluster_sequence& c)
        : cs(c),
          R2(c.def_.R() * c.def_.R()),
          invR2(1.0 / R2),
          alg(c.def_.algorithm()),
          p(c.def_.p()),
          scheme(c.def_.scheme()) {}

    /// kt^2p for the algorithm, with FastJet's guards against kt = 0.
    double scale(double kt2) const {
        switch (alg) {
            case jet_algorithm::kt: return kt2;
            case jet_algorithm::cambridge: return 1.0;
            case jet_algorithm::antikt: return kt2 > 1e-300 ? 1.0 / kt2 : 1e300;
            case jet_algorithm::genkt:
            default:
                if (p <= 0.0 && kt2 < 1e-300) kt2 = 1e-300;
                return std::pow(kt2, p);
        }
    }
    /// Number of input particles, jet radius, and the rapidity / phi of jet j (cs.jets_ index).
    int n_particles() const { return cs.n_; }
    double R() const { return cs.def_.R(); }
    double rap(int j) const { return cs.rap_[j]; }
    double phi(int j) const { return cs.phi_[j]; }

    double scale_of_jet(int j) const {
        const fourvec& v = cs.jets_[j];
        return scale(v.px() * v.px() + v.py() * v.py());
    }

    /// Merges jets ja and jb (indices in jets_) at distance dij; returns the new jet's index.
    int merge(int ja, int jb, double dij) {
        const fourvec a = cs.jets_[ja], b = cs.jets_[jb];
        fourvec ab;
        double y, f;
        switch (scheme) {
            case recombination_scheme::e_scheme:
            default:
                ab = fourvec(a.px() + b.px(), a.py() + b.py(), a.pz() + b.pz(), a.E() + b.E());
                y = fourvec::rap_of(ab.px(), ab.py(), ab.pz(), ab.E());
                f = fourvec::phi_of(ab.px(), ab.py());
                break;
            case recombination_scheme::wta_pt_scheme: {
                const bool a_hard = a.pt2() >= b.pt2();
                const int jh = a_hard ? ja : jb;
                const fourvec& h = a_hard ? a : b;
                y = cs.rap_[jh];
                f = cs.phi_[jh];
                ab = fourvec::from_pt_y_phi_m(a.pt() + b.pt(), y, f, h.m());
                break;
            }
            case recombination_scheme::pt_scheme: {
                const double wa = a.pt(), wb = b.pt();
                const double ptab = wa + wb;
                if (ptab != 0.0) {
                    y = (wa * cs.rap_[ja] + wb * cs.rap_[jb]) / (wa + wb);
                    const double fa = cs.phi_[ja];
                    double fb = cs.phi_[jb];
                    if (fa - fb > pi) fb += twopi;
                    if (fa - fb < -pi) fb -= twopi;
                    f = (wa * fa + wb * fb) / (wa + wb);
                    ab = fourvec::from_pt_y_phi_m(ptab, y, f, 0.0);
                    if (f >= twopi) f -= twopi;
                    if (f < 0.0) f += twopi;
                } else {
                    ab = fourvec(0.0, 0.0, 0.0, 0.0);
                    y = fourvec::rap_of(0.0, 0.0, 0.0, 0.0);
                    f = 0.0;
                }
                break;
            }
        }
        const int k = static_cast<int>(cs.jets_.size());
        const int step = static_cast<int>(cs.history_.size());
        const int ha = a.cluster_hist_index(), hb = b.cluster_hist_index();
        ab.set_cluster_hist_index(step);
        cs.jets_.push_back(ab);
        cs.rap_.push_back(y);
        cs.phi_.push_back(f);
        add_step(std::min(ha, hb), std::max(ha, hb), k, dij);
        return k;
    }
    /// Merges jet j with the beam at distance diB.
    void merge_beam(int j, double diB) { add_step(cs.jets_[j].cluster_hist_index(), cluster_sequence::beam, cluster_sequence::invalid, diB); }

    /// Appends a history step merging history entries p1 and p2 (or the beam) into jet.
    void add_step(int p1, int p2, int jet, double dij) {
        auto& h = cs.history_;
        const int step = static_cast<int>(h.size());
        const double mx = std::max(dij, h.back().max_dij_so_far);
        h.push_back(history_element{p1, p2, cluster_sequence::invalid, jet, dij, mx});
        h[p1].child = step;
        if (p2 >= 0) h[p2].child = step;
    }

    /// The plain N^2 strategy (cluster_plain.cpp).
    void run_plain(cluster_detail::workspace& ws);
    /// Returns false (doing nothing) when the tiling cannot be used (R too large for the phi range).
    bool run_tiled(double target_per_tile, cluster_detail::workspace& ws);
};

}  // namespace jetml
