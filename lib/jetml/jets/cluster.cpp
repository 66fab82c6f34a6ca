// SPDX-License-Identifier: MIT
// jetml/jets/cluster.cpp - jet clustering: definitions, the two implementations, history queries.
#include "jetml/jets/cluster.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <utility>

#include "jetml/core/error.hpp"

namespace jetml {

// ===================================================================== jet_definition

jet_definition::jet_definition(jet_algorithm algorithm, double R, recombination_scheme scheme,
                               cluster_strategy strategy)
    : jet_definition(algorithm, R, algorithm == jet_algorithm::kt ? 1.0 : algorithm == jet_algorithm::antikt ? -1.0 : 0.0,
                     scheme, strategy) {
    if (algorithm == jet_algorithm::genkt)
        throw usage_error("the generalised kt algorithm needs its exponent p");
}

jet_definition::jet_definition(jet_algorithm algorithm, double R, double p, recombination_scheme scheme,
                               cluster_strategy strategy)
    : algorithm_(algorithm), R_(R), p_(p), scheme_(scheme), strategy_(strategy) {
    if (!(R > 0.0) || R > max_allowable_R) {
        std::ostringstream m;
        m << "jet radius R must be in (0, " << max_allowable_R << "], got " << R;
        throw usage_error(m.str());
    }
    if (!std::isfinite(p)) throw usage_error("generalised kt exponent p must be finite");
    switch (algorithm) {
        case jet_algorithm::kt: p_ = 1.0; break;
        case jet_algorithm::cambridge: p_ = 0.0; break;
        case jet_algorithm::antikt: p_ = -1.0; break;
        case jet_algorithm::genkt: break;
        default: throw usage_error("unknown jet algorithm");
    }
}

std::string jet_definition::description() const {
    std::ostringstream s;
    s << "Longitudinally invariant ";
    switch (algorithm_) {
        case jet_algorithm::kt: s << "kt algorithm with R = " << R_; break;
        case jet_algorithm::cambridge: s << "Cambridge/Aachen algorithm with R = " << R_; break;
        case jet_algorithm::antikt: s << "anti-kt algorithm with R = " << R_; break;
        case jet_algorithm::genkt: s << "generalised kt algorithm with R = " << R_ << ", p = " << p_; break;
    }
    switch (scheme_) {
        case recombination_scheme::e_scheme: s << " and E scheme recombination"; break;
        case recombination_scheme::pt_scheme: s << " and pt scheme recombination"; break;
        case recombination_scheme::wta_pt_scheme: s << " and pt-ordered Winner-Takes-All recombination"; break;
    }
    return s.str();
}

// ===================================================================== the engine

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

inline double dist2(double y1, double f1, double y2, double f2) {
    return fourvec::rap_phi_distance2(y1, f1, y2, f2);
}

/// The minimum of d_iJ over slots, kept in blocks of B slots with each block's minimum cached
/// (a square-root decomposition): an update rescans at most one block, the global minimum is a
/// scan over N/B block minima. Cheaper than a binary heap at the N of jet events (fewer,
/// better-predicted branches), and it is the same minimum: ties go to the lowest slot.
class block_min {
public:
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
thread_local workspace tls_ws;
/// This thread's workspace. The engine takes it as a parameter: a reference bound to the
/// thread_local itself is re-resolved through __tls_get_addr at every use inside the lambdas of
/// a shared library (measured: 3% of the clustering time).
[[gnu::noinline]] workspace& thread_workspace() { return tls_ws; }

}  // namespace

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

    void add_step(int p1, int p2, int jet, double dij) {
        auto& h = cs.history_;
        const int step = static_cast<int>(h.size());
        const double mx = std::max(dij, h.back().max_dij_so_far);
        h.push_back(history_element{p1, p2, cluster_sequence::invalid, jet, dij, mx});
        h[p1].child = step;
        if (p2 >= 0) h[p2].child = step;
    }

    void run_plain(workspace& ws);
    /// Returns false (doing nothing) when the tiling cannot be used (R too large for the phi range).
    bool run_tiled(double target_per_tile, workspace& ws);
};

// ---------------------------------------------------------------- plain N^2 (FastJet N2Plain steps)

