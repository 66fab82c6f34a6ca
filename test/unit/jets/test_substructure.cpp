// SPDX-License-Identifier: MIT
// Unit tests of jetml/substructure: small cases worked out by hand, fjcontrib's reference
// outputs on FastJet's single-event.dat (test/data/fastjet-golden/*.ref) and the wtag-dev
// features (FastJet 3.4 + fjcontrib 1.051) on a 500-jet slice (test/data/wtag/).
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include "jetml/jets/cluster.hpp"
#include "jetml/io/csv.hpp"
#include "jetml/core/error.hpp"
#include "jetml/io/io.hpp"
#include "jetml/io/npy.hpp"
#include "jetml/jets/substructure.hpp"

using namespace jetml;

namespace {
const std::string golden = std::string(JETML_TEST_DIR) + "/data/fastjet-golden/";

fourvec massless(double pt, double y, double phi) { return fourvec::from_pt_y_phi_m(pt, y, phi, 0.0); }

std::vector<fourvec> read_dat(const std::string& path) {
    std::ifstream f(path);
    REQUIRE(f.good());
    std::vector<fourvec> ev;
    std::string line;
    while (std::getline(f, line)) {
        if (line.rfind("#END", 0) == 0) break;
        if (line.empty() || line[0] == '#') continue;
        std::istringstream s(line);
        double px, py, pz, e;
        if (s >> px >> py >> pz >> e) ev.emplace_back(px, py, pz, e);
    }
    return ev;
}

// A value printed with 6 decimals by fjcontrib: its rounding (0.5e-6) plus 1e-6 relative.
bool close6(double got, double ref) { return std::abs(got - ref) <= 0.5e-6 + 1e-6 * std::abs(ref); }
// A value printed by std::cout with 6 significant digits: half a unit of the 6th digit is at
// most 5e-6 of the value.
bool close_sig6(double got, double ref) { return std::abs(got - ref) <= 5e-6 * std::abs(ref) + 1e-12; }

struct event_jets {
    std::vector<fourvec> particles;
    std::unique_ptr<cluster_sequence> cs;
    std::vector<fourvec> jets;
};
event_jets single_event(jet_algorithm alg, double ptmin) {
    event_jets e;
    e.particles = read_dat(golden + "single-event.dat");
    REQUIRE(e.particles.size() == 354);
    e.cs = std::make_unique<cluster_sequence>(e.particles, jet_definition(alg, 1.0));
    e.jets = sorted_by_pt(e.cs->inclusive_jets(ptmin));
    return e;
}
}  // namespace

//---------------------------------------------------------------------------------------------
// hand-computed cases

TEST_CASE("substructure: tau_N of two and three particles by hand") {
    // two equal massless particles at y = +-0.15: the kt (E-scheme) axis is their sum, at y = 0
    std::vector<fourvec> two{massless(1, -0.15, 0), massless(1, 0.15, 0)};
    nsub_params p;
    p.axes = nsub_axes::kt;
    p.normalized = false;
    CHECK(nsubjettiness(two, 1, p) == doctest::Approx(0.3).epsilon(1e-12));
    p.beta = 2;
    CHECK(nsubjettiness(two, 1, p) == doctest::Approx(0.045).epsilon(1e-12));
    p.normalized = true;  // divided by sum pT R0^beta = 2
    CHECK(nsubjettiness(two, 1, p) == doctest::Approx(0.0225).epsilon(1e-12));
    p.R0 = 0.5;  // divided by 2 * 0.25
    CHECK(nsubjettiness(two, 1, p) == doctest::Approx(0.09).epsilon(1e-12));
    // N >= number of particles: 0 (fjcontrib's convention)
    CHECK(nsubjettiness(two, 2, p) == 0.0);
    CHECK(nsubjettiness(two, 3, p) == 0.0);

    // three particles at y = 0, 0.1, 1 (phi = 0, pT = 1): kt merges the first two, whose sum
    // lies at y = 0.5 ln((1 + e^0.1)/(1 + e^-0.1)) = 0.05 exactly
    std::vector<fourvec> three{massless(1, 0, 0), massless(1, 0.1, 0), massless(1, 1.0, 0)};
    nsub_params q;
    q.axes = nsub_axes::kt;
    q.normalized = false;
    CHECK(nsubjettiness(three, 2, q) == doctest::Approx(0.1).epsilon(1e-10));
    q.beta = 2;
    CHECK(nsubjettiness(three, 2, q) == doctest::Approx(0.005).epsilon(1e-9));
    q.beta = 1;
    q.normalized = true;
    CHECK(nsubjettiness(three, 2, q) == doctest::Approx(0.1 / 3).epsilon(1e-10));
    auto t = nsubjettiness_up_to(three, 3, q);
    REQUIRE(t.size() == 3);
    CHECK(t[1] == doctest::Approx(0.1 / 3).epsilon(1e-10));
    CHECK(t[2] == 0.0);
}

