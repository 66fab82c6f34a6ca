// SPDX-License-Identifier: MIT
// Unit tests for jetml/image: each step and each preset on small jets worked out by hand.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <vector>

#include "jetml/core/error.hpp"
#include "jetml/jets/image.hpp"
#include "jetml/jets/toy.hpp"

using namespace jetml::image;

namespace {
constexpr double PI = 3.141592653589793;

struct jet {
    std::vector<float> rows;
    jet& add(double pt, double eta, double phi, double m = 0) {
        rows.insert(rows.end(), {float(pt), float(eta), float(phi), float(m)});
        return *this;
    }
    std::size_t size() const { return rows.size() / 4; }
};

std::vector<float> run(const params& p, const jet& j, jet_info* info_out = nullptr) {
    std::vector<float> out(p.pixels(), -1.0f);
    jet_info info;
    workspace ws;
    make_image(p, j.rows.data(), j.size(), out.data(), info, ws);
    if (info_out) *info_out = info;
    return out;
}

/// A params with no centring, rotation, flip or normalisation on an n x n grid over [-w/2, w/2].
params plain(std::size_t n, double w) {
    params p;
    p.centre = centre_mode::none;
    p.norm = norm_mode::none;
    p.npix_x = p.npix_y = n;
    p.x_lo = p.y_lo = -w / 2;
    p.x_hi = p.y_hi = w / 2;
    return p;
}

/// Pixel (row, col) of channel 0 of a (C, H, W) image.
float at(const params& p, const std::vector<float>& img, std::size_t r, std::size_t c, std::size_t ch = 0) {
    return img[(ch * p.height() + r) * p.width() + c];
}

/// The nonzero pixels as "r,c=v" for readable failure messages.
std::string nonzero(const params& p, const std::vector<float>& img) {
    std::string s;
    char b[128];
    for (std::size_t ch = 0; ch < p.n_channels(); ++ch)
        for (std::size_t r = 0; r < p.height(); ++r)
            for (std::size_t c = 0; c < p.width(); ++c)
                if (at(p, img, r, c, ch) != 0) {
                    std::snprintf(b, sizeof b, "%zu:%zu,%zu=%g ", ch, r, c, double(at(p, img, r, c, ch)));
                    s += b;
                }
    return s;
}
}  // namespace

// pT values are small integers and the expected pixel sums are exact in float, so images
// are compared exactly unless a comment says otherwise.

TEST_CASE("image: binning rules at the edges (histogram2d, searchsorted)") {
    params p = plain(2, 2.0);  // edges -1, 0, 1 in both axes
    p.npix_y = 1;
    p.y_lo = -1, p.y_hi = 1;
    jet j;
    j.add(1, 0.0, 0.5).add(2, 1.0, 0.5).add(4, -1.0, 0.5).add(8, 1.5, 0.5);
    SUBCASE("left-closed: [e_k, e_k+1), the last bin closed") {
        p.bin = binning::left_closed;
        auto img = run(p, j);
        CHECK(at(p, img, 0, 0) == 4);      // x = -1 is the first edge: inside
        CHECK(at(p, img, 1, 0) == 1 + 2);  // x = 0 goes up; x = 1 is the last edge: inside
    }
    SUBCASE("right-closed: (e_k, e_k+1]") {
        p.bin = binning::right_closed;
        jet_info info;
        auto img = run(p, j, &info);
        CHECK(at(p, img, 0, 0) == 1);  // x = 0 goes down; x = -1 is outside
        CHECK(at(p, img, 1, 0) == 2);
        CHECK(info.frac_outside == doctest::Approx(12.0 / 15.0).epsilon(1e-12));  // double round-off only
    }
}

TEST_CASE("image: EnergyFlow nearest-centre rule snaps the centroid to a pixel (exact .5 goes down)") {
    params p = plain(4, 1.0);  // pixel width 0.25, exact in binary
    p.centre = centre_mode::ptcentroid;
    p.bin = binning::nearest;
    p.rows = layout::phi_rows;
    p.norm = norm_mode::l1;
    jet j;
    j.add(1, 0.0, 0.0).add(1, 0.25, 0.0);  // centroid x = 0.125: 0.125 / 0.25 - 0.5 = 0 -> centre index 0 - 2
    auto img = run(p, j);
    INFO(nonzero(p, img));
    CHECK(at(p, img, 2, 2) == 0.5f);  // rows = phi: ceil(0 - .5) + 2 = 2; x: ceil(-0.5) + 2 = 2
    CHECK(at(p, img, 2, 3) == 0.5f);  // x: ceil(1 - .5) + 2 = 3
}

