// SPDX-License-Identifier: MIT
// jetml/jets/image.cpp - jet images: one jet, step by step (options in image_options.cpp, rotation in
// image_rotate.cpp, dataset statistics in image_stats.cpp).
#include "jetml/jets/image.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <sstream>
#if defined(__SSE2__)
#include <emmintrin.h>
#include <xmmintrin.h>
#endif

#include "jetml/jets/cluster.hpp"
#include "jetml/core/error.hpp"
#include "jetml/jets/fourvec.hpp"
#include "jetml/io/npy.hpp"

namespace jetml::image {

namespace {

/// d wrapped into (-pi, pi].
inline double wrap(double d) {
    while (d > pi) d -= twopi;
    while (d <= -pi) d += twopi;
    return d;
}

/// min(a, b) and max(a, b) as one instruction (minsd/maxsd; NaN a gives b), never a jump: the
/// compiler turns a plain `a < b ? a : b` into a branch when it guesses it predictable, which
/// for a point inside or outside the window it is not.
#if defined(__SSE2__)
inline double min_sd(double a, double b) { return _mm_cvtsd_f64(_mm_min_sd(_mm_set_sd(a), _mm_set_sd(b))); }
inline double max_sd(double a, double b) { return _mm_cvtsd_f64(_mm_max_sd(_mm_set_sd(a), _mm_set_sd(b))); }
#else
inline double min_sd(double a, double b) { return a < b ? a : b; }
inline double max_sd(double a, double b) { return a > b ? a : b; }
#endif

/// x if c, else +0, by a bit mask: no branch (which the compiler makes of `c ? x : 0.0`, and
/// even of `double(c) * x`, and which a point inside or outside the window mispredicts).
#if defined(__SSE2__)
inline double keep_if(double x, bool c) {
    const __m128d mask = _mm_castsi128_pd(_mm_cvtsi64_si128(-static_cast<long long>(c)));
    return _mm_cvtsd_f64(_mm_and_pd(_mm_set_sd(x), mask));
}
#else
inline double keep_if(double x, bool c) {
    std::uint64_t b;
    std::memcpy(&b, &x, sizeof b);
    b &= std::uint64_t(0) - std::uint64_t(c);
    std::memcpy(&x, &b, sizeof b);
    return x;
}
#endif

/// std::ceil without a libm call (x86-64 without SSE4.1 has no rounding instruction): exact for
/// every double; the sign of a zero result may differ, which no caller can see. The one branch
/// (magnitudes >= 2^52 are integers already) is taken the same way for every sane coordinate;
/// the rounding up itself is branch-free, since its direction is random from point to point.
inline double ceil_inline(double x) {
    if (!(std::abs(x) < 4503599627370496.0)) return x;  // 2^52: already an integer (or NaN)
    const double t = double(static_cast<long long>(x));  // truncation towards zero
    return t + double(t < x);
}

/// Bin edges e_k = k * step + lo (k < n), e_n = hi: numpy's linspace(lo, hi, n + 1).
/// The index functions return n for a point outside the window. They have no branch that
/// depends on where a point falls (inside or not, which side of an edge), since that would be
/// mispredicted about once per constituent: the selections are clamps (minsd/maxsd) and
/// multiplications by 0 or 1, which the compiler does not turn back into jumps. The loops that
/// correct the estimate against the exact edges run zero times but for points within round-off
/// of an edge.
struct axis_bins {
    double lo, hi, step, inv_step;
    std::size_t n;
    axis_bins(double l, double h, std::size_t nn) : lo(l), hi(h), step((h - l) / double(nn)), inv_step(1.0 / step), n(nn) {}
    double edge(std::size_t k) const { return k >= n ? hi : double(k) * step + lo; }
    double centre(std::size_t k) const { return 0.5 * (edge(k) + edge(k + 1)); }
    /// v clamped into [lo, hi] (NaN to hi), so the index arithmetic stays in range.
    double clamp(double v) const { return max_sd(min_sd(v, hi), lo); }
    /// Index with histogram2d semantics ([e_k, e_k+1), last closed), or n outside.
    std::size_t left_closed(double v) const {
        const std::size_t in = std::size_t(v >= lo) & std::size_t(v <= hi);
        const double c = clamp(v);
        // a multiply, not a divide: the estimate need only be within one bin, the loops below
        // settle it against the exact edges
        long k = long((c - lo) * inv_step);  // c >= lo: truncation is floor
        k = k < long(n) - 1 ? k : long(n) - 1;
        while (k > 0 && c < edge(std::size_t(k))) --k;
        while (k + 1 < long(n) && c >= edge(std::size_t(k + 1))) ++k;
        return n + in * (std::size_t(k) - n);  // k inside, n outside (unsigned wrap-around is exact)
    }
    /// Index with searchsorted semantics ((e_k, e_k+1]), or n outside.
    std::size_t right_closed(double v) const {
        const std::size_t in = std::size_t(v > lo) & std::size_t(v <= hi);
        const double c = clamp(v);
        const double r = (c - lo) * inv_step;  // in [0, ~n]: ceil by truncation and a compare; an estimate as above
        const double t = double(long(r));
        long k = long(t + double(t < r)) - 1;
        k = k > 0 ? k : 0;
        k = k < long(n) - 1 ? k : long(n) - 1;
        while (k > 0 && c <= edge(std::size_t(k))) --k;
        while (k + 1 < long(n) && c > edge(std::size_t(k + 1))) ++k;
        return n + in * (std::size_t(k) - n);
    }
};

/// Rapidity of a constituent (pT, eta, m) with m != 0: y = sign(eta) ln((E + |pz|) / mT) with
/// |pz| = pT sinh|eta|, E = sqrt(pT^2 cosh^2 eta + m^2), mT = sqrt(pT^2 + m^2). Equal to
/// asinh(pz / mT), within 1e-15 of it, with one exp and one log (3x faster than sinh and
/// asinh) and no cancellation of E against pz (the sign is taken out first).
inline double rapidity_of(double pt, double eta, double m) {
    const double e = std::exp(std::abs(eta)), ie = 1.0 / e;
    const double pz = pt * (0.5 * (e - ie)), pc = pt * (0.5 * (e + ie));
    const double en = std::sqrt(pc * pc + m * m), mt = std::sqrt(pt * pt + m * m);
    return std::copysign(std::log((en + pz) / mt), eta);
}
/// The image coordinate of a massive constituent read as (pT, x_in, m): its rapidity or
/// pseudorapidity, one formula for every caller so that the images do not depend on whether
/// the jet sums were computed too.
inline double convert_x(double pt, double x, double m, coord in, coord out) {
    if (in == coord::eta) return out == coord::rap ? rapidity_of(pt, x, m) : x;
    if (out == coord::rap) return x;
    return std::asinh(std::sqrt(pt * pt + m * m) * std::sinh(x) / pt);  // eta = asinh(pz / pT)
}

/// EnergyFlow's index offset of a grid of n pixels of width pw around absolute centre c.
inline double nearest_offset(double c, double pw, std::size_t n) { return ceil_inline(c / pw - 0.5) - double(n / 2); }
/// EnergyFlow's nearest-centre index ceil(v / pw - 0.5) - offset of absolute coordinate v, or n
/// outside, as the reference computes it (a division); the slow path of nearest_index.
inline std::size_t nearest_index_exact(double v, double offset, double pw, std::size_t n) {
    const double i = ceil_inline(v / pw - 0.5) - offset;
    return i >= 0 && i < double(n) ? std::size_t(i) : n;
}
/// The offset as an integer for nearest_index, clamped to +-2^40: with |ceil(...)| <= 2^21 there
/// an offset beyond that puts every point outside, as the true one does.
inline long nearest_offset_int(double offset) { return long(max_sd(min_sd(offset, 1099511627776.0), -1099511627776.0)); }
/// nearest_index_exact with a multiply (inv_pw = 1 / pw) instead of the division: the quotient
/// is within a few ulp of the divided one (each is within 2 ulp of the exact value), so their
/// ceilings agree unless the value lies within 1e-9 of an integer (far above those ulp for
/// |values| <= 2^20); only then, or beyond 2^20 pixel widths (or NaN), is the division done
/// (about once in 1e9 points: a branch that is never mispredicted).
inline std::size_t nearest_index(double v, double offset, long offset_int, double pw, double inv_pw, std::size_t n) {
    const double t = v * inv_pw - 0.5;
    const double tc = max_sd(min_sd(t, 2097152.0), -2097152.0);  // 2^21: in range of the conversion
    const double tr = double(static_cast<long>(tc));              // truncation towards zero
    const double c = tr + double(tr < tc);                        // the ceiling, rounded up without a branch
    std::size_t k;
    if (std::abs((c - t) - 0.5) > 0.5 - 1e-9 || !(std::abs(t) <= 1048576.0)) k = nearest_index_exact(v, offset, pw, n);
    else k = std::size_t(static_cast<long>(c) - offset_int);  // below 0: wraps to a huge value
    return k < n ? k : n;  // an integer select (cmov)
}

}  // namespace

//---------------------------------------------------------------------------------------------
// kt subjets: jetml/cluster (FastJet's kt_algorithm, E scheme; checked against FastJet)

std::vector<subjet> leading_subjets(const double* pt, const double* xin, const double* phi, const double* m,
                                    std::size_t n, coord input, coord output, double R, double fcut,
                                    std::vector<int>* member) {
    std::vector<fourvec> parts(n);
    double jx = 0, jy = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const double mt = std::sqrt(pt[i] * pt[i] + m[i] * m[i]);
        const double pz = input == coord::eta ? pt[i] * std::sinh(xin[i]) : mt * std::sinh(xin[i]);
        const double px = pt[i] * std::cos(phi[i]), py = pt[i] * std::sin(phi[i]);
        parts[i] = fourvec(px, py, pz, std::sqrt(mt * mt + pz * pz));
        parts[i].set_user_index(int(i));
        jx += px, jy += py;
    }
    const double jet_pt = std::hypot(jx, jy);
    // The constituents of one jet share a small (y, phi) region, where tiles do not pay off: the
    // plain N^2 loop was 20-30% faster than cluster_strategy::best (tiled above ~37 particles at
    // R = 0.3) on jetgen W/QCD jets; tiles are kept for very large N.
    const cluster_strategy strategy = n <= 500 ? cluster_strategy::n2_plain : cluster_strategy::best;
    const cluster_sequence cs(parts, jet_definition(jet_algorithm::kt, R, recombination_scheme::e_scheme, strategy));
    const std::vector<fourvec> jets = sorted_by_pt(cs.inclusive_jets());
    std::vector<subjet> out;
    if (member) member->assign(n, -1);
    for (const fourvec& j : jets) {
        const double p = j.pt();
        if (!(p > fcut * jet_pt)) continue;
        if (member)
            for (const fourvec& c : cs.constituents(j)) (*member)[std::size_t(c.user_index())] = int(out.size());
        out.push_back({p, output == coord::eta ? j.eta() : j.rap(), j.phi_std()});
    }
    return out;
}