TEST_CASE("substructure: WTA axes follow the harder particle; one pass moves the axis by the weighted mean") {
    // pT 2 at y = 0, pT 1 at y = 0.3: the WTA axis is the harder particle's direction
    std::vector<fourvec> v{massless(2, 0, 1.0), massless(1, 0.3, 1.0)};
    nsub_params p;
    p.axes = nsub_axes::wta_kt;
    p.normalized = false;
    std::vector<fourvec> axes;
    CHECK(nsubjettiness(v, 1, p, &axes) == doctest::Approx(0.3).epsilon(1e-12));
    REQUIRE(axes.size() == 1);
    CHECK(axes[0].rap() == doctest::Approx(0.0).epsilon(1e-12));
    // one pass (beta = 1): weights pT / sqrt(eps^2 + dR^2) with eps = 1e-4; one step moves the
    // axis to y1 = (1 * 0.3 / sqrt(eps^2 + 0.09)) / (2 / eps + 1 / sqrt(eps^2 + 0.09)); the
    // move (~5e-5) is below the accuracy 1e-4, so it stops there.
    p.axes = nsub_axes::onepass_wta_kt;
    const double eps = 1e-4, w2 = 1.0 / std::sqrt(eps * eps + 0.09);
    const double y1 = 0.3 * w2 / (2.0 / eps + w2);
    CHECK(nsubjettiness(v, 1, p, &axes) == doctest::Approx(2 * y1 + (0.3 - y1)).epsilon(1e-9));
    CHECK(axes[0].rap() == doctest::Approx(y1).epsilon(1e-9));
    // beta = 2 one pass from kt axes: the pT-weighted mean y = 0.1 is the minimum
    p.axes = nsub_axes::onepass_kt;
    p.beta = 2;
    CHECK(nsubjettiness(v, 1, p) == doctest::Approx(2 * 0.01 + 1 * 0.04).epsilon(1e-9));
}

TEST_CASE("substructure: energy correlators of three particles by hand") {
    // R12 = 0.3, R13 = 0.4, R23 = 0.5 (a 3-4-5 triangle in (y, phi))
    std::vector<fourvec> v{massless(1, 0, 0), massless(2, 0.3, 0), massless(3, 0, 0.4)};
    auto e1 = energy_correlators(v, 1.0);
    CHECK(e1.e1 == doctest::Approx(6).epsilon(1e-12));
    CHECK(e1.e2 == doctest::Approx(0.6 + 1.2 + 3.0).epsilon(1e-12));
    CHECK(e1.e3 == doctest::Approx(6 * 0.06).epsilon(1e-12));
    CHECK(e1.c2() == doctest::Approx(0.09375).epsilon(1e-12));
    CHECK(e1.d2() == doctest::Approx(0.703125).epsilon(1e-12));
    auto e2 = energy_correlators(v, 2.0);
    CHECK(e2.e2 == doctest::Approx(2.16).epsilon(1e-12));
    CHECK(e2.e3 == doctest::Approx(0.0216).epsilon(1e-12));
    CHECK(e2.c1() == doctest::Approx(2.16 / 36).epsilon(1e-12));
    // phi wraps: particles at phi = 0.1 and 2 pi - 0.1 are 0.2 apart
    std::vector<fourvec> w{massless(1, 0, 0.1), massless(1, 0, twopi - 0.1)};
    CHECK(energy_correlators(w, 1.0).e2 == doctest::Approx(0.2).epsilon(1e-12));
    // one constituent: ECF(2) = 0, so C2 and D2 are undefined (NaN), never a silent number
    CHECK(std::isnan(energy_correlators({massless(5, 0, 0)}, 1.0).c2()));
    CHECK_THROWS_AS(energy_correlators(v, 0.0), usage_error);
}