void cluster_engine::run_plain(workspace& ws) {
    const int n0 = cs.n_;
    if (n0 == 0) return;
    std::vector<double>& buf = ws.d;
    buf.resize(5 * static_cast<std::size_t>(n0));
    double* y = buf.data();
    double* f = y + n0;
    double* sc = f + n0;
    double* nnd = sc + n0;
    double* dij = nnd + n0;
    std::vector<int>& ibuf = ws.i;
    ibuf.resize(2 * static_cast<std::size_t>(n0));
    int* nn = ibuf.data();
    int* jet = nn + n0;

    for (int i = 0; i < n0; ++i) {
        y[i] = cs.rap_[i];
        f[i] = cs.phi_[i];
        sc[i] = scale_of_jet(i);
        nn[i] = -1;
        nnd[i] = R2;
        jet[i] = i;
    }
    // Nearest neighbours: each particle against all earlier ones, updating both sides.
    for (int j = 1; j < n0; ++j) {
        double best = R2;
        int bi = -1;
        for (int i = 0; i < j; ++i) {
            const double d = dist2(y[j], f[j], y[i], f[i]);
            if (d < best) {
                best = d;
                bi = i;
            }
            if (d < nnd[i]) {
                nnd[i] = d;
                nn[i] = j;
            }
        }
        nn[j] = bi;
        nnd[j] = best;
    }
    auto diJ = [&](int i) {
        double s = sc[i];
        if (nn[i] >= 0 && sc[nn[i]] < s) s = sc[nn[i]];
        return nnd[i] * s;
    };
    auto search = [&](int i, int n) {  // nearest neighbour of slot i among slots [0, n)
        double best = R2;
        int bi = -1;
        for (int j = 0; j < n; ++j) {
            if (j == i) continue;
            const double d = dist2(y[i], f[i], y[j], f[j]);
            if (d < best) {
                best = d;
                bi = j;
            }
        }
        nn[i] = bi;
        nnd[i] = best;
    };
    for (int i = 0; i < n0; ++i) dij[i] = diJ(i);

    // the first minimum of d_iJ (strict <: the lowest slot wins a tie, as in FastJet)
    int amin = 0;
    for (int i = 1; i < n0; ++i)
        if (dij[i] < dij[amin]) amin = i;
    for (int n = n0; n > 0;) {
        int a = amin;
        double dmin = dij[a];
        int b = nn[a];
        dmin *= invR2;
        if (b >= 0) {
            if (a < b) std::swap(a, b);  // the new jet takes the lower slot
            const int k = merge(jet[a], jet[b], dmin);
            jet[b] = k;
            y[b] = cs.rap_[k];
            f[b] = cs.phi_[k];
            sc[b] = scale_of_jet(k);
            nn[b] = -1;
            nnd[b] = R2;
        } else {
            merge_beam(jet[a], dmin);
        }
        --n;
        const int tail = n;  // the last slot moves into slot a
        y[a] = y[tail];
        f[a] = f[tail];
        sc[a] = sc[tail];
        nn[a] = nn[tail];
        nnd[a] = nnd[tail];
        jet[a] = jet[tail];
        dij[a] = dij[tail];
        amin = -1;
        for (int i = 0; i < n; ++i) {
            if (nn[i] == a || (b >= 0 && nn[i] == b)) search(i, n);
            if (b >= 0 && i != b) {
                const double d = dist2(y[i], f[i], y[b], f[b]);
                if (d < nnd[i]) {
                    nnd[i] = d;
                    nn[i] = b;
                }
                if (d < nnd[b]) {
                    nnd[b] = d;
                    nn[b] = i;
                }
            }
            if (nn[i] == tail) nn[i] = a;
            // nn[i] is final here except for slot b (updated by every later i), so d_iJ and the
            // next minimum are taken in the same pass, and b's afterwards
            if (i != b) {
                dij[i] = diJ(i);
                if (amin < 0 || dij[i] < dij[amin]) amin = i;
            }
        }
        if (b >= 0) {
            dij[b] = diJ(b);
            if (amin < 0 || dij[b] < dij[amin] || (dij[b] == dij[amin] && b < amin)) amin = b;
        }
    }
}


// ---------------------------------------------------------------- tiled (y, phi) grid