TEST_CASE("image: EnergyFlow nearest rule on negative coordinates equals the formula with std::ceil") {
    // points on and around half-pixel boundaries (exact in binary) left and right of zero, with a
    // centroid at negative x and phi: every index must be EnergyFlow's
    // ceil(v / w - 1/2) - (ceil(c / w - 1/2) - floor(n / 2)) computed here with std::ceil
    params p = plain(8, 2.0);  // w = 0.25
    p.centre = centre_mode::ptcentroid;
    p.bin = binning::nearest;
    p.norm = norm_mode::none;
    const double xs[] = {-1.125, -0.875, -0.625, -0.375, -0.125, 0.0, -0.0, 0.125, 0.375, -0.3, -0.2};
    jet j;
    double sw = 0, sx = 0;
    for (double x : xs) j.add(1, x, x / 2), sw += 1, sx += x;
    const double cx = sx / sw, cy = (sx / 2) / sw;  // pT centroid (phi relative to the hardest = first)
    const double w = 0.25;
    auto idx = [&](double v, double c) {
        const double i = std::ceil(v / w - 0.5) - (std::ceil(c / w - 0.5) - 4.0);
        return i >= 0 && i < 8 ? int(i) : -1;
    };
    std::vector<float> want(p.pixels(), 0.0f);
    for (double x : xs) {
        const int ix = idx(x, cx), iy = idx(x / 2, cy);
        if (ix >= 0 && iy >= 0) want[std::size_t(ix) * 8 + std::size_t(iy)] += 1.0f;
    }
    CHECK(run(p, j) == want);
}

TEST_CASE("image: EnergyFlow nearest rule at and next to half-pixel boundaries, far from zero too") {
    // the index is computed with a multiply and checked against the division near integers: every
    // float within a few ulp of a boundary (w = 0.25: boundaries exact, so the check must catch
    // them), at growing distances from the origin (up to beyond 2^20 pixel widths, where only
    // the division is used), must land where std::ceil of the division puts it
    for (double w : {0.25, 0.1, 1.0 / 3.0}) {
        params p = plain(7, 7 * w);
        p.centre = centre_mode::hardest;  // centre = the first point: absolute binning around it
        p.bin = binning::nearest;
        const double pw = (p.x_hi - p.x_lo) / 7.0;  // the pixel width as jetml computes it
        for (double base : {0.0, -3.0, 17.0, -250.0, 4096.0, 2.5e6}) {
            jet j;
            std::vector<double> xs;
            const float c = float(base * w);
            j.add(1000, c, 0);  // the hardest: the centre
            xs.push_back(double(c));
            for (int k = -4; k <= 4; ++k)
                for (int ulp = -3; ulp <= 3; ++ulp) {
                    float x = float((base + k + 0.5) * w);
                    for (int u = 0; u < std::abs(ulp); ++u) x = std::nextafter(x, ulp > 0 ? 1e30f : -1e30f);
                    j.add(1, x, 0);
                    xs.push_back(double(x));
                }
            const double off = std::ceil(double(c) / pw - 0.5) - 3.0, iy = std::ceil(0.0 / pw - 0.5) + 3.0;
            std::vector<float> want(p.pixels(), 0.0f);
            for (std::size_t i = 0; i < xs.size(); ++i) {
                const double ix = std::ceil(xs[i] / pw - 0.5) - off;
                if (ix >= 0 && ix < 7) want[std::size_t(ix) * 7 + std::size_t(iy)] += i == 0 ? 1000.0f : 1.0f;
            }
            INFO("w = " << w << ", base = " << base);
            CHECK(run(p, j) == want);
        }
    }
}

