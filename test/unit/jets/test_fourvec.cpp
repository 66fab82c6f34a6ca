// SPDX-License-Identifier: MIT
// Unit tests of jetml/fourvec: FastJet's rapidity and azimuth conventions, edge cases.
#include <doctest/doctest.h>

#include <cmath>
#include <initializer_list>

#include "jetml/jets/fourvec.hpp"

using namespace jetml;

TEST_CASE("fourvec: rapidity, pT, mass of a generic massive momentum") {
    const fourvec p(3.0, 4.0, 12.0, 14.0);  // pT = 5, |p| = 13, m^2 = 196 - 169 = 27
    CHECK(p.pt() == 5.0);
    CHECK(p.pt2() == 25.0);
    // exact in binary: (E+pz)(E-pz) - pT^2 = 26*2 - 25
    CHECK(p.m2() == 27.0);
    CHECK(p.m() == doctest::Approx(std::sqrt(27.0)).epsilon(1e-15));
    // y = 0.5 ln((E+pz)/(E-pz)) = 0.5 ln(13); the round-off-safe form agrees to a few ulp
    CHECK(p.rap() == doctest::Approx(0.5 * std::log(26.0 / 2.0)).epsilon(1e-14));
    // eta = asinh(pz/pT)
    CHECK(p.eta() == doctest::Approx(std::asinh(12.0 / 5.0)).epsilon(1e-14));
    const fourvec q(3.0, 4.0, -12.0, 14.0);
    CHECK(q.rap() == -p.rap());
    CHECK(q.eta() == -p.eta());
}

TEST_CASE("fourvec: rapidity of massless particles built from (pT, y, phi)") {
    for (double y : {-4.0, -1.0, 0.0, 0.5, 3.9}) {
        const fourvec p = fourvec::from_pt_y_phi_m(7.0, y, 0.3, 0.0);
        // 1e-12: E - pz of the built vector carries round-off ~ulp(E) relative to p-minus, which
        // for |y| <= 4 moves y by ~1e-13
        CHECK(std::abs(p.rap() - y) < 1e-12);
    }
}

TEST_CASE("fourvec: pT = 0 and E == |pz| gives rapidity +-(1e5 + |pz|); phi = 0") {
    CHECK(fourvec(0, 0, 5, 5).rap() == 100005.0);
    CHECK(fourvec(0, 0, -5, 5).rap() == -100005.0);
    CHECK(fourvec(0, 0, 0, 0).rap() == 100000.0);
    CHECK(fourvec(0, 0, 5, 5).phi() == 0.0);
    CHECK(fourvec(0, 0, 5, 5).eta() == 100005.0);
    CHECK(fourvec(0, 0, -5, 5).eta() == -100005.0);
    // pT = 0 but massive: finite rapidity 0.5 ln((E+pz)/(E-pz))
    const fourvec m(0, 0, 3, 5);
    CHECK(m.rap() == doctest::Approx(0.5 * std::log(8.0 / 2.0)).epsilon(1e-15));
}

TEST_CASE("fourvec: a tachyonic momentum gets negative m; rap() uses max(m^2, 0)") {
    const fourvec t(3.0, 4.0, 0.0, 4.0);  // m^2 = 16 - 25 < 0
    CHECK(t.m2() == -9.0);
    CHECK(t.m() == -3.0);
    // 0.5 ln(pT^2 / (E + |pz|)^2), as FastJet
    CHECK(t.rap() == doctest::Approx(0.5 * std::log(25.0 / 16.0)).epsilon(1e-15));
    const fourvec u(3.0, 4.0, 1.0, 5.0);  // m^2 = 24 - 25 = -1: treated as m^2 = 0 in rap()
    CHECK(u.rap() == doctest::Approx(-0.5 * std::log(25.0 / 36.0)).epsilon(1e-15));
}

TEST_CASE("fourvec: phi() is in [0, 2pi), phi_std() in (-pi, pi]") {
    CHECK(fourvec(1, 0, 0, 1).phi() == 0.0);
    CHECK(fourvec(0, 1, 0, 1).phi() == doctest::Approx(pi / 2).epsilon(1e-16));
    CHECK(fourvec(-1, 0, 0, 1).phi() == doctest::Approx(pi).epsilon(1e-16));
    CHECK(fourvec(0, -1, 0, 1).phi() == doctest::Approx(1.5 * pi).epsilon(1e-16));
    CHECK(fourvec(0, -1, 0, 1).phi_std() == doctest::Approx(-0.5 * pi).epsilon(1e-16));
    CHECK(fourvec(-1, 0, 0, 1).phi_std() == doctest::Approx(pi).epsilon(1e-16));
    // just below the positive x axis: atan2 = -1e-20, and -1e-20 + 2pi rounds to 2pi -> 0
    const double f = fourvec(1, -1e-20, 0, 1).phi();
    CHECK(f >= 0.0);
    CHECK(f < twopi);
    const double g = fourvec(1, -1e-10, 0, 1).phi();
    CHECK(g == doctest::Approx(twopi - 1e-10).epsilon(1e-16));
    CHECK(g < twopi);
    CHECK(fourvec(-1, -1e-300, 0, 1).phi_std() <= pi);
    CHECK(fourvec(-1, -1e-300, 0, 1).phi_std() > -pi);
}