TEST_CASE("substructure: soft drop and mMDT decluster to the first symmetric splitting") {
    // C/A merges a (100) and b (50) at DeltaR 0.1 first, then c (pT 2 or 10) at DeltaR ~0.77
    const fourvec a = massless(100, 0, 0), b = massless(50, 0.1, 0);
    soft_drop_params mmdt;
    mmdt.beta = 0;
    mmdt.zcut = 0.1;
    {
        std::vector<fourvec> v{a, b, massless(2, 0.8, 0)};
        auto g = soft_drop(v, mmdt);  // z = 2/152 < 0.1: drop c; then z = 50/150 > 0.1
        CHECK(g.tagged);
        CHECK(g.nconst == 2);
        CHECK(g.zg == doctest::Approx(1.0 / 3).epsilon(1e-9));
        CHECK(g.rg == doctest::Approx(0.1).epsilon(1e-9));
        CHECK(g.jet.pt() == doctest::Approx((a + b).pt()).epsilon(1e-12));
        CHECK(g.mu == doctest::Approx(0.0).epsilon(1e-12));  // massless parents
    }
    {
        std::vector<fourvec> v{a, b, massless(10, 0.8, 0)};
        const fourvec ab = a + b, c = v[2];
        const double z = 10.0 / (ab.pt() + 10.0), dr2 = ab.squared_distance(c);
        auto g0 = soft_drop(v, mmdt);  // beta = 0: z = 0.0625 < 0.1, drop c
        CHECK(g0.nconst == 2);
        soft_drop_params sd;
        sd.beta = 2;
        sd.zcut = 0.1;
        REQUIRE(z > 0.1 * dr2);  // beta = 2: the angular factor lets the wide splitting pass
        auto g2 = soft_drop(v, sd);
        CHECK(g2.nconst == 3);
        CHECK(g2.zg == doctest::Approx(z).epsilon(1e-12));
        CHECK(g2.rg == doctest::Approx(std::sqrt(dr2)).epsilon(1e-12));
    }
    {
        // no symmetric splitting: grooming keeps the hardest constituent, tagging returns zero
        std::vector<fourvec> v{a, massless(1, 0.2, 0)};
        auto g = soft_drop(v, mmdt);
        CHECK_FALSE(g.tagged);
        CHECK(g.nconst == 1);
        CHECK(g.jet.pt() == doctest::Approx(100).epsilon(1e-12));
        mmdt.tagging = true;
        auto t = soft_drop(v, mmdt);
        CHECK_FALSE(t.tagged);
        CHECK(t.jet.E() == 0.0);
    }
}