bool cluster_engine::run_tiled(double target_per_tile, workspace& ws) {
    block_min& heap_ = ws.heap;
    const int n0 = cs.n_;
    const double R = cs.def_.R();
    // Rapidity range of the grid; particles outside it fall in the open-ended edge rows.
    constexpr double ylim = 15.0;
    double lo = inf, hi = -inf;
    for (int i = 0; i < n0; ++i) {
        const double yy = cs.rap_[i];
        if (yy > -ylim && yy < ylim) {
            lo = std::min(lo, yy);
            hi = std::max(hi, yy);
        }
    }
    if (!(lo <= hi)) lo = hi = 0.0;
    // Tile side t ~ sqrt(area * target / N), between R/8 (so at most 8 rings cover R) and R
    // (larger tiles only add pairs farther apart than R to every scan).
    const double area = std::max(hi - lo, R) * twopi;
    double t = std::sqrt(area * target_per_tile / std::max(n0, 1));
    t = std::max(std::min(t, R), R / 8.0);
    // k rings of tiles cover any distance < R; the 1e-9 margin keeps points at distance just
    // below R (after round-off in the tile assignment) inside the k rings.
    const int k = std::max(1, static_cast<int>(std::ceil(R / t - 1e-6)));
    t = R * (1.0 + 1e-9) / k;
    const int nphi = static_cast<int>(std::floor(twopi / t));
    if (nphi < 2 * k + 1) return false;  // the phi window would wrap onto itself
    const double w = twopi / nphi;
    const int ny = std::max(1, static_cast<int>(std::ceil((hi - lo) / t)));
    const int span = 2 * k + 1;

    auto row_of = [&](double yy) {
        const double q = std::floor((yy - lo) / t);
        if (!(q > 0.0)) return 0;  // also NaN
        if (q >= ny - 1) return ny - 1;
        return static_cast<int>(q);
    };
    auto col_of = [&](double ff) {
        if (!(ff >= 0.0)) return 0;  // also NaN (from a NaN input momentum)
        const int c = static_cast<int>(std::min(ff / w, static_cast<double>(nphi)));
        return c < 0 ? 0 : (c >= nphi ? nphi - 1 : c);
    };

    // ---- per-slot state
    std::vector<double>& dbuf = ws.d;
    dbuf.resize(5 * static_cast<std::size_t>(n0));
    double* y = dbuf.data();
    double* f = y + n0;
    double* sc = f + n0;
    double* nnd = sc + n0;
    double* scratch_d = nnd + n0;
    std::vector<int>& ibuf = ws.i;
    ibuf.resize(8 * static_cast<std::size_t>(n0));
    int* nn = ibuf.data();  // >= 0 neighbour, -1 none within R, -2 pending a search
    int* jet = nn + n0;
    int* tile = jet + n0;
    int* tpos = tile + n0;
    int* rh = tpos + n0;  // head of the list of slots whose neighbour is this slot
    int* rn = rh + n0;
    int* rp = rn + n0;
    int* scratch = rp + n0;
    (void)scratch;

    // ---- tiles
    std::vector<tile_info>& tiles = ws.tiles;
    tiles.assign(static_cast<std::size_t>(ny) * nphi, tile_info{0, 0, 0});
    // tmax[t]: an upper bound of the NN distance of tile t's (non-pending) members, 0 if empty
    std::vector<double>& tmax = ws.tmax;
    tmax.assign(tiles.size(), 0.0);
    for (int i = 0; i < n0; ++i) {
        y[i] = cs.rap_[i];
        f[i] = cs.phi_[i];
        sc[i] = scale_of_jet(i);
        jet[i] = i;
        tile[i] = row_of(y[i]) * nphi + col_of(f[i]);
        ++tiles[tile[i]].cap;
    }
    int total = 0;
    for (auto& T : tiles) {
        T.cap += 2;  // room for merged jets that move into the tile
        T.begin = total;
        total += T.cap;
    }
    std::vector<tile_entry>& pool = ws.pool;
    pool.clear();
    pool.reserve(static_cast<std::size_t>(total) + n0);
    pool.resize(total);
    auto insert = [&](int s) {
        tile_info& T = tiles[tile[s]];
        if (T.count == T.cap) {  // move the tile's block to the end of the pool, doubled
            const int nb = static_cast<int>(pool.size());
            pool.resize(pool.size() + 2 * static_cast<std::size_t>(T.cap));
            std::copy(pool.begin() + T.begin, pool.begin() + T.begin + T.count, pool.begin() + nb);
            T.begin = nb;
            T.cap *= 2;
        }
        pool[T.begin + T.count] = tile_entry{y[s], f[s], nnd[s], s};
        tpos[s] = T.count++;
    };
    auto remove = [&](int s) {
        tile_info& T = tiles[tile[s]];
        const int last = T.begin + --T.count;
        const int here = T.begin + tpos[s];
        pool[here] = pool[last];
        tpos[pool[here].slot] = tpos[s];
        if (T.count == 0) tmax[tile[s]] = 0.0;
    };
    for (int i = 0; i < n0; ++i) {
        nnd[i] = R2;
        insert(i);
    }

    // ---- ring order of tile offsets: (0,0), then ring 1, ring 2, ... ring k
    std::vector<int>& off_dr = ws.off_dr;
    std::vector<int>& off_dc = ws.off_dc;
    std::vector<int>& ring_start = ws.ring_start;
    off_dr.clear();
    off_dc.clear();
    ring_start.clear();
    off_dr.reserve(static_cast<std::size_t>(span) * span);
    off_dc.reserve(static_cast<std::size_t>(span) * span);
    for (int r = 0; r <= k; ++r) {
        ring_start.push_back(static_cast<int>(off_dr.size()));
        for (int dr = -r; dr <= r; ++dr)
            for (int dc = -r; dc <= r; ++dc)
                if (std::max(std::abs(dr), std::abs(dc)) == r) {
                    off_dr.push_back(dr);
                    off_dc.push_back(dc);
                }
    }
    ring_start.push_back(static_cast<int>(off_dr.size()));

    // Squared lower bounds of the distance from (yy, ff) in tile (r0, c0) to the rows r0+dr and
    // columns c0+dc. The 1e-10 shaved off (in units of y and phi, far above the ~1e-14 round-off
    // of these differences) keeps the bound below every distance computed inside the tile.
    std::vector<double>& gbuf = ws.gbuf;
    gbuf.resize(2 * static_cast<std::size_t>(span));
    double* gy2 = gbuf.data() + k;  // indexed by dr in [-k, k]
    double* gf2 = gy2 + span;       // indexed by dc in [-k, k]
    constexpr double safety = 1e-10;
    auto gaps = [&](double yy, double ff, int r0, int c0) {
        gy2[0] = 0.0;
        gf2[0] = 0.0;
        for (int d = 1; d <= k; ++d) {
            const int ru = r0 + d, rd = r0 - d;
            if (ru < ny) {
                const double g = std::max(0.0, lo + ru * t - yy - safety);
                gy2[d] = g * g;
            } else {
                gy2[d] = inf;
            }
            if (rd >= 0) {
                const double g = rd == ny - 1 ? 0.0 : std::max(0.0, yy - (lo + (rd + 1) * t) - safety);
                gy2[-d] = g * g;
            } else {
                gy2[-d] = inf;
            }
            const double gu = std::max(0.0, (c0 + d) * w - ff - safety);
            const double gd = std::max(0.0, ff - (c0 - d + 1) * w - safety);
            gf2[d] = gu * gu;
            gf2[-d] = gd * gd;
        }
    };
    auto tile_at = [&](int r0, int c0, int dr, int dc) {
        int c = c0 + dc;
        if (c < 0) c += nphi;
        else if (c >= nphi) c -= nphi;
        return (r0 + dr) * nphi + c;
    };

    // With one ring (tiles of side ~R) every scan covers at most the 3x3 block around a tile, so
    // each tile keeps the list of its (up to 9) neighbour tiles, its own first, each with its
    // offset code (dr+1)*3 + (dc+1) to look up the distance bound of that neighbour.
    const bool one_ring = k == 1;
    constexpr int nbr_stride = 19;
    std::vector<int>& nbr = ws.nbr;
    if (one_ring && (ws.nbr_ny != ny || ws.nbr_nphi != nphi)) {  // depends on the grid shape only
        ws.nbr_ny = ny;
        ws.nbr_nphi = nphi;
        nbr.assign(tiles.size() * nbr_stride, -1);
        for (int r = 0; r < ny; ++r)
            for (int c = 0; c < nphi; ++c) {
                int* l = nbr.data() + (static_cast<std::size_t>(r) * nphi + c) * nbr_stride;
                int m = 0;
                l[1 + 2 * m] = r * nphi + c;
                l[2 + 2 * m++] = 4;
                for (int dr = -1; dr <= 1; ++dr)
                    for (int dc = -1; dc <= 1; ++dc) {
                        if ((dr == 0 && dc == 0) || r + dr < 0 || r + dr >= ny) continue;
                        l[1 + 2 * m] = tile_at(r, c, dr, dc);
                        l[2 + 2 * m++] = (dr + 1) * 3 + (dc + 1);
                    }
                l[0] = m;  // count
            }
    }
    double g9[9];
    auto gaps9 = [&](double yy, double ff, int t0) {  // squared bounds to the 3x3 neighbours
        const int r0 = t0 / nphi;
        gaps(yy, ff, r0, t0 - r0 * nphi);
        for (int dr = -1; dr <= 1; ++dr)
            for (int dc = -1; dc <= 1; ++dc) g9[(dr + 1) * 3 + (dc + 1)] = gy2[dr] + gf2[dc];
    };
    auto search1 = [&](int s, double& best_out) {
        const double ys = y[s], fs = f[s];
        const int* l = nbr.data() + static_cast<std::size_t>(tile[s]) * nbr_stride;
        gaps9(ys, fs, tile[s]);
        double best = R2;
        int bi = -1;
        for (int q = 0; q < l[0]; ++q) {
            if (g9[l[2 + 2 * q]] >= best) continue;
            const tile_info& T = tiles[l[1 + 2 * q]];
            const tile_entry* e = pool.data() + T.begin;
            for (int m = 0; m < T.count; ++m) {
                const double d = dist2(ys, fs, e[m].y, e[m].f);
                if (d < best && e[m].slot != s) {
                    best = d;
                    bi = e[m].slot;
                }
            }
        }
        best_out = best;
        return bi;
    };

    // Nearest neighbour of slot s among all other live slots (distance < R^2), by rings.
    auto search = [&](int s, double& best_out) {
        const double ys = y[s], fs = f[s];
        const int r0 = tile[s] / nphi, c0 = tile[s] - r0 * nphi;
        gaps(ys, fs, r0, c0);
        double best = R2;
        int bi = -1;
        for (int r = 0; r <= k; ++r) {
            if (r > 0 && std::min(std::min(gy2[r], gy2[-r]), std::min(gf2[r], gf2[-r])) >= best) break;
            for (int q = ring_start[r]; q < ring_start[r + 1]; ++q) {
                const int dr = off_dr[q], dc = off_dc[q];
                if (gy2[dr] + gf2[dc] >= best) continue;
                const tile_info& T = tiles[tile_at(r0, c0, dr, dc)];
                const tile_entry* e = pool.data() + T.begin;
                for (int m = 0; m < T.count; ++m) {
                    const double d = dist2(ys, fs, e[m].y, e[m].f);
                    if (d < best && e[m].slot != s) {
                        best = d;
                        bi = e[m].slot;
                    }
                }
            }
        }
        best_out = best;
        return bi;
    };

    auto unlink = [&](int s) {
        if (nn[s] < 0) return;
        const int pv = rp[s], nx = rn[s];
        if (pv >= 0) rn[pv] = nx;
        else rh[nn[s]] = nx;
        if (nx >= 0) rp[nx] = pv;
    };
    auto link = [&](int s, int target) {
        nn[s] = target;
        if (target < 0) return;
        const int h = rh[target];
        rn[s] = h;
        rp[s] = -1;
        if (h >= 0) rp[h] = s;
        rh[target] = s;
    };
    auto entry = [&](int s) -> tile_entry& { return pool[tiles[tile[s]].begin + tpos[s]]; };
    auto set_nn = [&](int s, int target, double d) {
        if (nn[s] != target) {
            unlink(s);
            link(s, target);
        }
        nnd[s] = d;
        entry(s).nnd = d;
        if (d > tmax[tile[s]]) tmax[tile[s]] = d;
    };
    auto diJ = [&](int s) {
        double v = sc[s];
        if (nn[s] >= 0 && sc[nn[s]] < v) v = sc[nn[s]];
        return nnd[s] * v;
    };

    // ---- initial neighbours, reverse lists, tile bounds, tree of d_iJ
    for (int i = 0; i < n0; ++i) {
        rh[i] = -1;
        nn[i] = -1;
    }
    if (one_ring) {
        // every pair once: inside each tile, and with the 4 "forward" neighbour tiles
        auto pair = [&](tile_entry& p, tile_entry& q) {
            const double d = dist2(p.y, p.f, q.y, q.f);
            if (d < p.nnd) {
                p.nnd = d;
                nn[p.slot] = q.slot;
            }
            if (d < q.nnd) {
                q.nnd = d;
                nn[q.slot] = p.slot;
            }
        };
        for (int r = 0; r < ny; ++r)
            for (int c = 0; c < nphi; ++c) {
                const tile_info& T = tiles[r * nphi + c];
                tile_entry* e = pool.data() + T.begin;
                for (int a1 = 0; a1 < T.count; ++a1)
                    for (int a2 = a1 + 1; a2 < T.count; ++a2) pair(e[a1], e[a2]);
                const int fwd[4][2] = {{0, 1}, {1, -1}, {1, 0}, {1, 1}};
                for (const auto& o : fwd) {
                    if (r + o[0] >= ny) continue;
                    const tile_info& U = tiles[tile_at(r, c, o[0], o[1])];
                    tile_entry* g = pool.data() + U.begin;
                    for (int a1 = 0; a1 < T.count; ++a1)
                        for (int a2 = 0; a2 < U.count; ++a2) pair(e[a1], g[a2]);
                }
            }
        for (int i = 0; i < n0; ++i) {
            const int t2 = nn[i];
            const double d = entry(i).nnd;
            nn[i] = -1;
            set_nn(i, t2, d);
        }
    } else {
        for (int i = 0; i < n0; ++i) {
            double d;
            const int b = search(i, d);
            set_nn(i, b, d);
        }
    }
    {
        double* v = scratch_d;
        for (int i = 0; i < n0; ++i) v[i] = diJ(i);
        heap_.build(v, n0);
    }

    std::vector<int>& pending = ws.pending;
    std::vector<int>& dirty = ws.dirty;
    for (int step = 0; step < n0; ++step) {
        int a = heap_.top_slot();
        double dmin = heap_.value(a) * invR2;
        int b = nn[a];
        pending.clear();
        dirty.clear();
        if (b >= 0) {
            if (a < b) std::swap(a, b);  // the new jet takes the lower slot, as in FastJet
            const int kj = merge(jet[a], jet[b], dmin);
            unlink(a);
            unlink(b);
            nn[a] = nn[b] = -1;
            for (int s = rh[a]; s >= 0; s = rn[s]) pending.push_back(s);
            for (int s = rh[b]; s >= 0; s = rn[s]) pending.push_back(s);
            rh[a] = rh[b] = -1;
            for (int s : pending) {
                nn[s] = -2;
                entry(s).nnd = 0.0;  // no scan updates it before its search
            }
            remove(a);
            remove(b);
            heap_.update(a, inf);
            // the merged jet goes into slot b
            jet[b] = kj;
            y[b] = cs.rap_[kj];
            f[b] = cs.phi_[kj];
            sc[b] = scale_of_jet(kj);
            tile[b] = row_of(y[b]) * nphi + col_of(f[b]);
            // Find b's neighbour and make b the neighbour of every jet it is now closest to
            // (b goes into its tile afterwards, so the scans need not skip it).
            {
                const double yb = y[b], fb = f[b];
                const int r0 = tile[b] / nphi, c0 = tile[b] - r0 * nphi;
                double best = R2;
                int bi = -1;
                if (one_ring) gaps9(yb, fb, tile[b]);
                else gaps(yb, fb, r0, c0);
                // Rows nearest first; in each row only the columns within R, and of those only
                // the tiles that may hold b's neighbour or a jet that b is now closest to.
                auto scan_tile = [&](int tt, double g) {
                    if (!(g < best || g < tmax[tt])) return;
                    const tile_info& T = tiles[tt];
                    tile_entry* e = pool.data() + T.begin;
                    double mx = 0.0;
                    for (int m = 0; m < T.count; ++m) {
                        const double d = dist2(e[m].y, e[m].f, yb, fb);
                        if (d < best) {
                            best = d;
                            bi = e[m].slot;
                        }
                        if (d < e[m].nnd) {  // never for a pending jet (nnd 0)
                            const int s = e[m].slot;
                            unlink(s);
                            link(s, b);
                            nnd[s] = e[m].nnd = d;
                            dirty.push_back(s);
                        }
                        if (e[m].nnd > mx) mx = e[m].nnd;
                    }
                    tmax[tt] = mx;
                };
                if (one_ring) {  // the 3x3 block; tmax is kept as an upper bound only
                    const int* l = nbr.data() + static_cast<std::size_t>(tile[b]) * nbr_stride;
                    for (int q = 0; q < l[0]; ++q) {
                        const int tt = l[1 + 2 * q];
                        const double g = g9[l[2 + 2 * q]];
                        if (!(g < best || g < tmax[tt])) continue;
                        const tile_info& T = tiles[tt];
                        tile_entry* e = pool.data() + T.begin;
                        for (int m = 0; m < T.count; ++m) {
                            const double d = dist2(e[m].y, e[m].f, yb, fb);
                            if (d < best) {
                                best = d;
                                bi = e[m].slot;
                            }
                            if (d < e[m].nnd) {  // never for a pending jet (nnd 0)
                                const int s = e[m].slot;
                                unlink(s);
                                link(s, b);
                                nnd[s] = e[m].nnd = d;
                                dirty.push_back(s);
                            }
                        }
                    }
                }
                for (int q = 0; q < (one_ring ? 0 : span); ++q) {
                    const int dr = (q & 1) ? -((q + 1) >> 1) : (q >> 1);  // 0, -1, 1, -2, 2, ...
                    const double gy = gy2[dr];
                    if (!(gy < R2)) continue;
                    int dmax = 0;  // columns c0-dmax..c0+dmax can be within R
                    while (dmax < k && (gy + std::min(gf2[dmax + 1], gf2[-dmax - 1])) < R2) ++dmax;
                    const int rowbase = (r0 + dr) * nphi;
                    scan_tile(rowbase + c0, gy);
                    for (int dc = 1; dc <= dmax; ++dc) {
                        int cu = c0 + dc, cd = c0 - dc;
                        if (cu >= nphi) cu -= nphi;
                        if (cd < 0) cd += nphi;
                        scan_tile(rowbase + cu, gy + gf2[dc]);
                        scan_tile(rowbase + cd, gy + gf2[-dc]);
                    }
                }
                nnd[b] = R2;
                insert(b);
                set_nn(b, bi, best);
            }
            for (int s : pending) {
                double d;
                const int t2 = one_ring ? search1(s, d) : search(s, d);
                nn[s] = -1;
                set_nn(s, t2, d);
            }
            heap_.update(b, diJ(b));
        } else {
            merge_beam(jet[a], dmin);
            unlink(a);
            nn[a] = -1;
            for (int s = rh[a]; s >= 0; s = rn[s]) pending.push_back(s);
            rh[a] = -1;
            for (int s : pending) {
                nn[s] = -2;
                entry(s).nnd = 0.0;  // no scan updates it before its search
            }
            remove(a);
            heap_.update(a, inf);
            for (int s : pending) {
                double d;
                const int t2 = one_ring ? search1(s, d) : search(s, d);
                nn[s] = -1;
                set_nn(s, t2, d);
            }
        }
        for (int s : pending) heap_.update(s, diJ(s));
        for (int s : dirty) heap_.update(s, diJ(s));
    }
    return true;
}