TEST_CASE("image: every bad value is found wherever it sits; padding and the pT cut anywhere") {
    // the constituents are read 4 rows at a time and the rest one by one: bad values and padding
    // in every row of jets of 1 to 9 rows
    params p = plain(5, 1.0);
    p.norm = norm_mode::l1;
    for (std::size_t m = 1; m <= 9; ++m) {
        auto make = [&] {
            jet j;
            for (std::size_t i = 0; i < m; ++i) j.add(1.0 + double(i), 0.05 * double(i) - 0.2, 0.1 - 0.03 * double(i), 0.1);
            return j;
        };
        for (std::size_t i = 0; i < m; ++i) {
            for (std::size_t q = 0; q < 4; ++q)
                for (float bad : {NAN, INFINITY, -INFINITY}) {
                    jet j = make();
                    j.rows[4 * i + q] = bad;
                    INFO("m = " << m << ", row " << i << ", column " << q);
                    CHECK_THROWS_WITH_AS(run(p, j), ("constituent " + std::to_string(i) + ": non-finite value; expected finite (pT, eta, phi, m)").c_str(),
                                         jetml::error);
                }
            for (float neg : {-1.0f, -1e-45f}) {  // also the smallest negative (denormal) float
                jet j = make();
                j.rows[4 * i] = neg;
                INFO("m = " << m << ", row " << i);
                CHECK_THROWS_AS(run(p, j), jetml::error);
            }
            // padding (pT = 0 or -0) in row i, or a pT at the cut: the image of the jet without that row
            for (float pad : {0.0f, -0.0f, 0.5f}) {
                params pc = p;
                pc.pt_cut = 0.5;
                jet j = make(), k;
                j.rows[4 * i] = pad;
                for (std::size_t r = 0; r < m; ++r)
                    if (r != i) k.rows.insert(k.rows.end(), j.rows.begin() + long(4 * r), j.rows.begin() + long(4 * r + 4));
                INFO("m = " << m << ", padding in row " << i);
                jet_info a, b;
                CHECK(run(pc, j, &a) == run(pc, k, &b));
                CHECK(a.nconst == m - 1);
                CHECK(b.nconst == m - 1);
            }
        }
    }
}

TEST_CASE("image: a reused workspace gives the same images as a fresh one") {
    // the pixel accumulator is zeroed only where a jet touched it, so a sequence of jets with
    // different settings (dense pixel rotation, other grid sizes, flips, errors) must leave no trace
    jet a, b;
    a.add(50, 0.1, 0.2).add(30, -0.2, 0.1).add(10, 0.05, -0.3).add(5, 0.4, 0.4);
    b.add(40, -0.1, 1.0).add(20, 0.1, 1.2).add(8, 0.3, 0.8);
    params p1 = preset("deoliveira");
    p1.rotate = rotate_mode::pixel_subjet2;
    params p2 = preset("macaluso-shih");
    params p3 = preset("energyflow");
    p3.channels = {intensity::pt, intensity::count};
    workspace ws;
    jet_info info;
    for (const params* p : {&p1, &p2, &p3, &p1, &p3, &p2}) {
        for (const jet* jj : {&a, &b}) {
            std::vector<float> out(p->pixels());
            make_image(*p, jj->rows.data(), jj->size(), out.data(), info, ws);
            CHECK(out == run(*p, *jj));
        }
        jet bad;
        bad.add(1, 0, 0).add(-1, 0, 0);
        std::vector<float> out(p->pixels());
        CHECK_THROWS_AS(make_image(*p, bad.rows.data(), bad.size(), out.data(), info, ws), jetml::error);
    }
}

TEST_CASE("image: phi differences wrap across +-pi") {
    params p = plain(2, 0.2);
    p.centre = centre_mode::ptcentroid;
    jet j;
    j.add(1, 0.0, PI - 0.05).add(1, 0.0, -PI + 0.05);
    jet_info info;
    auto img = run(p, j, &info);
    INFO(nonzero(p, img));
    CHECK(at(p, img, 1, 0) == 1);  // x = 0 goes up; phi' = -0.05 (left-closed) -> column 0
    CHECK(at(p, img, 1, 1) == 1);
    CHECK(std::abs(std::abs(info.centre_phi) - PI) < 1e-6);  // float32 inputs: ~1e-7 round-off
    CHECK(info.centre_phi > 0);                              // wrapped into (-pi, pi]
}

TEST_CASE("image: centring modes") {
    params p = plain(5, 0.5);  // pixel 0.1, centre pixel [-0.05, 0.05)
    jet j;
    j.add(3, 1.0, 2.0).add(1, 1.16, 2.0);
    SUBCASE("hardest constituent at the centre") {
        p.centre = centre_mode::hardest;
        auto img = run(p, j);
        CHECK(at(p, img, 2, 2) == 3);
        CHECK(at(p, img, 4, 2) == 1);  // x' = 0.16 -> pixel 4 ([0.15, 0.25))
    }
    SUBCASE("pT centroid") {
        p.centre = centre_mode::ptcentroid;
        jet_info info;
        auto img = run(p, j, &info);
        CHECK(info.centre_x == doctest::Approx(1.04).epsilon(1e-6));  // float32 inputs
        CHECK(at(p, img, 2, 2) == 3);                                    // x' = -0.04 -> [-0.05, 0.05)
        CHECK(at(p, img, 3, 2) == 1);                                    // x' = 0.12 -> [0.05, 0.15)
    }
    SUBCASE("E-scheme jet axis equals the centroid in phi for a common phi") {
        p.centre = centre_mode::jet_axis;
        jet_info info;
        run(p, j, &info);
        CHECK(info.centre_phi == doctest::Approx(2.0).epsilon(1e-6));
        CHECK(info.centre_x > 1.0);
        CHECK(info.centre_x < 1.2);
    }
}

