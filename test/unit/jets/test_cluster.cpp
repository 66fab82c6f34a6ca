// SPDX-License-Identifier: MIT
// Unit tests of jetml/cluster: small events whose merging order is worked out by hand, the
// history queries, errors, and the plain and tiled strategies against each other.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <set>
#include <string>
#include <vector>

#include "jetml/jets/cluster.hpp"
#include "jetml/core/error.hpp"
#include "jetml/core/rng.hpp"

using namespace jetml;

namespace {

// A = (pT 100, y 0, phi 0), B = (10, 0.3, 0), C = (1, 0, 0.8), massless.
// DeltaR^2: AB = 0.09, AC = 0.64, BC = 0.73.
std::vector<fourvec> abc() {
    std::vector<fourvec> v{fourvec::from_pt_y_phi_m(100, 0, 0), fourvec::from_pt_y_phi_m(10, 0.3, 0),
                           fourvec::from_pt_y_phi_m(1, 0, 0.8)};
    for (int i = 0; i < 3; ++i) v[i].set_user_index(i);
    return v;
}

std::set<int> indices(const cluster_sequence& cs, const fourvec& jet) {
    std::set<int> s;
    for (const auto& c : cs.constituents(jet)) s.insert(c.user_index());
    return s;
}

const cluster_strategy all_strategies[] = {cluster_strategy::n2_plain, cluster_strategy::n2_tiled, cluster_strategy::best};

}  // namespace

TEST_CASE("cluster: anti-kt on three particles merges A+B, then C, as computed by hand") {
    const auto v = abc();
    for (cluster_strategy st : all_strategies) {
        CAPTURE(static_cast<int>(st));
        // R = 1: d_AB = 0.09/100^2 is the smallest; then d_(AB)C = (y_AB^2 + 0.64)/110^2 with
        // y_AB ~ 0.0276 is below d_(AB)B = 1/110^2, so C joins: one jet.
        cluster_sequence cs(v, jet_definition(jet_algorithm::antikt, 1.0, recombination_scheme::e_scheme, st));
        const auto& h = cs.history();
        REQUIRE(h.size() == 6);
        CHECK(h[3].parent1 == 0);
        CHECK(h[3].parent2 == 1);
        // 1e-15: the DeltaR^2 of the built vectors is 0.09 up to round-off in rap()
        CHECK(h[3].dij == doctest::Approx(0.09 / 1e4).epsilon(1e-13));
        CHECK(h[4].parent1 == 2);
        CHECK(h[4].parent2 == 3);
        CHECK(h[5].parent2 == cluster_sequence::beam);
        const fourvec ab = v[0] + v[1];
        const double dy = ab.rap();
        CHECK(h[4].dij == doctest::Approx((dy * dy + 0.64) / ab.pt2()).epsilon(1e-12));
        auto jets = cs.inclusive_jets();
        REQUIRE(jets.size() == 1);
        CHECK(indices(cs, jets[0]) == std::set<int>{0, 1, 2});
        const fourvec sum = v[0] + v[1] + v[2];
        CHECK(jets[0].E() == doctest::Approx(sum.E()).epsilon(1e-15));
        CHECK(jets[0].pt() == doctest::Approx(sum.pt()).epsilon(1e-15));

        // R = 0.7: d_(AB)C = 0.6408/0.49/110^2 > 1/110^2, so AB goes to the beam, then C.
        cluster_sequence cs2(v, jet_definition(jet_algorithm::antikt, 0.7, recombination_scheme::e_scheme, st));
        auto j2 = sorted_by_pt(cs2.inclusive_jets());
        REQUIRE(j2.size() == 2);
        CHECK(indices(cs2, j2[0]) == std::set<int>{0, 1});
        CHECK(indices(cs2, j2[1]) == std::set<int>{2});
        CHECK(cs2.history()[4].parent1 == 3);
        CHECK(cs2.history()[4].parent2 == cluster_sequence::beam);
        CHECK(cs2.inclusive_jets(50.0).size() == 1);
    }
}

