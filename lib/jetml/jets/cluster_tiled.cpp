// SPDX-License-Identifier: MIT
// jetml/jets/cluster_tiled.cpp - the tiled N^2 clustering strategy on a (y, phi) grid, in named steps.
#include <utility>

#include "jetml/jets/cluster_engine.hpp"

namespace jetml {

using namespace cluster_detail;

namespace {

/// Rapidity range of the grid; particles outside it fall in the open-ended edge rows.
constexpr double ylim = 15.0;
/// Ints per tile in the one-ring neighbour table: a count, then up to 9 (tile, offset code) pairs.
constexpr int nbr_stride = 19;
/// Shaved off the distance bounds between a point and a tile row or column (in units of y and
/// phi, far above the ~1e-14 round-off of these differences), so that the bound stays below every
/// distance computed inside the tile.
constexpr double safety = 1e-10;

/// Nearest-neighbour candidate of a scan: squared distance and slot (-1 none within R).
struct nearest {
    double d;
    int slot;
};

/// One event's run of the tiled strategy: the grid, the per-slot arrays, the tiles and the
/// reverse neighbour lists, all in the thread's workspace; each step is one member function.
class tiled_run {
public:
    tiled_run(cluster_engine& eng, workspace& ws) : eng_(eng), ws_(ws), heap_(ws.heap), n0_(eng.n_particles()) {}

    /// Chooses the grid for the target tile occupancy; false if the tiling cannot be used (R
    /// too large for the phi range).
    bool setup_grid(double target_per_tile);
    /// Per-slot state, tiles filled with every particle, tile offsets by ring, neighbour tables.
    void setup_tiles();
    /// Every particle's nearest neighbour within R, the reverse lists, and the d_iJ minima.
    void initial_neighbours();
    /// Clusters to the end: one merge (or merge with the beam) per step.
    void run();

private:
    // ---- grid geometry
    int row_of(double yy) const {
        const double q = std::floor((yy - lo_) / t_);
        if (!(q > 0.0)) return 0;  // also NaN
        if (q >= ny_ - 1) return ny_ - 1;
        return static_cast<int>(q);
    }
    int col_of(double ff) const {
        if (!(ff >= 0.0)) return 0;  // also NaN (from a NaN input momentum)
        const int c = static_cast<int>(std::min(ff / w_, static_cast<double>(nphi_)));
        return c < 0 ? 0 : (c >= nphi_ ? nphi_ - 1 : c);
    }
    int tile_of(double yy, double ff) const { return row_of(yy) * nphi_ + col_of(ff); }
    int tile_at(int r0, int c0, int dr, int dc) const {
        int c = c0 + dc;
        if (c < 0) c += nphi_;
        else if (c >= nphi_) c -= nphi_;
        return (r0 + dr) * nphi_ + c;
    }
    void setup_slots();
    void setup_rings();
    void setup_neighbour_tiles();
    void gaps(double yy, double ff, int r0, int c0);
    void gaps9(double yy, double ff, int t0);

    // ---- tile membership
    void insert(int s);
    void remove(int s);
    tile_entry& entry(int s) { return ws_.pool[ws_.tiles[tile_[s]].begin + tpos_[s]]; }

    // ---- nearest-neighbour bookkeeping
    void nearest_in_tile(const tile_info& T, double ys, double fs, int s, double& best, int& bi) const;
    int search1(int s, double& best_out);
    int search(int s, double& best_out);
    int find_neighbour(int s, double& d) { return one_ring_ ? search1(s, d) : search(s, d); }
    void unlink(int s);
    void link(int s, int target);
    void set_nn(int s, int target, double d);
    double diJ(int s) const {
        double v = sc_[s];
        if (nn_[s] >= 0 && sc_[nn_[s]] < v) v = sc_[nn_[s]];
        return nnd_[s] * v;
    }
    void collect_pending(int s);
    void mark_pending();
    void research_pending();

    // ---- the merge step
    template <bool track_max>
    void scan_tile(int tt, double g, int b, double yb, double fb, nearest& n);
    void place_merged(int b);
    void merge_step(int a, int b, double dmin);
    void beam_step(int a, double dmin);