TEST_CASE("substructure: trimming, filtering and pruning keep what their definitions say") {
    const fourvec a = massless(100, 0, 0);
    trim_params tp;  // kt R = 0.2, f_cut = 0.05
    {
        std::vector<fourvec> v{a, massless(3, 0.5, 0)};  // 3 < 0.05 * pT(jet) ~ 5.15: trimmed away
        fourvec j = v[0] + v[1];
        auto g = trim(v, j.pt(), tp);
        CHECK(g.nconst == 1);
        CHECK(g.jet.pt() == doctest::Approx(100).epsilon(1e-12));
    }
    {
        std::vector<fourvec> v{a, massless(6, 0.5, 0)};  // 6 >= 0.05 * ~106: kept
        fourvec j = v[0] + v[1];
        CHECK(trim(v, j.pt(), tp).nconst == 2);
    }
    {
        // four well separated particles; filtering keeps the 3 hardest C/A (R = 0.3) subjets
        std::vector<fourvec> v{massless(50, 0, 0), massless(40, 0.5, 0), massless(30, 0, 0.5), massless(5, -0.5, 0)};
        filter_params fp;
        auto g = filter(v, fp);
        CHECK(g.nconst == 3);
        CHECK(g.jet.pt() == doctest::Approx((v[0] + v[1] + v[2]).pt()).epsilon(1e-12));
    }
    {
        // pruning: a+b merge normally (DeltaR 0.1 < R_cut ~ 0.101); c is wide and soft: pruned
        std::vector<fourvec> v{a, massless(50, 0.1, 0), massless(2, 0.8, 0)};
        const fourvec j = v[0] + v[1] + v[2];
        prune_params pp;
        REQUIRE(0.1 < pp.Rcut_factor * 2 * j.m() / j.pt());
        auto g = prune(v, j, pp);
        CHECK(g.nconst == 2);
        CHECK(g.jet.pt() == doctest::Approx((v[0] + v[1]).pt()).epsilon(1e-12));
        pp.zcut = 0.01;  // 2 > 0.01 * 152: kept
        CHECK(prune(v, j, pp).nconst == 3);
    }
    {
        // exclusive kt subjets sorted by pT
        std::vector<fourvec> v{massless(10, 0, 0), massless(40, 0.05, 0), massless(30, 1.0, 0)};
        auto s = exclusive_subjets(v, 2, jet_definition(jet_algorithm::kt, jet_definition::max_allowable_R));
        REQUIRE(s.size() == 2);
        CHECK(s[0].pt() == doctest::Approx((v[0] + v[1]).pt()).epsilon(1e-12));
        CHECK(s[1].pt() == doctest::Approx(30).epsilon(1e-12));
        CHECK(exclusive_subjets(v, 5, jet_definition(jet_algorithm::kt, 1000.0)).size() == 3);
    }
}

TEST_CASE("substructure: parameter checks are usage errors") {
    nsub_params p;
    p.beta = 0;
    CHECK_THROWS_AS(p.check(), usage_error);
    soft_drop_params s;
    s.zcut = 1.5;
    CHECK_THROWS_AS(s.check(), usage_error);
    CHECK_THROWS_AS(parse_nsub_axes("ca"), usage_error);
    CHECK(parse_nsub_axes("onepass-wta-kt") == nsub_axes::onepass_wta_kt);
    CHECK(p.description().find("one-pass") != std::string::npos);
}

//---------------------------------------------------------------------------------------------
// fjcontrib reference outputs

TEST_CASE("substructure: N-subjettiness reproduces nsubjettiness-advanced.ref (all measures, 4 axes, 2 jets)") {
    auto ev = single_event(jet_algorithm::antikt, 0.0);
    std::ifstream f(golden + "nsubjettiness-advanced.ref");
    REQUIRE(f.good());
    const std::map<std::string, nsub_axes> rows{{"KT:", nsub_axes::kt},
                                                {"WTA KT:", nsub_axes::wta_kt},
                                                {"OnePass KT:", nsub_axes::onepass_kt},
                                                {"OnePass WTA KT:", nsub_axes::onepass_wta_kt}};
    std::string line;
    int jet = -1, checked = 0;
    bool in_values = false;
    nsub_params p;
    while (std::getline(f, line)) {
        if (line.rfind("Analyzing Jet ", 0) == 0) jet = std::stoi(line.substr(14)) - 1;
        if (line.find("Outputting N-subjettiness Values") != std::string::npos)
            in_values = line.find("Done") == std::string::npos;
        if (!in_values) continue;
        double beta, r0;
        if (std::sscanf(line.c_str(), "Normalized Measure (beta = %lf, R0 = %lf)", &beta, &r0) == 2) {
            p.normalized = true, p.beta = beta, p.R0 = r0;
            continue;
        }
        if (std::sscanf(line.c_str(), "Unnormalized Measure (beta = %lf", &beta) == 1) {
            p.normalized = false, p.beta = beta;
            continue;
        }
        const std::size_t colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string label = line.substr(0, colon + 1);
        label.erase(0, label.find_first_not_of(' '));
        auto it = rows.find(label);
        if (it == rows.end()) continue;
        double ref[3];
        REQUIRE(std::sscanf(line.c_str() + colon + 1, "%lf %lf %lf", &ref[0], &ref[1], &ref[2]) == 3);
        REQUIRE(jet >= 0);
        p.axes = it->second;
        auto cons = ev.cs->constituents(ev.jets[std::size_t(jet)]);
        auto tau = nsubjettiness_up_to(cons, 3, p);
        for (int n = 0; n < 3; ++n) {
            INFO("jet " << jet + 1 << " " << label << " " << p.description() << " tau" << n + 1);
            CHECK(close6(tau[std::size_t(n)], ref[n]));
            ++checked;
        }
    }
    CHECK(checked == 2 * 4 * 4 * 3);  // 2 jets x 4 measures x 4 axes x tau1..3
}