// ===================================================================== cluster_sequence

namespace {
/// Largest N for which cluster_strategy::best uses the plain N^2 loop: the measured break-even
/// against the tiled one on uniform events (|y| < 2.5) is about 50 at R = 0.4 and 125 at R = 1.
int plain_limit(double R) { return std::max(30, static_cast<int>(125.0 * std::min(R, 1.5))); }
/// Tile occupancy the tiled strategy aims at.
constexpr double tile_target = 10.0;
}  // namespace

cluster_sequence::cluster_sequence(const std::vector<fourvec>& particles, const jet_definition& def) : def_(def) {
    n_ = static_cast<int>(particles.size());
    jets_.reserve(2 * particles.size());
    rap_.reserve(2 * particles.size());
    phi_.reserve(2 * particles.size());
    history_.reserve(2 * particles.size());
    for (int i = 0; i < n_; ++i) {
        fourvec p = particles[i];
        if (!std::isfinite(p.px()) || !std::isfinite(p.py()) || !std::isfinite(p.pz()) || !std::isfinite(p.E())) {
            std::ostringstream m;
            m << "particle " << i << " has a non-finite momentum (" << p.px() << ", " << p.py() << ", " << p.pz() << ", "
              << p.E() << ")";
            throw error(m.str());
        }
        if (def.scheme() == recombination_scheme::pt_scheme) {
            // massless inputs: E = |p| (FastJet's pt_scheme preprocessing)
            const double e = std::sqrt(p.pt2() + p.pz() * p.pz());
            const int ui = p.user_index();
            p = fourvec(p.px(), p.py(), p.pz(), e);
            p.set_user_index(ui);
        }
        p.set_cluster_hist_index(i);
        jets_.push_back(p);
        rap_.push_back(p.rap());
        phi_.push_back(p.phi());
        history_.push_back(history_element{inexistent_parent, inexistent_parent, invalid, i, 0.0, 0.0});
        Q_ += p.E();
    }
    cluster_engine eng(*this);
    cluster_strategy s = def.strategy();
    if (s == cluster_strategy::best) s = n_ <= plain_limit(def.R()) ? cluster_strategy::n2_plain : cluster_strategy::n2_tiled;
    if (s == cluster_strategy::n2_tiled && n_ > 0 && eng.run_tiled(tile_target, thread_workspace())) {
        used_ = cluster_strategy::n2_tiled;
    } else {
        used_ = cluster_strategy::n2_plain;
        eng.run_plain(thread_workspace());
    }
}