//---------------------------------------------------------------------------------------------
// one jet

namespace {

/// Index of pixel (ix, iy) of channel ch in the (C, H, W) output.
inline std::size_t out_index(const params& p, std::size_t ch, std::size_t ix, std::size_t iy) {
    return p.rows == layout::x_rows ? (ch * p.npix_x + ix) * p.npix_y + iy : (ch * p.npix_y + iy) * p.npix_x + ix;
}

struct binner {
    const params& p;
    axis_bins bx, by;
    bool absolute = false;  // nearest rule on absolute coordinates around a centre
    double off_x, off_y;    // nearest_offset of the centre (0 for centred coordinates)
    long ioff_x, ioff_y;    // the same as integers (nearest_offset_int)
    explicit binner(const params& pp)
        : p(pp), bx(pp.x_lo, pp.x_hi, pp.npix_x), by(pp.y_lo, pp.y_hi, pp.npix_y),
          off_x(nearest_offset(0.0, bx.step, pp.npix_x)), off_y(nearest_offset(0.0, by.step, pp.npix_y)),
          ioff_x(nearest_offset_int(off_x)), ioff_y(nearest_offset_int(off_y)) {}
    /// Switches the nearest rule to absolute coordinates around the centre (cx, cy).
    void centre_at(double cx, double cy) {
        absolute = true;
        off_x = nearest_offset(cx, bx.step, p.npix_x), off_y = nearest_offset(cy, by.step, p.npix_y);
        ioff_x = nearest_offset_int(off_x), ioff_y = nearest_offset_int(off_y);
    }
    /// Pixel (ix, iy) of a point, each npix_x / npix_y when outside on that axis. (u, v) are
    /// centred coordinates, (ax, ay) absolute ones.
    void index(double u, double v, double ax, double ay, std::size_t& ix, std::size_t& iy) const {
        switch (p.bin) {
        case binning::left_closed: ix = bx.left_closed(u), iy = by.left_closed(v); break;
        case binning::right_closed: ix = bx.right_closed(u), iy = by.right_closed(v); break;
        case binning::nearest:
            if (!absolute) ax = u, ay = v;
            ix = nearest_index(ax, off_x, ioff_x, bx.step, bx.inv_step, p.npix_x);
            iy = nearest_index(ay, off_y, ioff_y, by.step, by.inv_step, p.npix_y);
            break;
        }
    }
    /// Pixel number ix * npix_y + iy of a point, or npix_x * npix_y when it is outside.
    std::size_t pixel(double u, double v, double ax, double ay) const {
        std::size_t ix = p.npix_x, iy = p.npix_y;
        index(u, v, ax, ay, ix, iy);
        return combine(ix, iy, (ix < p.npix_x) & (iy < p.npix_y));
    }
    /// ix * npix_y + iy if in, else npix_x * npix_y, without a branch (unsigned wrap-around is exact).
    std::size_t combine(std::size_t ix, std::size_t iy, bool in) const {
        const std::size_t npix = p.npix_x * p.npix_y;
        return npix + std::size_t(in) * (ix * p.npix_y + iy - npix);
    }
    /// q[i] = pixel(u[i], v[i], ax[i], ay[i]) for n points. With SSE2 both coordinates of a
    /// point are binned at once in the two lanes of a register, by the same arithmetic as the
    /// scalar functions above (the same roundings, so the same pixels): an estimate corrected
    /// once against the exact edges and then checked; a point that fails the check (or, for
    /// the nearest rule, lies within 1e-9 of a boundary or beyond 2^20 pixel widths) is binned
    /// by the scalar functions.
    void pixels(const double* u, const double* v, const double* ax, const double* ay, std::size_t n, std::uint32_t* q) const {
#if defined(__SSE2__)
        const __m128d one = _mm_set1_pd(1.0), zero = _mm_setzero_pd(), sign = _mm_set1_pd(-0.0);
        const __m128d lo = _mm_set_pd(by.lo, bx.lo), hi = _mm_set_pd(by.hi, bx.hi);
        const __m128d step = _mm_set_pd(by.step, bx.step), inv = _mm_set_pd(by.inv_step, bx.inv_step);
        const __m128d nn = _mm_set_pd(double(p.npix_y), double(p.npix_x)), nm1 = _mm_sub_pd(nn, one);
        const auto lanes = [](__m128i k, std::size_t& ix, std::size_t& iy) {
            ix = std::size_t(std::uint32_t(_mm_cvtsi128_si32(k)));
            iy = std::size_t(std::uint32_t(_mm_cvtsi128_si32(_mm_srli_si128(k, 4))));
        };
        if (p.bin == binning::nearest) {
            const __m128d half = _mm_set1_pd(0.5), lim = _mm_set1_pd(2097152.0), big = _mm_set1_pd(1048576.0),
                          edge_eps = _mm_set1_pd(0.5 - 1e-9);
            const auto clamp30 = [](long o) { return std::int32_t(o < -(1L << 30) ? -(1L << 30) : o > (1L << 30) ? (1L << 30) : o); };
            const __m128i off = _mm_set_epi32(0, 0, clamp30(ioff_y), clamp30(ioff_x));  // |c| <= 2^21: beyond 2^30 all is outside anyway
            const double* xa = absolute ? ax : u;
            const double* ya = absolute ? ay : v;
            for (std::size_t i = 0; i < n; ++i) {
                const __m128d t = _mm_sub_pd(_mm_mul_pd(_mm_set_pd(ya[i], xa[i]), inv), half);
                const __m128d tc = _mm_max_pd(_mm_min_pd(t, lim), _mm_sub_pd(zero, lim));
                const __m128d tr = _mm_cvtepi32_pd(_mm_cvttpd_epi32(tc));
                const __m128d c = _mm_add_pd(tr, _mm_and_pd(_mm_cmplt_pd(tr, tc), one));  // ceil(t)
                const __m128d g = _mm_andnot_pd(sign, _mm_sub_pd(_mm_sub_pd(c, t), half));
                const __m128d bad = _mm_or_pd(_mm_cmpgt_pd(g, edge_eps), _mm_cmpnle_pd(_mm_andnot_pd(sign, t), big));
                if (_mm_movemask_pd(bad)) {
                    q[i] = std::uint32_t(pixel(u[i], v[i], ax[i], ay[i]));
                    continue;
                }
                std::size_t ix, iy;
                lanes(_mm_sub_epi32(_mm_cvttpd_epi32(c), off), ix, iy);  // below 0: a huge unsigned value
                q[i] = std::uint32_t(combine(ix, iy, (ix < p.npix_x) & (iy < p.npix_y)));
            }
            return;
        }
        const bool right = p.bin == binning::right_closed;
        for (std::size_t i = 0; i < n; ++i) {
            const __m128d x = _mm_set_pd(v[i], u[i]);
            const __m128d inside = right ? _mm_and_pd(_mm_cmpgt_pd(x, lo), _mm_cmple_pd(x, hi))
                                         : _mm_and_pd(_mm_cmpge_pd(x, lo), _mm_cmple_pd(x, hi));
            const __m128d c = _mm_max_pd(_mm_min_pd(x, hi), lo);  // NaN: hi (outside anyway)
            const __m128d r = _mm_mul_pd(_mm_sub_pd(c, lo), inv);    // in [0, ~n]
            const __m128d tr = _mm_cvtepi32_pd(_mm_cvttpd_epi32(r));   // floor (r >= 0)
            __m128d k = right ? _mm_sub_pd(_mm_add_pd(tr, _mm_and_pd(_mm_cmplt_pd(tr, r), one)), one) : tr;
            k = _mm_max_pd(_mm_min_pd(k, nm1), zero);
            // edges e_k = k step + lo and e_k+1 (= hi for k + 1 = n), as axis_bins::edge
            const auto edges = [&](__m128d kk, __m128d& ek, __m128d& ek1) {
                ek = _mm_add_pd(_mm_mul_pd(kk, step), lo);
                const __m128d k1 = _mm_add_pd(kk, one), top = _mm_cmpge_pd(k1, nn);
                ek1 = _mm_or_pd(_mm_and_pd(top, hi), _mm_andnot_pd(top, _mm_add_pd(_mm_mul_pd(k1, step), lo)));
            };
            __m128d ek, ek1;
            edges(k, ek, ek1);
            const __m128d has_below = _mm_cmpgt_pd(k, zero), has_above = _mm_cmplt_pd(k, nm1);
            const __m128d down = _mm_and_pd(has_below, right ? _mm_cmple_pd(c, ek) : _mm_cmplt_pd(c, ek));
            const __m128d up = _mm_and_pd(has_above, right ? _mm_cmpgt_pd(c, ek1) : _mm_cmpge_pd(c, ek1));
            k = _mm_add_pd(_mm_sub_pd(k, _mm_and_pd(down, one)), _mm_and_pd(up, one));
            edges(k, ek, ek1);  // check: (k = 0 or c beyond e_k) and (k = n - 1 or c within e_k+1)
            const __m128d ok_lo = _mm_or_pd(_mm_cmpeq_pd(k, zero), right ? _mm_cmpgt_pd(c, ek) : _mm_cmpge_pd(c, ek));
            const __m128d ok_hi = _mm_or_pd(_mm_cmpeq_pd(k, nm1), right ? _mm_cmple_pd(c, ek1) : _mm_cmplt_pd(c, ek1));
            if (_mm_movemask_pd(_mm_and_pd(ok_lo, ok_hi)) != 3) {
                q[i] = std::uint32_t(pixel(u[i], v[i], ax[i], ay[i]));
                continue;
            }
            std::size_t ix, iy;
            lanes(_mm_cvttpd_epi32(k), ix, iy);
            q[i] = std::uint32_t(combine(ix, iy, _mm_movemask_pd(inside) == 3));
        }
#else
        for (std::size_t i = 0; i < n; ++i) q[i] = std::uint32_t(pixel(u[i], v[i], ax[i], ay[i]));
#endif
    }
};

/// Up to k (<= 3) hottest pixels of the pT image of the n points (u, v): their centres, hottest
/// first (ties: lower x index, then lower y index first). Returns how many were found.
std::size_t hot_pixels(const params& p, const double* u, const double* v, const double* w, std::size_t n, std::size_t k,
                       std::pair<double, double>* out, workspace& ws) {
    binner b(p);
    std::vector<double>& buf = ws.hot;
    buf.assign(p.npix_x * p.npix_y, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t q = b.pixel(u[i], v[i], u[i], v[i]);
        if (q < buf.size()) buf[q] += w[i];
    }
    std::vector<std::uint32_t>& idx = ws.hot_idx;
    idx.clear();
    for (std::size_t q = 0; q < buf.size(); ++q)
        if (buf[q] > 0) idx.push_back(std::uint32_t(q));
    const std::size_t kk = std::min(k, idx.size());
    std::partial_sort(idx.begin(), idx.begin() + long(kk), idx.end(), [&](std::uint32_t a, std::uint32_t c) {
        return buf[a] > buf[c] || (buf[a] == buf[c] && a < c);
    });
    for (std::size_t q = 0; q < kk; ++q) out[q] = {b.bx.centre(idx[q] / p.npix_y), b.by.centre(idx[q] % p.npix_y)};
    return kk;
}

/// Principal-axis angle theta = atan2(2 M11, M20 - M02) / 2 of the pT-weighted second moments
/// about the origin. Equal to Macaluso-Shih's arctan(2 M11 / (M20 - M02 + sqrt(...))) and
/// defined also where their expression is 0/0.
double principal_angle(const double* u, const double* v, const double* w, std::size_t n) {
    double m11 = 0, m20 = 0, m02 = 0;
    for (std::size_t i = 0; i < n; ++i) {
        m11 += w[i] * u[i] * v[i];
        m20 += w[i] * u[i] * u[i];
        m02 += w[i] * v[i] * v[i];
    }
    return 0.5 * std::atan2(2 * m11, m20 - m02);
}

void rotate_points(double* u, double* v, std::size_t n, double beta) {
    const double c = std::cos(beta), s = std::sin(beta);
    for (std::size_t i = 0; i < n; ++i) {
        const double a = u[i], b = v[i];
        u[i] = c * a - s * b;
        v[i] = s * a + c * b;
    }
}

/// Whether the half on the wrong side (for `rule`) is heavier: then the axis must be flipped.
bool must_flip(flip_rule rule, double neg, double pos) {
    if (rule == flip_rule::positive) return neg > pos;
    if (rule == flip_rule::negative) return pos > neg;
    return false;
}

/// Copies the rows with pT > cut into pt, xs, ys, ms (as double, in order; each array has room
/// for m) and returns how many, or `invalid` when any of the 4 m values is not finite or a pT is
/// below zero (then the arrays hold garbage). One pass: with SSE2, 4 rows at a time are
/// checked on their bits (exponent all ones = inf/NaN), transposed into (pT x4, eta x4, ...),
/// compared with the cut and, all 4 kept or all 4 padding being the rule, stored or skipped
/// whole; the last m % 4 rows (and non-SSE2 builds) go one by one.
constexpr std::size_t invalid = std::size_t(-1);
std::size_t gather_rows(const float* rows, std::size_t m, double cut, double* pt, double* xs, double* ys, double* ms) {
    constexpr std::uint32_t expo = 0x7f800000u;
    std::size_t n = 0, i = 0;
    std::uint32_t bad = 0;
#if defined(__SSE2__)
    const __m128i ex = _mm_set1_epi32(std::int32_t(expo));
    const __m128d cutv = _mm_set1_pd(cut);
    __m128i badv = _mm_setzero_si128();
    __m128 neg = _mm_setzero_ps();
    for (; i + 4 <= m; i += 4) {
        __m128 r0 = _mm_loadu_ps(rows + 4 * i), r1 = _mm_loadu_ps(rows + 4 * i + 4), r2 = _mm_loadu_ps(rows + 4 * i + 8),
               r3 = _mm_loadu_ps(rows + 4 * i + 12);
        badv = _mm_or_si128(badv, _mm_cmpeq_epi32(_mm_and_si128(_mm_castps_si128(r0), ex), ex));
        badv = _mm_or_si128(badv, _mm_cmpeq_epi32(_mm_and_si128(_mm_castps_si128(r1), ex), ex));
        badv = _mm_or_si128(badv, _mm_cmpeq_epi32(_mm_and_si128(_mm_castps_si128(r2), ex), ex));
        badv = _mm_or_si128(badv, _mm_cmpeq_epi32(_mm_and_si128(_mm_castps_si128(r3), ex), ex));
        _MM_TRANSPOSE4_PS(r0, r1, r2, r3);  // r0 = the 4 pT, r1 = eta, r2 = phi, r3 = m
        neg = _mm_or_ps(neg, _mm_cmplt_ps(r0, _mm_setzero_ps()));  // -0 is not below zero
        const __m128d p01 = _mm_cvtps_pd(r0), p23 = _mm_cvtps_pd(_mm_movehl_ps(r0, r0));
        const int keep = _mm_movemask_pd(_mm_cmpgt_pd(p01, cutv)) | (_mm_movemask_pd(_mm_cmpgt_pd(p23, cutv)) << 2);
        if (keep == 0) continue;
        if (keep == 15) {
            _mm_storeu_pd(pt + n, p01), _mm_storeu_pd(pt + n + 2, p23);
            _mm_storeu_pd(xs + n, _mm_cvtps_pd(r1)), _mm_storeu_pd(xs + n + 2, _mm_cvtps_pd(_mm_movehl_ps(r1, r1)));
            _mm_storeu_pd(ys + n, _mm_cvtps_pd(r2)), _mm_storeu_pd(ys + n + 2, _mm_cvtps_pd(_mm_movehl_ps(r2, r2)));
            _mm_storeu_pd(ms + n, _mm_cvtps_pd(r3)), _mm_storeu_pd(ms + n + 2, _mm_cvtps_pd(_mm_movehl_ps(r3, r3)));
            n += 4;
            continue;
        }
        for (std::size_t k = 0; k < 4; ++k) {
            if (!((keep >> k) & 1)) continue;
            const float* r = rows + 4 * (i + k);
            pt[n] = r[0], xs[n] = r[1], ys[n] = r[2], ms[n] = r[3];
            ++n;
        }
    }
    bad |= std::uint32_t(_mm_movemask_epi8(badv) | _mm_movemask_ps(neg));
#endif
    for (; i < m; ++i) {
        const float* r = rows + 4 * i;
        for (int q = 0; q < 4; ++q) {
            std::uint32_t u;
            std::memcpy(&u, r + q, sizeof u);
            bad |= std::uint32_t((u & expo) == expo) | std::uint32_t(q == 0 && u > 0x80000000u);
        }
        if (!(double(r[0]) > cut)) continue;  // also pT == 0 padding (cut >= 0)
        pt[n] = r[0], xs[n] = r[1], ys[n] = r[2], ms[n] = r[3];
        ++n;
    }
    return bad ? invalid : n;
}

/// Grows v to at least n elements (never shrinks, so a workspace settles at the largest jet).
template <class T> T* room(std::vector<T>& v, std::size_t n) {
    if (v.size() < n) v.resize(n);
    return v.data();
}

}  // namespace