TEST_CASE("substructure: nsubjettiness-basic.ref (unnormalised, beta=1 one-pass WTA, beta=2 one-pass kt)") {
    auto ev = single_event(jet_algorithm::antikt, 0.0);
    // jet 1 and jet 2 rows of the ref file
    const double ref[2][2][3] = {{{11.804760, 9.219812, 6.725069}, {1.293815, 0.827980, 0.756863}},
                                 {{16.052840, 12.479353, 10.253741}, {6.953861, 3.804487, 3.737265}}};
    for (int j = 0; j < 2; ++j) {
        auto cons = ev.cs->constituents(ev.jets[std::size_t(j)]);
        CHECK(cons.size() == (j == 0 ? 35u : 47u));
        for (int b = 0; b < 2; ++b) {
            nsub_params p;
            p.normalized = false;
            p.beta = b == 0 ? 1.0 : 2.0;
            p.axes = b == 0 ? nsub_axes::onepass_wta_kt : nsub_axes::onepass_kt;
            for (int n = 1; n <= 3; ++n) CHECK(close6(nsubjettiness(cons, n, p), ref[j][b][n - 1]));
        }
    }
    // the basic.ref axes of tau2 (beta = 2, one-pass kt), jet 1: pT 37.1551 and 946.6904
    nsub_params p;
    p.normalized = false, p.beta = 2, p.axes = nsub_axes::onepass_kt;
    std::vector<fourvec> axes;
    nsubjettiness(ev.cs->constituents(ev.jets[0]), 2, p, &axes);
    auto s = sorted_by_pt(axes);
    CHECK(std::abs(s[0].pt() - 946.6904) < 1e-4);
    CHECK(std::abs(s[1].pt() - 37.1551) < 1e-4);
}

TEST_CASE("substructure: ECFs reproduce energycorrelator-basic.ref") {
    auto ev = single_event(jet_algorithm::antikt, 0.0);
    auto cons = ev.cs->constituents(ev.jets[0]);
    std::ifstream f(golden + "energycorrelator-basic.ref");
    REQUIRE(f.good());
    std::string line, section;
    int checked = 0;
    while (std::getline(f, line)) {
        if (line.find("EnergyCorrelator:") != std::string::npos) section = line;
        double beta, a, b;
        if (std::sscanf(line.c_str(), " %lf %lf %lf", &beta, &a, &b) != 3) continue;
        auto e = energy_correlators(cons, beta);
        if (section.find("C series") != std::string::npos) {
            CHECK(close6(e.c1(), a));
            CHECK(close6(e.c2(), b));
            checked += 2;
        } else if (section.find("D2") != std::string::npos) {
            CHECK(close6(e.d2(), a));
            ++checked;
        }
    }
    CHECK(checked == 6);
}