std::string cluster_sequence::strategy_string() const { return used_ == cluster_strategy::n2_tiled ? "N2Tiled" : "N2Plain"; }

std::vector<fourvec> cluster_sequence::inclusive_jets(double ptmin) const {
    const double dcut = ptmin * ptmin;
    std::vector<fourvec> out;
    const int last = static_cast<int>(history_.size()) - 1;
    if (def_.algorithm() == jet_algorithm::kt) {
        // kt: d_iB = pT^2, and max_dij_so_far is monotone, so stop at the first step below dcut
        for (int i = last; i >= 0; --i) {
            const history_element& h = history_[i];
            if (h.max_dij_so_far < dcut) break;
            if (h.parent2 == beam && h.dij >= dcut) out.push_back(jets_[history_[h.parent1].jet_index]);
        }
    } else if (def_.algorithm() == jet_algorithm::cambridge) {
        // C/A: the beam mergings are all at the end of the history
        for (int i = last; i >= 0; --i) {
            const history_element& h = history_[i];
            if (h.parent2 != beam) break;
            const fourvec& j = jets_[history_[h.parent1].jet_index];
            if (j.pt2() >= dcut) out.push_back(j);
        }
    } else {
        for (int i = last; i >= 0; --i) {
            const history_element& h = history_[i];
            if (h.parent2 != beam) continue;
            const fourvec& j = jets_[history_[h.parent1].jet_index];
            if (j.pt2() >= dcut) out.push_back(j);
        }
    }
    return out;
}