void make_image(const params& p, const float* rows, std::size_t m, float* out, jet_info& info, workspace& ws) {
    info = jet_info{};
    const std::size_t npix = p.npix_x * p.npix_y, nch = p.channels.size();
    //-- read the constituents ------------------------------------------------------------------
    double *pt = room(ws.pt, m), *xs = room(ws.x, m), *ys = room(ws.y, m), *ms = room(ws.m, m);
    std::size_t n = gather_rows(rows, m, p.pt_cut, pt, xs, ys, ms);
    if (n == invalid) {
        for (std::size_t i = 0; i < m; ++i) {  // the first bad constituent, in the shared rule's words
            const std::string why = constituent_row_problem(rows + 4 * i);
            if (!why.empty()) throw error("constituent " + std::to_string(i) + ": " + why);
        }
    }
    std::fill(out, out + nch * npix, 0.0f);
    if (n == 0) {
        info.flags = flag_empty | flag_outside;
        info.frac_outside = 1;
        return;
    }
    //-- subjets (before anything moves), trimming --------------------------------------------
    const bool need_subjets = p.centre == centre_mode::leading_subjet || p.rotate == rotate_mode::subjet2 ||
                              p.rotate == rotate_mode::pixel_subjet2 ||
                              (p.flip_x != flip_rule::none && p.flip_x_by == flip_by::subjet3) || p.trim;
    std::vector<subjet>& subjets = ws.subjets;
    subjets.clear();
    if (need_subjets) {
        subjets = leading_subjets(pt, xs, ys, ms, n, p.input_coord, p.image_coord, p.subjet_R, p.subjet_fcut,
                                  p.trim ? &ws.member : nullptr);
        if (p.trim) {
            std::size_t k = 0;
            for (std::size_t i = 0; i < n; ++i)
                if (ws.member[i] >= 0) pt[k] = pt[i], xs[k] = xs[i], ys[k] = ys[i], ms[k] = ms[i], ++k;
            n = k;
            if (n == 0) {
                info.flags = flag_empty | flag_outside;
                info.frac_outside = 1;
                return;
            }
        }
    }
    info.nconst = n;
    std::size_t hardest = 0;
    for (std::size_t i = 1; i < n; ++i)
        if (pt[i] > pt[hardest]) hardest = i;
    //-- coordinates, energies, jet kinematics (only where something needs them) ---------------
    bool need_e = false;
    for (auto c : p.channels) need_e |= c == intensity::e;
    const bool need_kin = p.jet_kinematics || need_e || p.centre == centre_mode::jet_axis || p.centre == centre_mode::max_pixel ||
                          (p.centre == centre_mode::leading_subjet && subjets.empty());
    double* es = need_e ? room(ws.e, n) : nullptr;
    double pz = 0, esum = 0;
    if (need_kin) {
        double px = 0, py = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const double pti = pt[i], mm = ms[i];
            const double mt = std::sqrt(pti * pti + mm * mm);
            const double pzi = p.input_coord == coord::eta ? pti * std::sinh(xs[i]) : mt * std::sinh(xs[i]);
            const double e = std::sqrt(mt * mt + pzi * pzi);
            if (es) es[i] = e;
            px += pti * std::cos(ys[i]), py += pti * std::sin(ys[i]), pz += pzi, esum += e;
            // for a massless constituent y = eta, and x is kept as it is (bit for bit: the round
            // trip through pz could move it an ulp)
            if (p.input_coord != p.image_coord && mm != 0) xs[i] = convert_x(pti, xs[i], mm, p.input_coord, p.image_coord);
        }
        info.pt = std::hypot(px, py);
        info.eta = info.pt > 0 ? std::asinh(pz / info.pt) : 0.0;
        info.phi = info.pt > 0 ? std::atan2(py, px) : 0.0;
        if (info.phi <= -pi) info.phi += twopi;
        const double p2 = info.pt * info.pt + pz * pz, m2 = (esum - std::sqrt(p2)) * (esum + std::sqrt(p2));
        info.mass = m2 > 0 ? std::sqrt(m2) : 0.0;  // a sum of physical momenta has m2 >= 0 up to rounding
    } else if (p.input_coord != p.image_coord) {
        // only the coordinate changes (the energyflow preset): as above, without the
        // trigonometry of the jet sums
        for (std::size_t i = 0; i < n; ++i)
            if (ms[i] != 0) xs[i] = convert_x(pt[i], xs[i], ms[i], p.input_coord, p.image_coord);
    }
    // azimuth made continuous around the hardest constituent
    const double fref = ys[hardest];
    for (std::size_t i = 0; i < n; ++i) ys[i] = fref + wrap(ys[i] - fref);
    for (auto& s : subjets) s.phi = fref + wrap(s.phi - fref);
    //-- centre -------------------------------------------------------------------------------
    double cx = 0, cy = 0;
    double jet_x = 0, jet_f = fref;
    if (need_kin) {
        jet_x = p.image_coord == coord::eta ? info.eta : 0.5 * std::log((esum + pz) / (esum - pz));
        if (!std::isfinite(jet_x)) jet_x = 0;
        jet_f = fref + wrap(info.phi - fref);
    }
    double* u = room(ws.u, n);
    double* v = room(ws.v, n);
    std::pair<double, double> hot[3];
    switch (p.centre) {
    case centre_mode::none: cx = 0, cy = 0; break;
    case centre_mode::ptcentroid: {
        double sw = 0, sx = 0, sf = 0;
        for (std::size_t i = 0; i < n; ++i) sw += pt[i], sx += pt[i] * xs[i], sf += pt[i] * (ys[i] - fref);
        cx = sx / sw, cy = fref + sf / sw;
        break;
    }
    case centre_mode::jet_axis: cx = jet_x, cy = jet_f; break;
    case centre_mode::hardest: cx = xs[hardest], cy = fref; break;
    case centre_mode::leading_subjet:
        if (!subjets.empty()) cx = subjets[0].x, cy = subjets[0].phi;
        else cx = jet_x, cy = jet_f;  // every subjet below fcut cannot happen for fcut < 1; kept for safety
        break;
    case centre_mode::max_pixel: {
        for (std::size_t i = 0; i < n; ++i) u[i] = xs[i] - jet_x, v[i] = wrap(ys[i] - jet_f);
        const std::size_t nh = hot_pixels(p, u, v, pt, n, 1, hot, ws);
        cx = jet_x + (nh == 0 ? 0.0 : hot[0].first);
        cy = jet_f + (nh == 0 ? 0.0 : hot[0].second);
        break;
    }
    }
    info.centre_x = cx;
    info.centre_phi = wrap(cy);
    for (std::size_t i = 0; i < n; ++i) u[i] = xs[i] - cx, v[i] = wrap(ys[i] - cy);
    std::vector<std::pair<double, double>>& sj = ws.sj;  // centred subjet positions
    sj.clear();
    for (const auto& s : subjets) sj.emplace_back(s.x - cx, wrap(s.phi - cy));
    //-- rotate (constituents) ----------------------------------------------------------------
    bool moved = false;
    double pixel_angle = 0;
    auto target_angle = [&](double dir_angle) { return p.rotate_angle - dir_angle; };
    auto pca_oriented = [&]() {  // principal axis pointing to the heavier side
        const double th = principal_angle(u, v, pt, n);
        double proj = 0;
        for (std::size_t i = 0; i < n; ++i) proj += pt[i] * (u[i] * std::cos(th) + v[i] * std::sin(th));
        return proj < 0 ? th + pi : th;
    };
    double beta = 0;
    switch (p.rotate) {
    case rotate_mode::none: break;
    case rotate_mode::pca: beta = -principal_angle(u, v, pt, n); break;
    case rotate_mode::subjet2:
    case rotate_mode::pixel_subjet2:
        if (sj.size() >= 2) beta = target_angle(std::atan2(sj[1].second, sj[1].first));
        else beta = target_angle(pca_oriented()), info.flags |= flag_rotate_fallback;
        break;
    case rotate_mode::max2: {
        if (hot_pixels(p, u, v, pt, n, 2, hot, ws) >= 2)
            beta = target_angle(std::atan2(hot[1].second - hot[0].second, hot[1].first - hot[0].first));
        else beta = target_angle(pca_oriented()), info.flags |= flag_rotate_fallback;
        break;
    }
    }
    if (p.rotate == rotate_mode::pixel_subjet2) {
        pixel_angle = beta;
    } else if (beta != 0) {
        rotate_points(u, v, n, beta);
        const double c = std::cos(beta), s = std::sin(beta);
        for (auto& q : sj) q = {c * q.first - s * q.second, s * q.first + c * q.second};
        moved = true;
    }
    info.angle = beta;
    //-- flip (constituents) ------------------------------------------------------------------
    const bool pixel_flips = p.flip_on == flip_level::pixels;
    bool flipped_by_position = false;
    if (p.flip_x != flip_rule::none && p.flip_x_by != flip_by::intensity) {
        double pos = std::numeric_limits<double>::quiet_NaN();
        if (p.flip_x_by == flip_by::subjet3 && sj.size() >= 3) pos = sj[2].first;
        if (p.flip_x_by == flip_by::max3 && hot_pixels(p, u, v, pt, n, 3, hot, ws) >= 3) pos = hot[2].first - hot[0].first;
        if (std::isnan(pos)) {
            info.flags |= flag_flip_fallback;
        } else {
            flipped_by_position = true;
            if (must_flip(p.flip_x, pos < 0 ? 1.0 : 0.0, pos > 0 ? 1.0 : 0.0)) {
                for (std::size_t i = 0; i < n; ++i) u[i] = -u[i];
                moved = true;
            }
        }
    }
    if (!pixel_flips && (p.flip_x != flip_rule::none || p.flip_y != flip_rule::none)) {
        double nx = 0, px_ = 0, ny = 0, py_ = 0;
        for (std::size_t i = 0; i < n; ++i) {
            if (u[i] < 0) nx += pt[i];
            if (u[i] > 0) px_ += pt[i];
            if (v[i] < 0) ny += pt[i];
            if (v[i] > 0) py_ += pt[i];
        }
        if (!flipped_by_position && must_flip(p.flip_x, nx, px_)) {
            for (std::size_t i = 0; i < n; ++i) u[i] = -u[i];
            moved = true;
        }
        if (must_flip(p.flip_y, ny, py_)) {
            for (std::size_t i = 0; i < n; ++i) v[i] = -v[i];
            moved = true;
        }
    }
    //-- pixelate -----------------------------------------------------------------------------
    // ws.img ([ch][ix * npix_y + iy], stride npix + 1, double) is all zero between calls; the
    // extra slot npix of each channel collects the points outside the window, so that no branch
    // depends on where a point falls. ws.bits marks the touched pixels; reading it word by word
    // visits them in increasing pixel order, which gives every sum below the same value as a
    // pass over the whole grid (adding a zero changes no sum). Only they are zeroed again.
    binner b(p);
    if (p.bin == binning::nearest && !moved) b.centre_at(cx, cy);
    const std::size_t stride = npix + 1, nwords = npix / 64 + 1;
    if (ws.img.size() != nch * stride || ws.grid_x != p.npix_x || ws.grid_y != p.npix_y) {
        ws.img.assign(nch * stride, 0.0);
        ws.bits.assign(nwords, 0);
        ws.grid_x = p.npix_x, ws.grid_y = p.npix_y;
        ws.pix_x.resize(npix), ws.pix_y.resize(npix);  // pixel number -> (ix, iy), without a division
        for (std::size_t q = 0; q < npix; ++q) ws.pix_x[q] = std::uint32_t(q / p.npix_y), ws.pix_y[q] = std::uint32_t(q % p.npix_y);
    }
    double* img = ws.img.data();
    std::uint64_t* bits = ws.bits.data();
    std::uint32_t* qs = room(ws.q, n);
    b.pixels(u, v, xs, ys, n, qs);
    std::vector<double>& tot = ws.totals;
    tot.assign(nch, 0.0);
    if (p.norm == norm_mode::total)
        for (std::size_t ch = 0; ch < nch; ++ch) {
            const intensity k = p.channels[ch];
            for (std::size_t i = 0; i < n; ++i) tot[ch] += k == intensity::pt ? pt[i] : k == intensity::e ? es[i] : 1.0;
        }
    double pt_in = 0, pt_out = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t q = qs[i];
        const bool in = q != npix;
        pt_in += keep_if(pt[i], in);  // adding +0 changes neither sum
        pt_out += keep_if(pt[i], !in);
        bits[q >> 6] |= std::uint64_t(1) << (q & 63);
    }
    // channel by channel: each pixel still sums its constituents in input order
    for (std::size_t ch = 0; ch < nch; ++ch) {
        const intensity k = p.channels[ch];
        double* im = img + ch * stride;
        const double* w = k == intensity::pt ? pt : k == intensity::e ? es : nullptr;
        if (!w) {
            for (std::size_t i = 0; i < n; ++i) im[qs[i]] += 1.0;
        } else if (p.norm == norm_mode::total) {
            const double t = tot[ch];
            for (std::size_t i = 0; i < n; ++i) im[qs[i]] += w[i] / t;
        } else {
            for (std::size_t i = 0; i < n; ++i) im[qs[i]] += w[i];
        }
        im[npix] = 0;  // the points outside
    }
    bits[npix >> 6] &= ~(std::uint64_t(1) << (npix & 63));
    std::uint32_t* touched = room(ws.touched, npix);
    std::size_t nt = 0;
    for (std::size_t k = 0; k < nwords; ++k) {
        for (std::uint64_t x = bits[k]; x != 0; x &= x - 1) touched[nt++] = std::uint32_t(k * 64 + std::size_t(__builtin_ctzll(x)));
        bits[k] = 0;
    }
    const double pt_tot = pt_in + pt_out;
    info.frac_outside = pt_out / pt_tot;
    if (pt_in == 0) info.flags |= flag_outside;
    if (1.0 - info.frac_outside < p.min_in_window) info.flags |= flag_below_min;
    //-- pixel-space rotation and flips -------------------------------------------------------
    if (pixel_angle != 0) {
        double* r = room(ws.rot, npix);
        for (std::size_t ch = 0; ch < nch; ++ch) {
            rotate_pixels(img + ch * stride, r, p.npix_x, p.npix_y, pixel_angle, (p.x_hi - p.x_lo) / double(p.npix_x),
                          (p.y_hi - p.y_lo) / double(p.npix_y));
            std::copy(r, r + npix, img + ch * stride);
        }
        nt = npix;  // the whole grid from here on
        std::iota(touched, touched + npix, std::uint32_t(0));
    }
    const std::uint32_t* pix_x = ws.pix_x.data();
    const std::uint32_t* pix_y = ws.pix_y.data();
    bool fx = false, fy = false;
    if (pixel_flips) {
        // halves: the first and last floor(n/2) rows/columns (the middle one excluded for odd n),
        // summed over the first channel
        const std::size_t hx = p.npix_x / 2, hy = p.npix_y / 2;
        double nx = 0, px_ = 0, ny = 0, py_ = 0;
        for (std::size_t t = 0; t < nt; ++t) {
            const std::uint32_t q = touched[t];
            const std::size_t ix = pix_x[q], iy = pix_y[q];
            const double val = img[q];
            nx += keep_if(val, ix < hx);
            px_ += keep_if(val, ix >= p.npix_x - hx);
            ny += keep_if(val, iy < hy);
            py_ += keep_if(val, iy >= p.npix_y - hy);
        }
        fx = !flipped_by_position && must_flip(p.flip_x, nx, px_), fy = must_flip(p.flip_y, ny, py_);
    }
    //-- normalise, write, and zero the touched pixels again -----------------------------------
    for (std::size_t ch = 0; ch < nch; ++ch) {
        double* im = img + ch * stride;
        double scale = 1;
        if (p.channels[ch] != intensity::count && p.norm != norm_mode::none && p.norm != norm_mode::total) {
            double s = 0;
            if (p.norm == norm_mode::l1)
                for (std::size_t t = 0; t < nt; ++t) s += im[touched[t]];
            else
                for (std::size_t t = 0; t < nt; ++t) s += im[touched[t]] * im[touched[t]];
            if (p.norm == norm_mode::l2) s = std::sqrt(s);
            scale = s > 0 ? 1.0 / s : 1.0;  // an empty image stays zero (flag_outside)
        }
        for (std::size_t t = 0; t < nt; ++t) {
            const std::uint32_t q = touched[t];
            std::size_t ix = pix_x[q], iy = pix_y[q];
            if (fx) ix = p.npix_x - 1 - ix;
            if (fy) iy = p.npix_y - 1 - iy;
            out[out_index(p, ch, ix, iy)] = float(im[q] * scale);
            im[q] = 0;
        }
    }
}

}  // namespace jetml::image