TEST_CASE("image: principal-axis rotation puts the axis on +x exactly") {
    params p = plain(3, 6.0);  // edges -3, -1, 1, 3
    p.centre = centre_mode::ptcentroid;
    p.rotate = rotate_mode::pca;
    jet j;
    j.add(1, 1.0, 1.0).add(1, -1.0, -1.0);  // a line at 45 degrees through the centroid (0, 0)
    jet_info info;
    auto img = run(p, j, &info);
    INFO(nonzero(p, img));
    CHECK(info.angle == doctest::Approx(-PI / 4).epsilon(1e-12));
    CHECK(at(p, img, 2, 1) == 1);  // (+sqrt 2, 0)
    CHECK(at(p, img, 0, 1) == 1);  // (-sqrt 2, 0)
}

TEST_CASE("image: flips put the heavier half on the chosen side") {
    params p = plain(2, 2.0);
    p.npix_y = 1;
    jet j;
    j.add(10, -0.5, 0.5).add(1, 0.5, 0.5);
    p.flip_x = flip_rule::positive;
    auto img = run(p, j);
    CHECK(at(p, img, 1, 0) == 10);
    CHECK(at(p, img, 0, 0) == 1);
    p.flip_x = flip_rule::negative;
    img = run(p, j);
    CHECK(at(p, img, 0, 0) == 10);
    SUBCASE("pixel-sum flips give the same here") {
        p.flip_on = flip_level::pixels;
        p.flip_x = flip_rule::positive;
        img = run(p, j);
        CHECK(at(p, img, 1, 0) == 10);
    }
}

TEST_CASE("image: normalisations") {
    params p = plain(2, 2.0);
    jet j;
    j.add(3, -0.5, -0.5).add(4, 0.5, 0.5).add(5, 3.0, 0.0);  // the last one is outside the window
    jet_info info;
    p.norm = norm_mode::l1;
    auto img = run(p, j, &info);
    CHECK(at(p, img, 0, 0) == doctest::Approx(3.0 / 7).epsilon(1e-7));  // float32 output
    CHECK(info.frac_outside == doctest::Approx(5.0 / 12).epsilon(1e-12));
    p.norm = norm_mode::l2;
    img = run(p, j);
    CHECK(at(p, img, 1, 1) == doctest::Approx(4.0 / 5).epsilon(1e-7));
    p.norm = norm_mode::sumsq;
    img = run(p, j);
    CHECK(at(p, img, 1, 1) == doctest::Approx(4.0 / 25).epsilon(1e-7));
    p.norm = norm_mode::total;
    img = run(p, j);
    CHECK(at(p, img, 1, 1) == doctest::Approx(4.0 / 12).epsilon(1e-7));
    SUBCASE("count channels are never normalised; energy channel uses E = pT cosh(eta)") {
        p.norm = norm_mode::l1;
        p.channels = {intensity::pt, intensity::count, intensity::e};
        img = run(p, j);
        CHECK(at(p, img, 0, 0, 1) == 1);
        CHECK(at(p, img, 1, 1, 1) == 1);
        const double e1 = 3 * std::cosh(0.5), e2 = 4 * std::cosh(0.5);
        CHECK(at(p, img, 0, 0, 2) == doctest::Approx(e1 / (e1 + e2)).epsilon(1e-7));
    }
}