int cluster_sequence::n_exclusive_jets(double dcut) const {
    int i = static_cast<int>(history_.size()) - 1;
    for (; i >= 0; --i)
        if (history_[i].max_dij_so_far <= dcut) break;
    return 2 * n_ - (i + 1);
}

std::vector<fourvec> cluster_sequence::exclusive_jets(double dcut) const { return exclusive_jets_up_to(n_exclusive_jets(dcut)); }

std::vector<fourvec> cluster_sequence::exclusive_jets(int n) const {
    if (n > n_) {
        std::ostringstream m;
        m << "Requested " << n << " exclusive jets, but there were only " << n_ << " particles in the event";
        throw error(m.str());
    }
    return exclusive_jets_up_to(n);
}

std::vector<fourvec> cluster_sequence::exclusive_jets_up_to(int n) const {
    if (n < 0) throw error("requested a negative number of exclusive jets");
    std::vector<fourvec> out;
    int stop = 2 * n_ - n;
    if (stop < n_) stop = n_;
    const int size = static_cast<int>(history_.size());
    for (int i = stop; i < size; ++i) {
        const int p1 = history_[i].parent1, p2 = history_[i].parent2;
        if (p1 < stop) out.push_back(jets_[history_[p1].jet_index]);
        if (p2 < stop && p2 > 0) out.push_back(jets_[history_[p2].jet_index]);
    }
    return out;
}