TEST_CASE("substructure: soft drop reproduces softdrop.ref (beta=2, z_cut=0.1, R0=1, grooming)") {
    auto ev = single_event(jet_algorithm::antikt, 20.0);
    std::ifstream f(golden + "softdrop.ref");
    REQUIRE(f.good());
    std::string line;
    int jet = -1, checked = 0;
    groomed_jet g;
    soft_drop_params p;
    p.beta = 2, p.zcut = 0.1, p.R0 = 1;
    double v[4];
    while (std::getline(f, line)) {
        if (std::sscanf(line.c_str(), "original jet: pt = %lf m = %lf y = %lf phi = %lf", &v[0], &v[1], &v[2], &v[3]) == 4) {
            ++jet;
            const fourvec& j = ev.jets[std::size_t(jet)];
            CHECK(close_sig6(j.pt(), v[0]));
            CHECK(close_sig6(j.m(), v[1]));
            g = soft_drop(ev.cs->constituents(j), p);
        } else if (std::sscanf(line.c_str(), "SoftDropped jet: pt = %lf m = %lf y = %lf phi = %lf", &v[0], &v[1], &v[2],
                               &v[3]) == 4) {
            CHECK(close_sig6(g.jet.pt(), v[0]));
            CHECK(close_sig6(g.jet.m(), v[1]));
            CHECK(close_sig6(g.jet.rap(), v[2]));
            CHECK(close_sig6(g.jet.phi(), v[3]));
            checked += 4;
        } else if (std::sscanf(line.c_str(), " delta_R between subjets: %lf", &v[0]) == 1) {
            CHECK(close_sig6(g.rg, v[0]));
            ++checked;
        } else if (std::sscanf(line.c_str(), " symmetry measure(z): %lf", &v[0]) == 1) {
            CHECK(close_sig6(g.zg, v[0]));
            ++checked;
        } else if (std::sscanf(line.c_str(), " mass drop(mu): %lf", &v[0]) == 1) {
            CHECK(close_sig6(g.mu, v[0]));
            ++checked;
        }
    }
    CHECK(jet == 2);
    CHECK(checked == 3 * 7);
}

TEST_CASE("substructure: mMDT and filtering reproduce mmdt.ref (C/A R=1 jets, z_cut=0.1, tagging mode)") {
    auto ev = single_event(jet_algorithm::cambridge, 20.0);
    std::ifstream f(golden + "mmdt.ref");
    REQUIRE(f.good());
    std::string line;
    int jet = -1, checked = 0;
    groomed_jet g, filtered;
    soft_drop_params p;
    p.beta = 0, p.zcut = 0.1, p.tagging = true;
    double v[4];
    auto check4 = [&](const fourvec& j) {
        CHECK(close_sig6(j.pt(), v[0]));
        CHECK(close_sig6(j.m(), v[1]));
        CHECK(close_sig6(j.rap(), v[2]));
        CHECK(close_sig6(j.phi(), v[3]));
        checked += 4;
    };
    while (std::getline(f, line)) {
        if (std::sscanf(line.c_str(), "original jet: pt = %lf m = %lf y = %lf phi = %lf", &v[0], &v[1], &v[2], &v[3]) == 4) {
            ++jet;
            const fourvec& j = ev.jets[std::size_t(jet)];
            check4(j);
            g = soft_drop(ev.cs->constituents(j), p);
            REQUIRE(g.tagged);
            // the example filters the tagged jet with R_filt = min(0.3, DeltaR/2), 3 hardest
            filter_params fp;
            fp.R_filt = std::min(0.3, 0.5 * g.rg);
            fp.n_filt = 3;
            filtered = filter(g.constituents, fp);
        } else if (std::sscanf(line.c_str(), "tagged jet: pt = %lf m = %lf y = %lf phi = %lf", &v[0], &v[1], &v[2],
                               &v[3]) == 4) {
            check4(g.jet);
        } else if (std::sscanf(line.c_str(), "filtered jet: pt = %lf m = %lf y = %lf phi = %lf", &v[0], &v[1], &v[2],
                               &v[3]) == 4) {
            check4(filtered.jet);
        } else if (std::sscanf(line.c_str(), " delta_R between subjets: %lf", &v[0]) == 1) {
            CHECK(close_sig6(g.rg, v[0]));
            ++checked;
        } else if (std::sscanf(line.c_str(), " symmetry measure(z): %lf", &v[0]) == 1) {
            CHECK(close_sig6(g.zg, v[0]));
            ++checked;
        } else if (std::sscanf(line.c_str(), " mass drop(mu): %lf", &v[0]) == 1) {
            CHECK(close_sig6(g.mu, v[0]));
            ++checked;
        }
    }
    CHECK(jet == 2);
    CHECK(checked == 3 * 15);
}

