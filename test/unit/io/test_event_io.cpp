// SPDX-License-Identifier: MIT
// Unit tests of jetml/event_io: each format, event boundaries, and the errors on bad input.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <limits>
#include <memory>
#include <unistd.h>

#include "jetml/core/error.hpp"
#include "jetml/io/csv.hpp"
#include "jetml/io/event_io.hpp"
#include "jetml/io/npy.hpp"

#include "support.hpp"

using namespace jetml;

namespace {
std::vector<event> read_all(const std::string& path, event_format f, event_reader_options o = {}) {
    input in(path);
    auto r = make_event_reader(in, f, o);
    std::vector<event> out;
    event e;
    while (r->next(e)) out.push_back(e);
    return out;
}
}  // namespace

TEST_CASE("event_io: FastJet text: '#END' separates events, '#' lines are comments, extra columns give the pdg id") {
    auto p = support::write_tmp("evio", "a.dat",
                       "# header\n1 0 0 1 211 1\n0 1 0 1.5 22 0\n#END\n#SUBSTART\n 0 0 3 3 22 0\n0 0 1 1 12 0\n#END\n");
    CHECK(detect_event_format(*std::make_unique<input>(p)) == event_format::fastjet);
    auto ev = read_all(p, event_format::fastjet);
    REQUIRE(ev.size() == 2);
    CHECK(ev[0].particles.size() == 2);
    CHECK(ev[0].line == 2);
    CHECK(ev[1].particles.size() == 2);
    CHECK(ev[1].index == 1);
    event_reader_options o;
    o.drop_neutrinos = true;
    auto nu = read_all(p, event_format::fastjet, o);
    REQUIRE(nu.size() == 2);
    CHECK(nu[1].particles.size() == 1);
    CHECK(nu[1].dropped_neutrinos == 1);
    auto no_pid = support::write_tmp("evio", "a2.dat", "1 0 0 1\n");
    CHECK_THROWS_WITH_AS(read_all(no_pid, event_format::fastjet, o), doctest::Contains("neutrinos cannot be dropped"), error);
    std::remove(no_pid.c_str());
    // without '#END' the whole file is one event; the shipped golden file has 354 particles
    auto one = read_all(std::string(JETML_TEST_DIR) + "/data/fastjet-golden/single-event.dat", event_format::fastjet);
    REQUIRE(one.size() == 1);
    CHECK(one[0].particles.size() == 354);
    std::remove(p.c_str());
}

TEST_CASE("event_io: bad particles are errors naming the file and line") {
    auto p = support::write_tmp("evio", "b.dat", "1 0 0 1\n1 0 abc 2\n");
    CHECK_THROWS_WITH_AS(read_all(p, event_format::fastjet), (p + ": line 2: field 3: 'abc' is not a number").c_str(), error);
    auto q = support::write_tmp("evio", "c.dat", "1 0 0 1\n1 0 0 nan\n");
    CHECK_THROWS_WITH_AS(read_all(q, event_format::fastjet), doctest::Contains((q + ": line 2: non-finite momentum").c_str()), error);
    auto r = support::write_tmp("evio", "d.dat", "3 0 0 1\n");
    CHECK_THROWS_WITH_AS(read_all(r, event_format::fastjet), doctest::Contains((r + ": line 1: E = 1 < |p| = 3").c_str()), error);
    auto s = support::write_tmp("evio", "e.dat", "1 2 3\n");
    CHECK_THROWS_WITH_AS(read_all(s, event_format::fastjet), doctest::Contains("line 1: expected 'px py pz E'"), error);
    // E = |p| up to rounding is fine (massless particles printed with 10 decimals)
    auto t = support::write_tmp("evio", "f.dat", "3 4 0 4.9999999999\n");
    CHECK(read_all(t, event_format::fastjet)[0].particles.size() == 1);
    for (auto& x : {p, q, r, s, t}) std::remove(x.c_str());
}