double cluster_sequence::exclusive_dmerge(int n) const {
    if (n < 0) throw error("requested a negative number of exclusive jets");
    if (n >= n_) return 0.0;
    return history_[2 * n_ - n - 1].dij;
}

double cluster_sequence::exclusive_dmerge_max(int n) const {
    if (n < 0) throw error("requested a negative number of exclusive jets");
    if (n >= n_) return 0.0;
    return history_[2 * n_ - n - 1].max_dij_so_far;
}

int cluster_sequence::check_jet_(const fourvec& jet) const {
    const int h = jet.cluster_hist_index();
    if (h < 0 || h >= static_cast<int>(history_.size()) || history_[h].jet_index < 0)
        throw error("the jet does not come from this cluster sequence");
    return h;
}

void cluster_sequence::subhist_(const fourvec& jet, double dcut, int maxjet, std::vector<int>& out) const {
    // `out` is kept sorted by history index; the latest step is undone first.
    out.clear();
    out.push_back(check_jet_(jet));
    int njet = 1;
    while (true) {
        const history_element& e = history_[out.back()];
        if (njet == maxjet) break;
        if (e.parent1 < 0) break;
        if (e.max_dij_so_far <= dcut) break;
        out.pop_back();
        for (int p : {e.parent1, e.parent2}) out.insert(std::upper_bound(out.begin(), out.end(), p), p);
        ++njet;
    }
}