TEST_CASE("cluster: kt on three particles merges A+C first (d = 0.64), then B (d ~ 9.005)") {
    const auto v = abc();
    for (cluster_strategy st : all_strategies) {
        CAPTURE(static_cast<int>(st));
        // d_AB = min(1e4, 100) 0.09 = 9, d_AC = 1 * 0.64, d_BC = 1 * 0.73; d_iB = pT^2 = 1e4, 100, 1.
        cluster_sequence cs(v, jet_definition(jet_algorithm::kt, 1.0, recombination_scheme::e_scheme, st));
        const auto& h = cs.history();
        CHECK(h[3].parent1 == 0);
        CHECK(h[3].parent2 == 2);
        // 1e-13: DeltaR^2 of the built vectors up to round-off in rap() and phi()
        CHECK(h[3].dij == doctest::Approx(0.64).epsilon(1e-13));
        CHECK(h[4].parent1 == 1);
        CHECK(h[4].parent2 == 3);
        const fourvec ac = v[0] + v[2];
        CHECK(h[4].dij == doctest::Approx(100.0 * v[1].squared_distance(ac)).epsilon(1e-13));
        CHECK(cs.exclusive_dmerge(2) == h[3].dij);
        CHECK(cs.exclusive_dmerge(1) == h[4].dij);
        CHECK(cs.exclusive_dmerge(3) == 0.0);
        CHECK(cs.exclusive_dmerge_max(1) == h[4].dij);

        auto e2 = cs.exclusive_jets(2);
        REQUIRE(e2.size() == 2);
        std::set<std::set<int>> got;
        for (auto& j : e2) got.insert(indices(cs, j));
        CHECK(got == std::set<std::set<int>>{{0, 2}, {1}});
        CHECK(cs.exclusive_jets(1).size() == 1);
        CHECK(cs.exclusive_jets(3).size() == 3);
        CHECK(cs.exclusive_jets(0).empty());
        CHECK(cs.n_exclusive_jets(5.0) == 2);
        CHECK(cs.exclusive_jets(5.0).size() == 2);
        CHECK(cs.exclusive_jets(0.5).size() == 3);
        CHECK(cs.exclusive_jets(20.0).size() == 1);
        CHECK(cs.exclusive_jets_up_to(10).size() == 3);
        CHECK_THROWS_WITH_AS(cs.exclusive_jets(4), "Requested 4 exclusive jets, but there were only 3 particles in the event",
                             jetml::error);

        // history queries on the final jet
        auto jets = cs.inclusive_jets();
        REQUIRE(jets.size() == 1);
        fourvec p1, p2;
        REQUIRE(cs.has_parents(jets[0], p1, p2));
        CHECK(p1.pt() > p2.pt());  // harder parent first
        CHECK(indices(cs, p1) == std::set<int>{0, 2});
        CHECK(indices(cs, p2) == std::set<int>{1});
        fourvec q1, q2;
        CHECK_FALSE(cs.has_parents(cs.jets()[1], q1, q2));
        CHECK(q1.E() == 0.0);
        fourvec child, partner;
        REQUIRE(cs.has_child(cs.jets()[0], child));
        CHECK(indices(cs, child) == std::set<int>{0, 2});
        REQUIRE(cs.has_partner(cs.jets()[0], partner));
        CHECK(partner.user_index() == 2);
        CHECK_FALSE(cs.has_child(jets[0], child));  // merged with the beam

        // subjets: B (history 1) and AC (history 3), in history order
        auto sub = cs.exclusive_subjets(jets[0], 2);
        REQUIRE(sub.size() == 2);
        CHECK(indices(cs, sub[0]) == std::set<int>{1});
        CHECK(indices(cs, sub[1]) == std::set<int>{0, 2});
        CHECK(cs.exclusive_subjets(jets[0], 3).size() == 3);
        CHECK(cs.exclusive_subjets_up_to(jets[0], 7).size() == 3);
        CHECK(cs.exclusive_subjets_up_to(jets[0], 0).empty());
        CHECK_THROWS_WITH_AS(cs.exclusive_subjets(jets[0], 4),
                             "Requested 4 exclusive subjets, but there were only 3 particles in the jet", jetml::error);
        CHECK(cs.exclusive_subjets(jets[0], 5.0).size() == 2);
        CHECK(cs.n_exclusive_subjets(jets[0], 0.1) == 3);
        CHECK(cs.exclusive_subdmerge(jets[0], 1) == h[4].dij);
        CHECK(cs.exclusive_subdmerge(jets[0], 2) == h[3].dij);
        CHECK(cs.exclusive_subdmerge_max(jets[0], 2) == h[3].max_dij_so_far);
        CHECK(cs.exclusive_ymerge(1) == doctest::Approx(h[4].dij / (cs.Q() * cs.Q())).epsilon(1e-15));
    }
}

