// SPDX-License-Identifier: MIT
// Tests of jetml/jets/jet_features: subjet's columns and per-event rows, against hand-computed
// kinematics and the substructure functions they are made of.
#include <doctest/doctest.h>

#include <cmath>

#include "jetml/core/error.hpp"
#include "jetml/jets/jet_features.hpp"

using namespace jetml;

TEST_CASE("jet_features: columns follow the groups in order, with the ECF betas in their names") {
    feature_config c;
    CHECK(columns_of(c) == std::vector<std::string>{"event", "jet", "pt", "eta", "rap", "phi", "mass", "e", "nconst"});
    c.g_tau = true;
    c.tau_nmax = 3;
    c.g_ecf = true;
    c.ecf_betas = {0.5};
    c.g_sub = true;
    c.nsub = 1;
    const auto col = columns_of(c);
    const std::vector<std::string> tail{"tau1", "tau2", "tau3", "tau21", "tau32", "c2_b0p5", "d2_b0p5",
                                        "sj1_pt", "sj1_eta", "sj1_phi", "sj1_mass"};
    REQUIRE(col.size() == 9 + tail.size());
    CHECK(std::vector<std::string>(col.begin() + 9, col.end()) == tail);
    CHECK(feature_groups().front() == "kin");
    CHECK(feature_groups().size() == 9);
    const auto d = describe(c);
    REQUIRE(d.size() == 5);  // jet definition, selection, tau, ecf, subjets
    CHECK(d[0] == "jets: " + c.jetdef.description());
    CHECK(d[3] == "energy correlators: C2, D2 with pT and (y, phi) angles, beta = 0.5");
}

TEST_CASE("jet_features: a jet's row holds its summed four-vector, tau ratios, and NaN for an empty jet") {
    feature_config c;
    c.jets_mode = true;
    c.g_tau = true;
    c.tau_nmax = 2;
    event ev;
    ev.index = 7;
    ev.particles = {fourvec::from_pt_eta_phi_m(100, 0.1, 0.2), fourvec::from_pt_eta_phi_m(50, -0.2, 0.4, 1.0),
                    fourvec::from_pt_eta_phi_m(20, 0.3, -0.1)};
    event_out eo;
    process_event(c, ev, eo);
    REQUIRE(eo.jets.size() == 1);
    const auto& r = eo.jets[0].row;
    REQUIRE(r.size() == columns_of(c).size());
    fourvec sum;
    for (const auto& p : ev.particles) sum += p;
    CHECK(r[0] == 7);
    CHECK(r[1] == 0);
    CHECK(r[2] == doctest::Approx(sum.pt()).epsilon(1e-14));
    CHECK(r[6] == doctest::Approx(sum.m()).epsilon(1e-12));
    CHECK(r[8] == 3);
    const auto tau = nsubjettiness_up_to(ev.particles, 2, c.tau);
    CHECK(r[9] == tau[0]);
    CHECK(r[10] == tau[1]);
    CHECK(r[11] == tau[1] / tau[0]);

    event none;
    process_event(c, none, eo);
    CHECK(eo.empty);
    REQUIRE(eo.jets.size() == 1);
    CHECK(eo.jets[0].row[8] == 0);
    CHECK(std::isnan(eo.jets[0].row[9]));
    CHECK_THROWS_AS(parse_algorithm("siscone"), usage_error);
    CHECK(parse_algorithm("anti-kt") == jet_algorithm::antikt);
}

TEST_CASE("jet_features: clustered events keep the hardest --njets jets above --pt-min") {
    feature_config c;
    c.jetdef = jet_definition(jet_algorithm::antikt, 0.4);
    c.ptmin = 30;
    c.njets = 1;
    event ev;
    ev.particles = {fourvec::from_pt_eta_phi_m(100, 0, 0), fourvec::from_pt_eta_phi_m(60, 0, 3),
                    fourvec::from_pt_eta_phi_m(10, 2, 1.5)};
    event_out eo;
    process_event(c, ev, eo);
    REQUIRE(eo.jets.size() == 1);
    CHECK(eo.jets[0].row[2] == doctest::Approx(100).epsilon(1e-12));
    c.njets = 0;
    process_event(c, ev, eo);
    CHECK(eo.jets.size() == 2);
    c.exclusive = 4;
    process_event(c, ev, eo);
    CHECK(eo.too_few);
}