TEST_CASE("image: bad input gives a clear error or a flag, never NaN") {
    params p = plain(3, 1.0);
    p.norm = norm_mode::l1;
    SUBCASE("NaN") {
        jet j;
        j.add(1, 0, 0).add(1, NAN, 0);
        std::vector<float> out(p.pixels());
        jet_info info;
        workspace ws;
        CHECK_THROWS_WITH_AS(make_image(p, j.rows.data(), j.size(), out.data(), info, ws),
                             "constituent 1: non-finite value; expected finite (pT, eta, phi, m)", jetml::error);
    }
    SUBCASE("negative pT") {
        jet j;
        j.add(-1, 0, 0);
        std::vector<float> out(p.pixels());
        jet_info info;
        workspace ws;
        CHECK_THROWS_AS(make_image(p, j.rows.data(), j.size(), out.data(), info, ws), jetml::error);
    }
    SUBCASE("all-zero jet: flag 1+2, zero image") {
        jet j;
        j.add(0, 0, 0).add(0, 0, 0);
        jet_info info;
        auto img = run(p, j, &info);
        CHECK(info.flags == (flag_empty | flag_outside));
        for (float v : img) CHECK(v == 0);
    }
    SUBCASE("entirely outside the window: flag 2, zero image") {
        jet j;
        j.add(1, 2.0, 0);
        jet_info info;
        auto img = run(p, j, &info);
        CHECK(info.flags == flag_outside);
        CHECK(info.frac_outside == 1);
        for (float v : img) CHECK(v == 0);
    }
}

TEST_CASE("image: kt subjets separate distant particles and merge close ones") {
    const double pt[] = {100, 50, 5, 1};
    const double eta[] = {0.0, 0.6, 0.0, 0.05};
    const double phi[] = {1.0, 1.0, 1.5, 1.0};
    const double m[] = {0, 0, 0, 0};
    std::vector<int> member;
    auto s = leading_subjets(pt, eta, phi, m, 4, coord::eta, coord::eta, 0.3, 0.05, &member);
    REQUIRE(s.size() == 2);  // pT 101, 50; the pT-5 subjet is below 5% of 156
    CHECK(s[0].pt == doctest::Approx(101).epsilon(1e-4));  // merged pT of nearly collinear 100 + 1
    CHECK(s[1].pt == doctest::Approx(50).epsilon(1e-12));
    CHECK(s[1].x == doctest::Approx(0.6).epsilon(1e-12));
    CHECK(member == std::vector<int>{0, 1, -1, 0});
}

TEST_CASE("image: pixel-space rotation (cubic B-spline) is exact for 0 and 90 degrees") {
    const std::size_t n = 5;
    std::vector<double> a(n * n), r(n * n);
    for (std::size_t q = 0; q < a.size(); ++q) a[q] = double((q * 7) % 11);
    rotate_pixels(a.data(), r.data(), n, n, 0.0, 0.1, 0.1);
    for (std::size_t q = 0; q < a.size(); ++q) CHECK(r[q] == doctest::Approx(a[q]).epsilon(1e-12));  // spline interpolates
    rotate_pixels(a.data(), r.data(), n, n, PI / 2, 0.1, 0.1);
    // counter-clockwise by 90 degrees: out(x, y) = in(y, -x), i.e. out[ix][iy] = in[iy][n-1-ix]
    for (std::size_t ix = 0; ix < n; ++ix)
        for (std::size_t iy = 0; iy < n; ++iy)
            CHECK(r[ix * n + iy] == doctest::Approx(a[iy * n + (n - 1 - ix)]).epsilon(1e-9));  // cos(pi/2) ~ 6e-17 shifts
}

TEST_CASE("image: preset deoliveira, by hand") {
    params p = preset("deoliveira");
    jet j;  // A leads; B (0.6 away in eta) is the second subjet; C (0.5 away in phi) the third
    j.add(100, 0.3, 1.0).add(50, 0.9, 1.0).add(5, 0.3, 1.5);
    jet_info info;
    auto img = run(p, j, &info);
    INFO(nonzero(p, img));
    // A at the origin: pixel 12 of 25 (0 is in [-0.05, 0.05)); B rotated from +x to straight
    // down: (0, -0.6) -> row 12, column 6; C from +phi to +x: (0.5, 0) -> row 17, column 12;
    // the heavier half (C) is already at +eta, so no flip.
    CHECK(at(p, img, 12, 12) == 100);
    CHECK(at(p, img, 12, 6) == 50);
    CHECK(at(p, img, 17, 12) == 5);
    CHECK(info.angle == doctest::Approx(-PI / 2).epsilon(1e-6));  // float32 positions
    SUBCASE("the pixel sum is the in-window pT") {
        double s = 0;
        for (float v : img) s += v;
        CHECK(s == 155);
    }
}