    cluster_engine& eng_;
    workspace& ws_;
    block_min& heap_;
    const int n0_;
    // grid: rapidity origin, tile side, rings k, columns, column width, rows, 2k+1
    double lo_ = 0.0, t_ = 0.0, w_ = 0.0;
    int k_ = 1, nphi_ = 0, ny_ = 0, span_ = 0;
    bool one_ring_ = true;
    // per-slot state
    double *y_ = nullptr, *f_ = nullptr, *sc_ = nullptr, *nnd_ = nullptr, *scratch_d_ = nullptr;
    int* nn_ = nullptr;  // >= 0 neighbour, -1 none within R, -2 pending a search
    int *jet_ = nullptr, *tile_ = nullptr, *tpos_ = nullptr;
    int* rh_ = nullptr;  // head of the list of slots whose neighbour is this slot
    int *rn_ = nullptr, *rp_ = nullptr;
    // squared distance bounds from the point being scanned, indexed by dr / dc in [-k, k]
    double *gy2_ = nullptr, *gf2_ = nullptr;
    double g9_[9];
};

// ---------------------------------------------------------------- tile setup

bool tiled_run::setup_grid(double target_per_tile) {
    const double R = eng_.R();
    double lo = inf, hi = -inf;
    for (int i = 0; i < n0_; ++i) {
        const double yy = eng_.rap(i);
        if (yy > -ylim && yy < ylim) {
            lo = std::min(lo, yy);
            hi = std::max(hi, yy);
        }
    }
    if (!(lo <= hi)) lo = hi = 0.0;
    // Tile side t ~ sqrt(area * target / N), between R/8 (so at most 8 rings cover R) and R
    // (larger tiles only add pairs farther apart than R to every scan).
    const double area = std::max(hi - lo, R) * twopi;
    double t = std::sqrt(area * target_per_tile / std::max(n0_, 1));
    t = std::max(std::min(t, R), R / 8.0);
    // k rings of tiles cover any distance < R; the 1e-9 margin keeps points at distance just
    // below R (after round-off in the tile assignment) inside the k rings.
    const int k = std::max(1, static_cast<int>(std::ceil(R / t - 1e-6)));
    t = R * (1.0 + 1e-9) / k;
    const int nphi = static_cast<int>(std::floor(twopi / t));
    if (nphi < 2 * k + 1) return false;  // the phi window would wrap onto itself
    lo_ = lo;
    t_ = t;
    k_ = k;
    nphi_ = nphi;
    w_ = twopi / nphi;
    ny_ = std::max(1, static_cast<int>(std::ceil((hi - lo) / t)));
    span_ = 2 * k + 1;
    one_ring_ = k == 1;
    return true;
}

void tiled_run::setup_slots() {
    std::vector<double>& dbuf = ws_.d;
    dbuf.resize(5 * static_cast<std::size_t>(n0_));
    y_ = dbuf.data();
    f_ = y_ + n0_;
    sc_ = f_ + n0_;
    nnd_ = sc_ + n0_;
    scratch_d_ = nnd_ + n0_;
    std::vector<int>& ibuf = ws_.i;
    ibuf.resize(8 * static_cast<std::size_t>(n0_));
    nn_ = ibuf.data();
    jet_ = nn_ + n0_;
    tile_ = jet_ + n0_;
    tpos_ = tile_ + n0_;
    rh_ = tpos_ + n0_;
    rn_ = rh_ + n0_;
    rp_ = rn_ + n0_;
}

void tiled_run::setup_tiles() {
    setup_slots();
    std::vector<tile_info>& tiles = ws_.tiles;
    tiles.assign(static_cast<std::size_t>(ny_) * nphi_, tile_info{0, 0, 0});
    // tmax[t]: an upper bound of the NN distance of tile t's (non-pending) members, 0 if empty
    ws_.tmax.assign(tiles.size(), 0.0);
    for (int i = 0; i < n0_; ++i) {
        y_[i] = eng_.rap(i);
        f_[i] = eng_.phi(i);
        sc_[i] = eng_.scale_of_jet(i);
        jet_[i] = i;
        tile_[i] = tile_of(y_[i], f_[i]);
        ++tiles[tile_[i]].cap;
    }
    int total = 0;
    for (auto& T : tiles) {
        T.cap += 2;  // room for merged jets that move into the tile
        T.begin = total;
        total += T.cap;
    }
    std::vector<tile_entry>& pool = ws_.pool;
    pool.clear();
    pool.reserve(static_cast<std::size_t>(total) + n0_);
    pool.resize(total);
    for (int i = 0; i < n0_; ++i) {
        nnd_[i] = eng_.R2;
        insert(i);
    }
    setup_rings();
    setup_neighbour_tiles();
}

/// Ring order of tile offsets: (0,0), then ring 1, ring 2, ... ring k; and room for the bounds.
void tiled_run::setup_rings() {
    std::vector<int>& off_dr = ws_.off_dr;
    std::vector<int>& off_dc = ws_.off_dc;
    std::vector<int>& ring_start = ws_.ring_start;
    off_dr.clear();
    off_dc.clear();
    ring_start.clear();
    off_dr.reserve(static_cast<std::size_t>(span_) * span_);
    off_dc.reserve(static_cast<std::size_t>(span_) * span_);
    for (int r = 0; r <= k_; ++r) {
        ring_start.push_back(static_cast<int>(off_dr.size()));
        for (int dr = -r; dr <= r; ++dr)
            for (int dc = -r; dc <= r; ++dc)
                if (std::max(std::abs(dr), std::abs(dc)) == r) {
                    off_dr.push_back(dr);
                    off_dc.push_back(dc);
                }
    }
    ring_start.push_back(static_cast<int>(off_dr.size()));
    std::vector<double>& gbuf = ws_.gbuf;
    gbuf.resize(2 * static_cast<std::size_t>(span_));
    gy2_ = gbuf.data() + k_;
    gf2_ = gy2_ + span_;
}

/// With one ring (tiles of side ~R) every scan covers at most the 3x3 block around a tile, so
/// each tile keeps the list of its (up to 9) neighbour tiles, its own first, each with its offset
/// code (dr+1)*3 + (dc+1) to look up the distance bound of that neighbour.
void tiled_run::setup_neighbour_tiles() {
    if (!one_ring_ || (ws_.nbr_ny == ny_ && ws_.nbr_nphi == nphi_)) return;  // depends on the grid shape only
    ws_.nbr_ny = ny_;
    ws_.nbr_nphi = nphi_;
    std::vector<int>& nbr = ws_.nbr;
    nbr.assign(ws_.tiles.size() * nbr_stride, -1);
    for (int r = 0; r < ny_; ++r)
        for (int c = 0; c < nphi_; ++c) {
            int* l = nbr.data() + (static_cast<std::size_t>(r) * nphi_ + c) * nbr_stride;
            int m = 0;
            l[1 + 2 * m] = r * nphi_ + c;
            l[2 + 2 * m++] = 4;
            for (int dr = -1; dr <= 1; ++dr)
                for (int dc = -1; dc <= 1; ++dc) {
                    if ((dr == 0 && dc == 0) || r + dr < 0 || r + dr >= ny_) continue;
                    l[1 + 2 * m] = tile_at(r, c, dr, dc);
                    l[2 + 2 * m++] = (dr + 1) * 3 + (dc + 1);
                }
            l[0] = m;  // count
        }
}

/// Squared lower bounds of the distance from (yy, ff) in tile (r0, c0) to the rows r0+dr and
/// columns c0+dc, into gy2_[dr] and gf2_[dc].
void tiled_run::gaps(double yy, double ff, int r0, int c0) {
    gy2_[0] = 0.0;
    gf2_[0] = 0.0;
    for (int d = 1; d <= k_; ++d) {
        const int ru = r0 + d, rd = r0 - d;
        if (ru < ny_) {
            const double g = std::max(0.0, lo_ + ru * t_ - yy - safety);
            gy2_[d] = g * g;
        } else {
            gy2_[d] = inf;
        }
        if (rd >= 0) {
            const double g = rd == ny_ - 1 ? 0.0 : std::max(0.0, yy - (lo_ + (rd + 1) * t_) - safety);
            gy2_[-d] = g * g;
        } else {
            gy2_[-d] = inf;
        }
        const double gu = std::max(0.0, (c0 + d) * w_ - ff - safety);
        const double gd = std::max(0.0, ff - (c0 - d + 1) * w_ - safety);
        gf2_[d] = gu * gu;
        gf2_[-d] = gd * gd;
    }
}

/// Squared bounds to the 3x3 neighbours of tile t0, by offset code.
void tiled_run::gaps9(double yy, double ff, int t0) {
    const int r0 = t0 / nphi_;
    gaps(yy, ff, r0, t0 - r0 * nphi_);
    for (int dr = -1; dr <= 1; ++dr)
        for (int dc = -1; dc <= 1; ++dc) g9_[(dr + 1) * 3 + (dc + 1)] = gy2_[dr] + gf2_[dc];
}

// ---------------------------------------------------------------- tile membership

void tiled_run::insert(int s) {
    std::vector<tile_entry>& pool = ws_.pool;
    tile_info& T = ws_.tiles[tile_[s]];
    if (T.count == T.cap) {  // move the tile's block to the end of the pool, doubled
        const int nb = static_cast<int>(pool.size());
        pool.resize(pool.size() + 2 * static_cast<std::size_t>(T.cap));
        std::copy(pool.begin() + T.begin, pool.begin() + T.begin + T.count, pool.begin() + nb);
        T.begin = nb;
        T.cap *= 2;
    }
    pool[T.begin + T.count] = tile_entry{y_[s], f_[s], nnd_[s], s};
    tpos_[s] = T.count++;
}

void tiled_run::remove(int s) {
    std::vector<tile_entry>& pool = ws_.pool;
    tile_info& T = ws_.tiles[tile_[s]];
    const int last = T.begin + --T.count;
    const int here = T.begin + tpos_[s];
    pool[here] = pool[last];
    tpos_[pool[here].slot] = tpos_[s];
    if (T.count == 0) ws_.tmax[tile_[s]] = 0.0;
}

// ---------------------------------------------------------------- nearest-neighbour searches

/// The nearest member of tile T to (ys, fs) other than slot s, if nearer than best.
inline void tiled_run::nearest_in_tile(const tile_info& T, double ys, double fs, int s, double& best, int& bi) const {
    const tile_entry* e = ws_.pool.data() + T.begin;
    for (int m = 0; m < T.count; ++m) {
        const double d = dist2(ys, fs, e[m].y, e[m].f);
        if (d < best && e[m].slot != s) {
            best = d;
            bi = e[m].slot;
        }
    }
}

/// Nearest neighbour of slot s with one ring: the 3x3 block from the neighbour table.
int tiled_run::search1(int s, double& best_out) {
    const double ys = y_[s], fs = f_[s];
    const int* l = ws_.nbr.data() + static_cast<std::size_t>(tile_[s]) * nbr_stride;
    gaps9(ys, fs, tile_[s]);
    double best = eng_.R2;
    int bi = -1;
    for (int q = 0; q < l[0]; ++q) {
        if (g9_[l[2 + 2 * q]] >= best) continue;
        nearest_in_tile(ws_.tiles[l[1 + 2 * q]], ys, fs, s, best, bi);
    }
    best_out = best;
    return bi;
}

/// Nearest neighbour of slot s among all other live slots (distance < R^2), by rings.
int tiled_run::search(int s, double& best_out) {
    const double ys = y_[s], fs = f_[s];
    const int r0 = tile_[s] / nphi_, c0 = tile_[s] - r0 * nphi_;
    gaps(ys, fs, r0, c0);
    const int* ring_start = ws_.ring_start.data();
    const int* off_dr = ws_.off_dr.data();
    const int* off_dc = ws_.off_dc.data();
    double best = eng_.R2;
    int bi = -1;
    for (int r = 0; r <= k_; ++r) {
        if (r > 0 && std::min(std::min(gy2_[r], gy2_[-r]), std::min(gf2_[r], gf2_[-r])) >= best) break;
        for (int q = ring_start[r]; q < ring_start[r + 1]; ++q) {
            const int dr = off_dr[q], dc = off_dc[q];
            if (gy2_[dr] + gf2_[dc] >= best) continue;
            nearest_in_tile(ws_.tiles[tile_at(r0, c0, dr, dc)], ys, fs, s, best, bi);
        }
    }
    best_out = best;
    return bi;
}

// ---------------------------------------------------------------- reverse lists and d_iJ

void tiled_run::unlink(int s) {
    if (nn_[s] < 0) return;
    const int pv = rp_[s], nx = rn_[s];
    if (pv >= 0) rn_[pv] = nx;
    else rh_[nn_[s]] = nx;
    if (nx >= 0) rp_[nx] = pv;
}

void tiled_run::link(int s, int target) {
    nn_[s] = target;
    if (target < 0) return;
    const int h = rh_[target];
    rn_[s] = h;
    rp_[s] = -1;
    if (h >= 0) rp_[h] = s;
    rh_[target] = s;
}

void tiled_run::set_nn(int s, int target, double d) {
    if (nn_[s] != target) {
        unlink(s);
        link(s, target);
    }
    nnd_[s] = d;
    entry(s).nnd = d;
    if (d > ws_.tmax[tile_[s]]) ws_.tmax[tile_[s]] = d;
}

void tiled_run::initial_neighbours() {
    for (int i = 0; i < n0_; ++i) {
        rh_[i] = -1;
        nn_[i] = -1;
    }
    if (one_ring_) {
        // every pair once: inside each tile, and with the 4 "forward" neighbour tiles
        auto pair = [&](tile_entry& p, tile_entry& q) {
            const double d = dist2(p.y, p.f, q.y, q.f);
            if (d < p.nnd) {
                p.nnd = d;
                nn_[p.slot] = q.slot;
            }
            if (d < q.nnd) {
                q.nnd = d;
                nn_[q.slot] = p.slot;
            }
        };
        const std::vector<tile_info>& tiles = ws_.tiles;
        tile_entry* pool = ws_.pool.data();
        for (int r = 0; r < ny_; ++r)
            for (int c = 0; c < nphi_; ++c) {
                const tile_info& T = tiles[r * nphi_ + c];
                tile_entry* e = pool + T.begin;
                for (int a1 = 0; a1 < T.count; ++a1)
                    for (int a2 = a1 + 1; a2 < T.count; ++a2) pair(e[a1], e[a2]);
                const int fwd[4][2] = {{0, 1}, {1, -1}, {1, 0}, {1, 1}};
                for (const auto& o : fwd) {
                    if (r + o[0] >= ny_) continue;
                    const tile_info& U = tiles[tile_at(r, c, o[0], o[1])];
                    tile_entry* g = pool + U.begin;
                    for (int a1 = 0; a1 < T.count; ++a1)
                        for (int a2 = 0; a2 < U.count; ++a2) pair(e[a1], g[a2]);
                }
            }
        for (int i = 0; i < n0_; ++i) {
            const int t2 = nn_[i];
            const double d = entry(i).nnd;
            nn_[i] = -1;
            set_nn(i, t2, d);
        }
    } else {
        for (int i = 0; i < n0_; ++i) {
            double d;
            const int b = search(i, d);
            set_nn(i, b, d);
        }
    }
    for (int i = 0; i < n0_; ++i) scratch_d_[i] = diJ(i);
    heap_.build(scratch_d_, n0_);
}

/// Queues every slot whose neighbour was s for a new search, and empties s's reverse list.
void tiled_run::collect_pending(int s) {
    for (int q = rh_[s]; q >= 0; q = rn_[q]) ws_.pending.push_back(q);
    rh_[s] = -1;
}

/// Marks the queued slots as waiting for a search (nnd 0 in the tile: no scan updates them).
void tiled_run::mark_pending() {
    for (int s : ws_.pending) {
        nn_[s] = -2;
        entry(s).nnd = 0.0;
    }
}

void tiled_run::research_pending() {
    for (int s : ws_.pending) {
        double d;
        const int t2 = find_neighbour(s, d);
        nn_[s] = -1;
        set_nn(s, t2, d);
    }
}

// ---------------------------------------------------------------- the merge step

/// Scans tile tt (distance bound g) for the merged jet b at (yb, fb): b's nearest neighbour so
/// far in n, and every jet now closer to b than to its neighbour gets b as its neighbour.
/// track_max recomputes the tile's bound tmax exactly; without it tmax stays an upper bound.
template <bool track_max>
void tiled_run::scan_tile(int tt, double g, int b, double yb, double fb, nearest& n) {
    std::vector<double>& tmax = ws_.tmax;
    double best = n.d;
    int bi = n.slot;
    if (!(g < best || g < tmax[tt])) return;
    const tile_info& T = ws_.tiles[tt];
    tile_entry* e = ws_.pool.data() + T.begin;
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
            nnd_[s] = e[m].nnd = d;
            ws_.dirty.push_back(s);
        }
        if (track_max && e[m].nnd > mx) mx = e[m].nnd;
    }
    if (track_max) tmax[tt] = mx;
    n.d = best;
    n.slot = bi;
}