std::vector<fourvec> cluster_sequence::exclusive_subjets(const fourvec& jet, double dcut) const {
    std::vector<int> h;
    subhist_(jet, dcut, 0, h);
    std::vector<fourvec> out;
    out.reserve(h.size());
    for (int i : h) out.push_back(jets_[history_[i].jet_index]);
    return out;
}

std::vector<fourvec> cluster_sequence::exclusive_subjets(const fourvec& jet, int n) const {
    std::vector<fourvec> out = exclusive_subjets_up_to(jet, n);
    if (static_cast<int>(out.size()) < n) {
        std::ostringstream m;
        m << "Requested " << n << " exclusive subjets, but there were only " << out.size() << " particles in the jet";
        throw error(m.str());
    }
    return out;
}

std::vector<fourvec> cluster_sequence::exclusive_subjets_up_to(const fourvec& jet, int n) const {
    if (n < 0) throw error("requested a negative number of exclusive subjets");
    std::vector<fourvec> out;
    if (n == 0) return out;
    std::vector<int> h;
    subhist_(jet, -1.0, n, h);
    out.reserve(h.size());
    for (int i : h) out.push_back(jets_[history_[i].jet_index]);
    return out;
}

int cluster_sequence::n_exclusive_subjets(const fourvec& jet, double dcut) const {
    std::vector<int> h;
    subhist_(jet, dcut, 0, h);
    return static_cast<int>(h.size());
}

double cluster_sequence::exclusive_subdmerge(const fourvec& jet, int n) const {
    // the latest merging left after undoing n-1 of them (0 for an input particle)
    std::vector<int> h;
    subhist_(jet, -1.0, n, h);
    return history_[h.back()].dij;
}

double cluster_sequence::exclusive_subdmerge_max(const fourvec& jet, int n) const {
    std::vector<int> h;
    subhist_(jet, -1.0, n, h);
    return history_[h.back()].max_dij_so_far;
}

void cluster_sequence::add_constituents_(int hist, std::vector<fourvec>& out) const {
    const history_element& e = history_[hist];
    if (e.parent1 == inexistent_parent) {
        out.push_back(jets_[e.jet_index]);
        return;
    }
    add_constituents_(e.parent1, out);
    if (e.parent2 != beam) add_constituents_(e.parent2, out);
}

std::vector<fourvec> cluster_sequence::constituents(const fourvec& jet) const {
    std::vector<fourvec> out;
    add_constituents_(check_jet_(jet), out);
    return out;
}

bool cluster_sequence::has_parents(const fourvec& jet, fourvec& parent1, fourvec& parent2) const {
    const history_element& e = history_[check_jet_(jet)];
    if (e.parent1 < 0) {
        parent1 = parent2 = fourvec();
        return false;
    }
    parent1 = jets_[history_[e.parent1].jet_index];
    parent2 = jets_[history_[e.parent2].jet_index];
    if (parent1.pt2() < parent2.pt2()) std::swap(parent1, parent2);
    return true;
}

bool cluster_sequence::has_child(const fourvec& jet, fourvec& child) const {
    const history_element& e = history_[check_jet_(jet)];
    if (e.child >= 0 && history_[e.child].jet_index >= 0) {
        child = jets_[history_[e.child].jet_index];
        return true;
    }
    child = fourvec();
    return false;
}

bool cluster_sequence::has_partner(const fourvec& jet, fourvec& partner) const {
    const int h = check_jet_(jet);
    const history_element& e = history_[h];
    if (e.child >= 0 && history_[e.child].parent2 >= 0) {
        const history_element& c = history_[e.child];
        const int other = c.parent1 == h ? c.parent2 : c.parent1;
        partner = jets_[history_[other].jet_index];
        return true;
    }
    partner = fourvec();
    return false;
}

std::vector<fourvec> sorted_by_pt(std::vector<fourvec> jets) {
    std::stable_sort(jets.begin(), jets.end(), [](const fourvec& a, const fourvec& b) { return a.pt2() > b.pt2(); });
    return jets;
}

}  // namespace jetml