/// pT in the -x rows (0 .. n/2 - 1) and the +x rows (n - n/2 .. n - 1) of channel 0 of an image
/// with rows along x: the halves of the deoliveira flip, the central row of an odd n left out.
std::pair<double, double> x_halves(const params& p, const std::vector<float>& img) {
    const std::size_t h = p.npix_x / 2;
    double neg = 0, pos = 0;
    for (std::size_t r = 0; r < p.npix_x; ++r)
        for (std::size_t c = 0; c < p.npix_y; ++c) {
            if (r < h) neg += at(p, img, r, c);
            if (r >= p.npix_x - h) pos += at(p, img, r, c);
        }
    return {neg, pos};
}

TEST_CASE("image: preset deoliveira flips by the pixel halves, not by subjet cores 1e-9 off the axis") {
    params p = preset("deoliveira");
    // Subjet 1 = A (200 GeV) and a 2e-6 GeV companion 0.1 to its -x side, subjet 2 = B (100 GeV,
    // 0.6 below) and a 1e-6 GeV companion likewise: both E-scheme axes lie 1e-9 to the -x side
    // of their cores, so once the axes are centred and rotated onto x = 0 the cores sit at
    // x = +1e-9 (in the central row). The radiation, 3 x 10 GeV at -x against 3 GeV at +x (each
    // more than R = 0.3 from everything, so kt subjets of their own below fcut = 5%), is what
    // the flip must put at +x.
    jet j;
    j.add(200, 0, 0).add(2e-6, -0.1, 0).add(100, 0, -0.6).add(1e-6, -0.1, -0.6);
    j.add(10, -0.5, 0.3).add(10, -0.6, -0.25).add(10, -0.45, -0.9).add(3, 0.5, -0.3);
    jet_info info;
    auto img = run(p, j, &info);
    INFO(nonzero(p, img));
    // the set-up: the centre (subjet 1's axis) is 1e-9 below A's x; the rotation is tiny
    // the E-scheme axis: eta = asinh(sum pz / sum pT) = asinh(2e-6 sinh(-0.1) / 200) = -1.0017e-9
    CHECK(std::abs(info.centre_x + 1.0017e-9) < 1e-13);
    CHECK(std::abs(info.angle) < 1e-12);
    const auto [neg, pos] = x_halves(p, img);
    CHECK(pos == doctest::Approx(30).epsilon(1e-6));  // the 3 x 10 GeV flipped to +x (+ 2e-6 companions)
    CHECK(neg == doctest::Approx(3).epsilon(1e-6));
    CHECK(at(p, img, 12, 12) == 200);                 // A stays in the central row
    SUBCASE("--flip-on constituents (the rule before issue 12) is fooled by the cores") {
        p.flip_on = flip_level::constituents;
        const auto [n2, p2] = x_halves(p, run(p, j));
        CHECK(n2 == doctest::Approx(30).epsilon(1e-6));  // cores at +1e-9 outweigh the radiation: no flip
        CHECK(p2 == doctest::Approx(3).epsilon(1e-6));
    }
}

TEST_CASE("image: preset deoliveira on toy W and QCD jets: the +x half is the heavier one") {
    // Measured before the fix (issue 12): 41% (W) and 38% (QCD) of these jets had the heavier
    // half at +x, and the mean images' +x / -x pT ratios were 0.96 and 0.93; a flip of the pixel
    // image gives 100% and 99.8% (2 QCD jets of 1000 have equal halves) and ratios 2.4 and 2.1.
    const params p = preset("deoliveira");
    jetml::toy_params tp;
    workspace ws;
    for (auto proc : {jetml::toy_process::w, jetml::toy_process::qcd}) {
        const std::size_t n = 500;
        std::size_t heavier = 0;
        double neg_sum = 0, pos_sum = 0;
        std::vector<float> img(p.pixels());
        for (std::size_t i = 0; i < n; ++i) {
            jet j;
            for (const auto& q : jetml::toy_jet(proc, tp, 3, i)) j.add(q.pt, q.eta, q.phi, q.m);
            jet_info info;
            make_image(p, j.rows.data(), j.size(), img.data(), info, ws);
            const auto [neg, pos] = x_halves(p, img);
            heavier += pos > neg;
            neg_sum += neg, pos_sum += pos;
        }
        INFO(jetml::toy_process_name(proc) << ": " << heavier << " of " << n << " heavier at +x, ratio " << pos_sum / neg_sum);
        CHECK(double(heavier) >= 0.99 * double(n));
        CHECK(pos_sum / neg_sum > 1.3);
    }
}