/// Finds the neighbour of the merged jet in slot b and makes b the neighbour of every jet it is
/// now closest to; then b goes into its tile (afterwards, so the scans need not skip it).
void tiled_run::place_merged(int b) {
    const double yb = y_[b], fb = f_[b];
    const int r0 = tile_[b] / nphi_, c0 = tile_[b] - r0 * nphi_;
    const double R2 = eng_.R2;
    nearest n{R2, -1};
    if (one_ring_) {  // the 3x3 block; tmax is kept as an upper bound only
        gaps9(yb, fb, tile_[b]);
        const int* l = ws_.nbr.data() + static_cast<std::size_t>(tile_[b]) * nbr_stride;
        for (int q = 0; q < l[0]; ++q) scan_tile<false>(l[1 + 2 * q], g9_[l[2 + 2 * q]], b, yb, fb, n);
    } else {
        // Rows nearest first; in each row only the columns within R, and of those only the tiles
        // that may hold b's neighbour or a jet that b is now closest to.
        gaps(yb, fb, r0, c0);
        for (int q = 0; q < span_; ++q) {
            const int dr = (q & 1) ? -((q + 1) >> 1) : (q >> 1);  // 0, -1, 1, -2, 2, ...
            const double gy = gy2_[dr];
            if (!(gy < R2)) continue;
            int dmax = 0;  // columns c0-dmax..c0+dmax can be within R
            while (dmax < k_ && (gy + std::min(gf2_[dmax + 1], gf2_[-dmax - 1])) < R2) ++dmax;
            const int rowbase = (r0 + dr) * nphi_;
            scan_tile<true>(rowbase + c0, gy, b, yb, fb, n);
            for (int dc = 1; dc <= dmax; ++dc) {
                int cu = c0 + dc, cd = c0 - dc;
                if (cu >= nphi_) cu -= nphi_;
                if (cd < 0) cd += nphi_;
                scan_tile<true>(rowbase + cu, gy + gf2_[dc], b, yb, fb, n);
                scan_tile<true>(rowbase + cd, gy + gf2_[-dc], b, yb, fb, n);
            }
        }
    }
    nnd_[b] = R2;
    insert(b);
    set_nn(b, n.slot, n.d);
}