TEST_CASE("cluster: Cambridge/Aachen and genkt(p = 0.5) on three particles") {
    const auto v = abc();
    for (cluster_strategy st : all_strategies) {
        // C/A: d = DeltaR^2: AB (0.09) first, then (AB)C (~0.6408 < 1)
        cluster_sequence ca(v, jet_definition(jet_algorithm::cambridge, 1.0, recombination_scheme::e_scheme, st));
        CHECK(ca.history()[3].parent1 == 0);
        CHECK(ca.history()[3].parent2 == 1);
        CHECK(ca.history()[3].dij == doctest::Approx(0.09).epsilon(1e-13));
        CHECK(ca.inclusive_jets().size() == 1);
        // genkt p = 0.5: d = min(pT) DeltaR^2: AB 10 * 0.09 = 0.9, AC 0.64, BC 0.73 -> A+C first
        cluster_sequence g(v, jet_definition(jet_algorithm::genkt, 1.0, 0.5, recombination_scheme::e_scheme, st));
        CHECK(g.history()[3].parent1 == 0);
        CHECK(g.history()[3].parent2 == 2);
        CHECK(g.history()[3].dij == doctest::Approx(0.64).epsilon(1e-13));
    }
}

TEST_CASE("cluster: winner-takes-all keeps the harder direction and sums pT") {
    const auto v = abc();
    cluster_sequence cs(v, jet_definition(jet_algorithm::antikt, 1.0, recombination_scheme::wta_pt_scheme));
    auto jets = cs.inclusive_jets();
    REQUIRE(jets.size() == 1);
    // 1e-13: pT of the inputs rebuilt from (pT, y, phi) plus the sum's round-off
    CHECK(jets[0].pt() == doctest::Approx(111.0).epsilon(1e-13));
    CHECK(std::abs(jets[0].rap()) < 1e-13);
    CHECK(std::abs(jets[0].phi_std()) < 1e-13);
    CHECK(std::abs(jets[0].m()) < 1e-5);  // massless A: m from E^2 - p^2 of a 111 GeV vector
    // the clustering's own (y, phi) of the jet are A's, bit for bit
    const int ji = cs.history()[jets[0].cluster_hist_index()].jet_index;
    CHECK(cs.jet_rap(ji) == cs.jet_rap(0));
    CHECK(cs.jet_phi(ji) == cs.jet_phi(0));
}

TEST_CASE("cluster: pt scheme makes inputs massless and pT-weights y and phi") {
    std::vector<fourvec> v{fourvec::from_pt_y_phi_m(30, 0.1, 0.2, 5.0), fourvec::from_pt_y_phi_m(10, 0.5, 0.6, 2.0)};
    cluster_sequence cs(v, jet_definition(jet_algorithm::antikt, 1.0, recombination_scheme::pt_scheme));
    auto jets = cs.inclusive_jets();
    REQUIRE(jets.size() == 1);
    // the inputs become massless (E = |p|) first, so their rapidities change; the jet's y and phi
    // are the pT-weighted means of the massless inputs' y and phi
    const fourvec a = cs.jets()[0], b = cs.jets()[1];
    CHECK(std::abs(a.m()) < 1e-6);
    const double y = (30 * a.rap() + 10 * b.rap()) / 40, f = (30 * 0.2 + 10 * 0.6) / 40;
    CHECK(jets[0].pt() == doctest::Approx(40.0).epsilon(1e-13));
    CHECK(jets[0].rap() == doctest::Approx(y).epsilon(1e-12));
    CHECK(jets[0].phi() == doctest::Approx(f).epsilon(1e-12));
}