TEST_CASE("image: preset energyflow, by hand") {
    params p = preset("energyflow");
    jet j;
    j.add(3, 0.0, 0.0).add(1, 0.1, 0.2);
    auto img = run(p, j);
    INFO(nonzero(p, img));
    // pw = 0.8/33; centroid (0.025, 0.05): x centre index ceil(0.025/pw - .5) - 16 = -15,
    // phi centre index ceil(0.05/pw - .5) - 16 = -14; particle 2: x ceil(0.1/pw - .5) + 15 = 19,
    // phi ceil(0.2/pw - .5) + 14 = 22. Rows are phi. L1: 3/4 and 1/4.
    CHECK(at(p, img, 14, 15) == 0.75f);
    CHECK(at(p, img, 22, 19) == 0.25f);
}

TEST_CASE("image: preset energyflow bins the rapidity computed from (pT, eta, m)") {
    params p = preset("energyflow");
    CHECK(p.image_coord == coord::rap);
    // A: 3 GeV at eta = 0, massless; B: 1 GeV at eta = 0.3 with m = 1 GeV (float32 inputs)
    jet j;
    j.add(3, 0.0, 0.0).add(1, 0.3, 0.2, 1.0);
    auto img = run(p, j);
    INFO(nonzero(p, img));
    // B's rapidity from its four-vector, y = 1/2 ln((E + pz) / (E - pz)), = 0.2137...
    const double eta = double(0.3f), pz = std::sinh(eta), e = std::sqrt(1 + 1 + pz * pz);
    const double y = 0.5 * std::log((e + pz) / (e - pz)), phi = double(0.2f), pw = 0.8 / 33;
    // EnergyFlow's indices around the pT centroid (y / 4, phi / 4); rows are phi
    auto idx = [&](double v, double c) { return long(std::ceil(v / pw - 0.5) - std::ceil(c / pw - 0.5) + 16); };
    CHECK(at(p, img, std::size_t(idx(0, phi / 4)), std::size_t(idx(0, y / 4))) == 0.75f);
    CHECK(at(p, img, std::size_t(idx(phi, phi / 4)), std::size_t(idx(y, y / 4))) == 0.25f);
    CHECK(idx(y, y / 4) != idx(eta, eta / 4));  // the test tells rapidity from pseudorapidity
    SUBCASE("--coordinate eta bins the pseudorapidity as given") {
        p.image_coord = coord::eta;
        auto img2 = run(p, j);
        CHECK(at(p, img2, std::size_t(idx(phi, phi / 4)), std::size_t(idx(eta, eta / 4))) == 0.25f);
    }
    SUBCASE("massless constituents: y = eta, the same image bit for bit") {
        jet k;
        k.add(3, 0.0, 0.0).add(1, 0.3, 0.2).add(2, -0.17, 0.05);
        params q = p;
        q.image_coord = coord::eta;
        CHECK(run(p, k) == run(q, k));
    }
}

TEST_CASE("image: preset macaluso-shih, by hand (including the pixel flip)") {
    params p = preset("macaluso-shih");
    // centroid x = 0.1: u = -0.1, 0.3 -> pixels 17, 21 of 37 (edges k*3.2/37 - 1.6, right-closed);
    // phi' = 0 -> pixel 18 (the central column). Principal axis along eta (theta = 0).
    // pT / sum pT: 0.75, 0.25. Low-eta rows (< 18) are already heavier: no flip.
    jet j;
    j.add(3, 0.0, 0.0).add(1, 0.4, 0.0);
    auto img = run(p, j);
    INFO(nonzero(p, img));
    CHECK(at(p, img, 17, 18) == 0.75f);
    CHECK(at(p, img, 21, 18) == 0.25f);
    SUBCASE("the mirror image flips back to the same picture") {
        jet k;
        k.add(3, 0.0, 0.0).add(1, -0.4, 0.0);  // u = 0.1, -0.3 -> rows 19, 15, then flipped to 17, 21
        auto img2 = run(p, k);
        INFO(nonzero(p, img2));
        CHECK(img2 == img);
    }
    SUBCASE("a jet with 10% of its pT outside is flagged below 0.95") {
        jet k;
        k.add(9, 0.0, 0.0).add(1, 3.0, 0.0);
        jet_info info;
        auto img2 = run(p, k, &info);
        CHECK((info.flags & flag_below_min) != 0);
        double s = 0;
        for (float v : img2) s += v;
        CHECK(s == doctest::Approx(0.9).epsilon(1e-7));  // float32 pixel
    }
}