//---------------------------------------------------------------------------------------------
// wtag-dev features (FastJet + fjcontrib on the double-precision particles)

TEST_CASE("substructure: the wtag-dev features of 500 jets agree up to the float32 rounding of the constituents") {
    auto a = load_npy<float>(std::string(JETML_TEST_DIR) + "/data/wtag/constituents500.npy");
    REQUIRE(a.shape.size() == 3);
    const std::size_t n = a.shape[0], m = a.shape[1];
    REQUIRE(n == 500);
    input in(std::string(JETML_TEST_DIR) + "/data/wtag/features500.csv");
    csv_reader csv(in);
    const std::vector<std::string> names{"pt",     "eta",    "phi",    "mass",   "nconst",  "tau1_kt", "tau2_kt",
                                         "tau3_kt", "tau1_op", "tau2_op", "tau3_op", "sd_mass", "trim_mass", "sj1_pt",
                                         "sj1_eta", "sj1_phi", "sj2_pt", "sj2_eta", "sj2_phi"};
    std::vector<std::size_t> col;
    for (const auto& s : names) col.push_back(csv.column(s));
    std::vector<double> worst(names.size(), 0.0);
    nsub_params kt, op;
    kt.axes = nsub_axes::kt;
    op.axes = nsub_axes::onepass_kt;
    soft_drop_params sd;  // beta = 0, z_cut = 0.1, R0 = 1, grooming
    trim_params tr;       // kt R = 0.2, f_cut = 0.05
    const jet_definition ktdef(jet_algorithm::kt, jet_definition::max_allowable_R);
    for (std::size_t j = 0; j < n; ++j) {
        REQUIRE(csv.next());
        std::vector<fourvec> c;
        fourvec jet;
        for (std::size_t i = 0; i < m; ++i) {
            const float* r = a.data.data() + (j * m + i) * 4;
            if (r[0] > 0) c.push_back(fourvec::from_pt_eta_phi_m(r[0], r[1], r[2], r[3])), jet += c.back();
        }
        auto tk = nsubjettiness_up_to(c, 3, kt), to = nsubjettiness_up_to(c, 3, op);
        auto sj = exclusive_subjets(c, 2, ktdef);
        REQUIRE(sj.size() == 2);
        const double got[] = {jet.pt(),  jet.eta(),   jet.phi_std(),     jet.m(),      double(c.size()),
                              tk[0],     tk[1],       tk[2],             to[0],        to[1],
                              to[2],     soft_drop(c, sd).jet.m(), trim(c, jet.pt(), tr).jet.m(), sj[0].pt(),
                              sj[0].eta(), sj[0].phi_std(), sj[1].pt(), sj[1].eta(), sj[1].phi_std()};
        for (std::size_t k = 0; k < names.size(); ++k) {
            const double ref = csv.number(col[k]);
            // float32 constituents: ~1e-5 relative (data/README.md), and the CSV prints 7 digits;
            // angles get 1e-5 absolute; masses 1e-3 GeV absolute, since a one-particle groomed
            // jet has the float32-rounded mass of a single (near-massless) hadron
            const bool angle = names[k].find("eta") != std::string::npos || names[k].find("phi") != std::string::npos;
            const bool mass = names[k].find("mass") != std::string::npos;
            const double tol = 2e-5 * std::abs(ref) + (angle ? 1e-5 : mass ? 1e-3 : 0.0);
            const double d = std::abs(got[k] - ref);
            if (d > tol) {
                INFO("jet " << j << " " << names[k] << ": " << got[k] << " vs " << ref);
                CHECK(d <= tol);
            }
            worst[k] = std::max(worst[k], d / (std::abs(ref) + 1e-30));
        }
    }
    MESSAGE("worst relative deviations: tau2_op " << worst[9] << ", sd_mass " << worst[11] << ", sj2_pt " << worst[16]);
}