TEST_CASE("event_io: HepMC3 ASCII: status-1 particles, units, neutrinos") {
    const std::string text =
        "HepMC::Version 3.02.05\nHepMC::Asciiv3-START_EVENT_LISTING\n"
        "E 0 1 3\nU MEV MM\nP 1 0 2212 0 0 1000 1000 938 4\n"
        "P 2 1 211 1000 0 0 2000 0 1\nP 3 1 12 0 1000 0 1000 0 1\n"
        "E 7 1 1\nU GEV MM\nP 1 0 22 1 0 0 1 0 1\n"
        "HepMC::Asciiv3-END_EVENT_LISTING\n";
    auto p = support::write_tmp("evio", "g.hepmc", text);
    {
        input in(p);
        CHECK(detect_event_format(in) == event_format::hepmc3);
    }
    auto ev = read_all(p, event_format::hepmc3);
    REQUIRE(ev.size() == 2);
    REQUIRE(ev[0].particles.size() == 2);  // status 4 beam dropped
    CHECK(ev[0].particles[0].px() == doctest::Approx(1.0));  // MeV -> GeV
    CHECK(ev[0].particles[0].E() == doctest::Approx(2.0));
    CHECK(ev[0].line == 3);
    CHECK(ev[1].particles.size() == 1);
    event_reader_options o;
    o.drop_neutrinos = true;
    auto nu = read_all(p, event_format::hepmc3, o);
    CHECK(nu[0].particles.size() == 1);
    auto bad = support::write_tmp("evio", "h.hepmc", "HepMC::Asciiv3-START_EVENT_LISTING\nE 0 1 1\nP 1 0 22 1 0 0 1 0\n");
    CHECK_THROWS_WITH_AS(read_all(bad, event_format::hepmc3), doctest::Contains("line 3: expected 'P id parent pdgid"), error);
    std::remove(p.c_str());
    std::remove(bad.c_str());
}

TEST_CASE("event_io: CSV long format in both coordinate sets; events must be contiguous") {
    auto p = support::write_tmp("evio", "i.csv", "event,px,py,pz,E\n5,1,0,0,1\n5,0,1,0,1\n9,0,0,2,2\n");
    {
        input in(p);
        CHECK(detect_event_format(in) == event_format::csv);
    }
    auto ev = read_all(p, event_format::csv);
    REQUIRE(ev.size() == 2);
    CHECK(ev[0].particles.size() == 2);
    CHECK(ev[1].particles[0].pz() == 2);
    auto q = support::write_tmp("evio", "j.csv", "event,pt,eta,phi,m\n0,10,0.5,1,0\n");
    auto e2 = read_all(q, event_format::csv);
    CHECK(e2[0].particles[0].pt() == doctest::Approx(10));
    CHECK(e2[0].particles[0].eta() == doctest::Approx(0.5));
    auto r = support::write_tmp("evio", "k.csv", "event,px,py,pz,E\n1,1,0,0,1\n2,1,0,0,1\n1,1,0,0,1\n");
    CHECK_THROWS_WITH_AS(read_all(r, event_format::csv), doctest::Contains("line 4: event 1 appears again"), error);
    auto s = support::write_tmp("evio", "l.csv", "event,x,y\n1,1,0\n");
    CHECK_THROWS_AS(read_all(s, event_format::csv), usage_error);
    for (auto& x : {p, q, r, s}) std::remove(x.c_str());
}

TEST_CASE("event_io: NPY rows are events; padding skipped; non-finite values named by jet and constituent") {
    const std::string p = support::tmp_path("evio", "m.npy");
    std::vector<float> d{10, 0, 0, 0, 5, 0.1f, 0.2f, 0, 0, 0, 0, 0,  // jet 0: two constituents + padding
                         0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};        // jet 1: empty
    save_npy<float>(p, {2, 3, 4}, d.data());
    auto ev = read_all(p, event_format::npy);
    REQUIRE(ev.size() == 2);
    CHECK(ev[0].particles.size() == 2);
    CHECK(ev[1].particles.empty());
    d[6] = std::numeric_limits<float>::infinity();
    save_npy<float>(p, {2, 3, 4}, d.data());
    CHECK_THROWS_WITH_AS(read_all(p, event_format::npy), doctest::Contains("jet 0, constituent 1: non-finite value"), error);
    std::remove(p.c_str());
}