TEST_CASE("image: preset deeptop, by hand") {
    params p = preset("deeptop");
    // Symmetric jet: axis at (0, 0). The hottest pixel (A) is [0, 0.1)^2, centre (0.05, 0.05).
    // Second maximum: B and B' tie at pT 5; the lower pixel index (B', at -0.5) wins; its direction
    // (pi) is rotated to 12 o'clock (+pi/2): beta = -pi/2, (x, y) -> (y, -x). Third maximum: the
    // other of B, B', straight below A (x offset 0): no flip.
    jet j;
    j.add(10, 0, 0).add(5, 0.5, 0).add(5, -0.5, 0).add(1, 0, 0.3).add(1, 0, -0.3);
    jet_info info;
    auto img = run(p, j, &info);
    INFO(nonzero(p, img));
    const float s = 22;
    CHECK(info.angle == doctest::Approx(-PI / 2).epsilon(1e-12));
    CHECK(at(p, img, 19, 20) == doctest::Approx(10 / s).epsilon(1e-7));  // A at (-0.05, 0.05); float32 pixels
    CHECK(at(p, img, 19, 25) == doctest::Approx(5 / s).epsilon(1e-7));   // B' at (-0.05, 0.55)
    CHECK(at(p, img, 19, 15) == doctest::Approx(5 / s).epsilon(1e-7));   // B at (-0.05, -0.45)
    CHECK(at(p, img, 22, 20) == doctest::Approx(1 / s).epsilon(1e-7));   // C at (0.25, 0.05)
    CHECK(at(p, img, 16, 20) == doctest::Approx(1 / s).epsilon(1e-7));   // C' at (-0.35, 0.05)
    CHECK(info.flags == 0);
    SUBCASE("a third maximum on the left flips x") {
        params q = plain(40, 4.0);
        q.flip_x = flip_rule::positive, q.flip_x_by = flip_by::max3;
        jet k;
        k.add(10, 0.05, 0.05).add(5, 0.05, 0.55).add(2, -0.25, 0.05);  // third maximum at x - x_A = -0.3
        auto img2 = run(q, k);
        INFO(nonzero(q, img2));
        CHECK(at(q, img2, 19, 20) == 10);  // -0.05 after the flip
        CHECK(at(q, img2, 22, 20) == 2);   // 0.25
    }
}

TEST_CASE("image: pixel statistics and standardisation") {
    pixel_stats st(2);
    const float a[] = {1, 0}, b[] = {3, 0}, c[] = {5, 6};
    st.add(a), st.add(b), st.add(c);
    auto t = st.table();
    CHECK(t[0] == doctest::Approx(3));
    CHECK(t[2] == doctest::Approx(std::sqrt(8.0 / 3)));  // std ddof 0 of {1, 3, 5}
    CHECK(t[4] == doctest::Approx(2.0));                 // std ddof 1
    CHECK(t[6] == doctest::Approx(std::pow((16.0 + 0 + 16) / 3, 0.25)));  // 4th central moment ^ 1/4
    CHECK(t[7] == doctest::Approx(std::pow((16.0 + 16 + 256) / 3, 0.25)));
    const std::string path = "test_image_stats.tmp.npy";
    st.save(path);
    standardiser sd(path, 2, standardise_mode::center_std1, 0.0);
    float x[] = {5, 6};
    sd.apply(x);
    CHECK(x[0] == doctest::Approx(1.0));
    CHECK(x[1] == doctest::Approx((6 - 2) / std::sqrt(12.0)));
    CHECK_THROWS_AS(standardiser(path, 3, standardise_mode::std, 0.0), jetml::error);
    std::remove(path.c_str());
}

TEST_CASE("image: option words and presets") {
    CHECK(parse_centre("leading-subjet") == centre_mode::leading_subjet);
    CHECK_THROWS_AS(parse_centre("middle"), jetml::usage_error);
    CHECK_THROWS_AS(preset("nope"), jetml::usage_error);
    params p;
    parse_flip("x-,y+", p);
    CHECK(p.flip_x == flip_rule::negative);
    CHECK(p.flip_y == flip_rule::positive);
    CHECK_THROWS_AS(parse_flip("z+", p), jetml::usage_error);
    for (const char* n : {"deoliveira", "energyflow", "deeptop", "macaluso-shih"}) CHECK_NOTHROW(preset(n).check());
}