TEST_CASE("cluster: empty and one-particle events") {
    std::vector<fourvec> none;
    cluster_sequence cs0(none, jet_definition(jet_algorithm::antikt, 0.4));
    CHECK(cs0.inclusive_jets().empty());
    CHECK(cs0.exclusive_jets_up_to(3).empty());
    std::vector<fourvec> one{fourvec(1, 2, 3, 10)};
    cluster_sequence cs1(one, jet_definition(jet_algorithm::kt, 0.4));
    REQUIRE(cs1.inclusive_jets().size() == 1);
    CHECK(cs1.history().size() == 2);
    CHECK(cs1.exclusive_jets(1).size() == 1);
}

TEST_CASE("cluster: a non-finite input momentum is an error, not undefined behaviour") {
    std::vector<fourvec> v{fourvec(1, 2, 3, 10), fourvec(std::nan(""), 0, 0, 1)};
    CHECK_THROWS_WITH_AS(cluster_sequence(v, jet_definition(jet_algorithm::antikt, 0.4)),
                         "particle 1 has a non-finite momentum (nan, 0, 0, 1)", jetml::error);
    v[1] = fourvec(0, 0, HUGE_VAL, 1);
    CHECK_THROWS_AS(cluster_sequence(v, jet_definition(jet_algorithm::kt, 0.4)), jetml::error);
}

TEST_CASE("cluster: jet_definition checks and describes itself as FastJet does") {
    CHECK(jet_definition(jet_algorithm::antikt, 0.4).description() ==
          "Longitudinally invariant anti-kt algorithm with R = 0.4 and E scheme recombination");
    CHECK(jet_definition(jet_algorithm::genkt, 1.0, 0.5).description() ==
          "Longitudinally invariant generalised kt algorithm with R = 1, p = 0.5 and E scheme recombination");
    CHECK(jet_definition(jet_algorithm::cambridge, 0.8, recombination_scheme::wta_pt_scheme).description() ==
          "Longitudinally invariant Cambridge/Aachen algorithm with R = 0.8 and pt-ordered Winner-Takes-All recombination");
    CHECK(jet_definition(jet_algorithm::kt, 0.6).p() == 1.0);
    CHECK(jet_definition(jet_algorithm::antikt, 0.6).p() == -1.0);
    CHECK_THROWS_AS(jet_definition(jet_algorithm::antikt, 0.0), jetml::usage_error);
    CHECK_THROWS_AS(jet_definition(jet_algorithm::antikt, 1001.0), jetml::usage_error);
    CHECK_THROWS_AS(jet_definition(jet_algorithm::genkt, 0.4), jetml::usage_error);
}

TEST_CASE("cluster: plain and tiled strategies give the same history on random events") {
    rng r(42);
    for (int n : {60, 200, 1000}) {
        for (double R : {0.4, 1.0}) {
            std::vector<fourvec> v;
            for (int i = 0; i < n; ++i)
                v.push_back(fourvec::from_pt_y_phi_m(0.1 + 10 * r.exponential(), r.uniform(-3, 3), r.uniform(0, twopi),
                                                     r.uniform() < 0.5 ? 0.0 : 0.2));
            for (jet_algorithm a : {jet_algorithm::antikt, jet_algorithm::kt}) {
                CAPTURE(n);
                CAPTURE(R);
                cluster_sequence p(v, jet_definition(a, R, recombination_scheme::e_scheme, cluster_strategy::n2_plain));
                cluster_sequence t(v, jet_definition(a, R, recombination_scheme::e_scheme, cluster_strategy::n2_tiled));
                CHECK(p.strategy_string() == "N2Plain");
                CHECK(t.strategy_string() == "N2Tiled");
                REQUIRE(p.history().size() == t.history().size());
                int mismatches = 0;
                for (std::size_t i = 0; i < p.history().size(); ++i)
                    if (p.history()[i].parent1 != t.history()[i].parent1 || p.history()[i].parent2 != t.history()[i].parent2 ||
                        p.history()[i].dij != t.history()[i].dij)
                        ++mismatches;
                CHECK(mismatches == 0);
            }
        }
    }
}