TEST_CASE("event_io: an NPY header with 10^12 constituents per jet is a clear error, not a huge allocation") {
    std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1000000000000, 4), }";
    while ((10 + dict.size() + 1) % 64) dict.push_back(' ');
    dict.push_back('\n');
    std::string bytes("\x93NUMPY\x01\x00", 8);
    bytes.push_back(static_cast<char>(dict.size()));
    bytes.push_back(0);
    const std::string p = support::write_tmp("evio", "huge_m.npy", bytes + dict + std::string(64, '\0'));
    // a file: its size is checked against the header before anything is allocated
    CHECK_THROWS_WITH_AS(read_all(p, event_format::npy),
                         doctest::Contains("the header claims shape (1, 1000000000000, 4) of float32 (16000000000000 "
                                           "bytes) but the file holds 64 bytes"),
                         error);
    // a pipe has no size: the cap on one row applies
    CHECK_THROWS_WITH_AS(read_all(support::pipe_path(bytes + dict + std::string(64, '\0')), event_format::npy),
                         doctest::Contains("more than 1048576 constituents per jet"), error);
    std::remove(p.c_str());
}

TEST_CASE("event_io: one set of CSV constituent columns for every reader") {
    auto cols = [](const std::string& header) {
        const auto p = support::write_tmp("evio", "cols.csv", header + "\n");
        input in(p);
        csv_reader r(in);
        auto k = find_constituent_columns(r, "t.csv");
        std::remove(p.c_str());
        return k;
    };
    auto k = cols("event,px,py,pz,E,pid");
    CHECK(k.cartesian);
    CHECK(k.c[2] == 3);
    CHECK(k.last == std::size_t(4));
    CHECK(k.pid == std::size_t(5));
    k = cols("jet,e,pz,py,px");
    CHECK(k.event == 0);
    CHECK(k.last == std::size_t(1));
    k = cols("event,pt,eta,phi,mass");
    CHECK_FALSE(k.cartesian);
    CHECK_FALSE(k.rapidity);
    CHECK(k.last == std::size_t(4));
    CHECK(k.description() == "pt, eta, phi, m");
    k = cols("jet,pt,y,phi");
    CHECK(k.rapidity);
    CHECK_FALSE(k.last);  // no mass column: massless
    CHECK(cols("event,phi,rap,pt,m").c[1] == 2);
    CHECK_THROWS_WITH_AS(cols("event,a,b"),
                         "t.csv: CSV constituents need columns px,py,pz,E or pt,eta|rap|y,phi[,m] (and event)", usage_error);
    CHECK_THROWS_AS(cols("px,py,pz,E"), usage_error);  // no event column
}

TEST_CASE("event_io: CSV constituents in pt, y, phi without a mass are massless with that rapidity") {
    const auto p = support::write_tmp("evio", "rap.csv", "event,pt,y,phi\n0,10,0.5,1\n");
    const auto evs = read_all(p, event_format::csv);
    REQUIRE(evs.size() == 1);
    REQUIRE(evs[0].particles.size() == 1);
    const auto& q = evs[0].particles[0];
    CHECK(q.pt() == doctest::Approx(10).epsilon(1e-12));
    CHECK(q.rap() == doctest::Approx(0.5).epsilon(1e-12));
    CHECK(std::abs(q.m()) < 1e-6);  // m from E^2 - p^2 of ~11 GeV components: rounding only
    std::remove(p.c_str());
}

TEST_CASE("event_io: an NPY row with negative pT is an error naming the jet and constituent; pT = 0 rows are padding") {
    // (2, 3, 4): jet 0 = one constituent + two padding rows (one of them -0), jet 1 = a negative pT
    const float rows[24] = {100, 0.1f, 0.2f, 0, 0, 0, 0, 0, -0.0f, 0, 0, 0,
                            50, 0, 0, 0, -3, 0, 0, 0, 0, 0, 0, 0};
    const std::string p = support::tmp_path("evio", "negpt.npy");
    save_npy<float>(p, {2, 3, 4}, rows);
    input in(p);
    auto r = make_event_reader(in, event_format::npy);
    event ev;
    REQUIRE(r->next(ev));
    CHECK(ev.particles.size() == 1);
    CHECK_THROWS_WITH_AS(r->next(ev), (p + ": jet 1, constituent 1: negative pT -3; expected pT > 0, or 0 for padding").c_str(),
                         error);
    std::remove(p.c_str());
}