/// Merges the jets in slots a > b at distance dmin; the merged jet takes slot b.
void tiled_run::merge_step(int a, int b, double dmin) {
    const int kj = eng_.merge(jet_[a], jet_[b], dmin);
    unlink(a);
    unlink(b);
    nn_[a] = nn_[b] = -1;
    collect_pending(a);
    collect_pending(b);
    mark_pending();
    remove(a);
    remove(b);
    heap_.update(a, inf);
    jet_[b] = kj;
    y_[b] = eng_.rap(kj);
    f_[b] = eng_.phi(kj);
    sc_[b] = eng_.scale_of_jet(kj);
    tile_[b] = tile_of(y_[b], f_[b]);
    place_merged(b);
    research_pending();
    heap_.update(b, diJ(b));
}

/// Merges the jet in slot a with the beam at distance dmin.
void tiled_run::beam_step(int a, double dmin) {
    eng_.merge_beam(jet_[a], dmin);
    unlink(a);
    nn_[a] = -1;
    collect_pending(a);
    mark_pending();
    remove(a);
    heap_.update(a, inf);
    research_pending();
}

void tiled_run::run() {
    for (int step = 0; step < n0_; ++step) {
        int a = heap_.top_slot();
        const double dmin = heap_.value(a) * eng_.invR2;
        int b = nn_[a];
        ws_.pending.clear();
        ws_.dirty.clear();
        if (b >= 0) {
            if (a < b) std::swap(a, b);  // the new jet takes the lower slot, as in FastJet
            merge_step(a, b, dmin);
        } else {
            beam_step(a, dmin);
        }
        for (int s : ws_.pending) heap_.update(s, diJ(s));
        for (int s : ws_.dirty) heap_.update(s, diJ(s));
    }
}

}  // namespace

bool cluster_engine::run_tiled(double target_per_tile, workspace& ws) {
    tiled_run r(*this, ws);
    if (!r.setup_grid(target_per_tile)) return false;
    r.setup_tiles();
    r.initial_neighbours();
    r.run();
    return true;
}

}  // namespace jetml