TEST_CASE("fourvec: distances wrap in phi") {
    const fourvec a = fourvec::from_pt_y_phi_m(10, 0.5, 0.1);
    const fourvec b = fourvec::from_pt_y_phi_m(10, 0.2, twopi - 0.1);
    // 1e-14: phi and y recovered through atan2/log of the constructed components
    CHECK(a.squared_distance(b) == doctest::Approx(0.2 * 0.2 + 0.3 * 0.3).epsilon(1e-13));
    CHECK(a.delta_R(b) == doctest::Approx(std::sqrt(0.13)).epsilon(1e-13));
    CHECK(a.delta_phi_to(b) == doctest::Approx(-0.2).epsilon(1e-13));
    CHECK(b.delta_phi_to(a) == doctest::Approx(0.2).epsilon(1e-13));
    CHECK(fourvec::rap_phi_distance2(0, 0, 0, pi) == pi * pi);
    CHECK(fourvec::rap_phi_distance2(0, 0.5, 0, 0.5 + pi + 0.25) == doctest::Approx((pi - 0.25) * (pi - 0.25)).epsilon(1e-15));
}

TEST_CASE("fourvec: (pt, y, phi, m) and (pt, eta, phi, m) constructors round-trip") {
    for (double m : {0.0, 0.13957, 80.4}) {
        const fourvec p = fourvec::from_pt_y_phi_m(250.0, -1.7, 5.5, m);
        // m^2 = (E+pz)(E-pz) - pT^2 cancels: its round-off is a few ulp of E^2, hence the
        // 1e-13 E^2 bound on m^2 (m itself is only good to ~sqrt(ulp) E when m << E)
        CHECK(p.pt() == doctest::Approx(250.0).epsilon(1e-14));
        CHECK(p.rap() == doctest::Approx(-1.7).epsilon(1e-14));
        CHECK(p.phi() == doctest::Approx(5.5).epsilon(1e-14));
        CHECK(std::abs(p.m2() - m * m) < 1e-13 * p.E() * p.E());
        const fourvec q = fourvec::from_pt_eta_phi_m(250.0, -1.7, -0.5, m);
        CHECK(q.eta() == doctest::Approx(-1.7).epsilon(1e-14));
        CHECK(q.phi_std() == doctest::Approx(-0.5).epsilon(1e-14));
        CHECK(std::abs(q.m2() - m * m) < 1e-13 * q.E() * q.E());
    }
}

TEST_CASE("fourvec: arithmetic, tags") {
    fourvec a(1, 2, 3, 10), b(-1, 0.5, 1, 2);
    a.set_user_index(7);
    CHECK(a.user_index() == 7);
    CHECK(b.user_index() == -1);
    CHECK(a.cluster_hist_index() == -1);
    const fourvec c = a + b;
    CHECK(c.px() == 0.0);
    CHECK(c.py() == 2.5);
    CHECK(c.pz() == 4.0);
    CHECK(c.E() == 12.0);
    CHECK((c - b).E() == 10.0);
    CHECK((2.0 * b).py() == 1.0);
}

TEST_CASE("fourvec: the constituent-row rule: finite values, pT = 0 is padding, negative pT an error") {
    const float good[4] = {10, 0.5f, 1, 0.14f}, pad[4] = {0, 7, 7, 7}, negzero[4] = {-0.0f, 0, 0, 0};
    const float neg[4] = {-5, 0, 0, 0}, nan_eta[4] = {1, NAN, 0, 0}, inf_pad[4] = {0, INFINITY, 0, 0};
    CHECK(constituent_row_problem(good).empty());
    CHECK(constituent_row_problem(pad).empty());
    CHECK(constituent_row_problem(negzero).empty());
    CHECK(constituent_row_problem(neg) == "negative pT -5; expected pT > 0, or 0 for padding");
    CHECK(constituent_row_problem(nan_eta) == "non-finite value; expected finite (pT, eta, phi, m)");
    CHECK(constituent_row_problem(inf_pad) == "non-finite value; expected finite (pT, eta, phi, m)");
    const double negd[4] = {-0.25, 0, 0, 0};
    CHECK(constituent_row_problem(negd) == "negative pT -0.25; expected pT > 0, or 0 for padding");
}
