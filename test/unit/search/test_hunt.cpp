// SPDX-License-Identifier: MIT
// Unit tests of jetml/search/hunt on toy dijet events: the selections keep the stated fraction
// of each fold, the injected resonance gives the largest significance in the signal region that
// holds it, the hunt is deterministic, and a resumed hunt equals an uninterrupted one.
#include <doctest/doctest.h>

#include <cmath>
#include <algorithm>
#include <filesystem>
#include <sstream>

#include "jetml/core/error.hpp"
#include "jetml/jets/dijet_toy.hpp"
#include "jetml/search/hunt.hpp"
#include "support.hpp"

using namespace jetml;
using namespace jetml::stats;

namespace {
search::hunt_events toy_events(std::size_t n_bkg, std::size_t n_sig, std::uint64_t seed) {
    dijet_toy_params p;
    search::hunt_events ev;
    ev.features.shape = {4};
    ev.features.size = 4;
    double row[dijet_toy_ncols];
    for (std::size_t i = 0; i < n_bkg + n_sig; ++i) {
        const bool sig = i >= n_bkg;
        dijet_toy_event(p, sig, seed, i, row);
        ev.mjj.push_back(row[0]);
        for (int c : {1, 3, 4, 5}) ev.features.x.push_back(float(row[c]));
        ev.truth.push_back(float(sig));
        ++ev.features.n;
    }
    return ev;
}

search::hunt_options small_hunt() {
    search::hunt_options o;
    o.edges = log_edges(12, 1500, 8000);
    o.folds = 3;
    o.classifier.arch = "dense(16) relu dense(1)";
    o.fit.epochs = 4;
    o.fit.batch = 256;
    o.efficiencies = {1, 0.1, 0.02};
    o.seed = 3;
    return o;
}
}  // namespace

TEST_CASE("hunt: selections keep the stated fraction of every fold, and the bump is found where it is") {
    const auto ev = toy_events(20000, 300, 1);
    auto o = small_hunt();
    auto r = search::run_hunt(ev, o);
    const auto centres = signal_region_centres(12, 3, 2);
    REQUIRE(r.regions.size() == centres.size());
    std::vector<std::size_t> per_fold(3, 0);
    for (auto f : r.fold_of) ++per_fold[f];
    std::size_t best_region = 0;
    double best_z = -1;
    for (std::size_t j = 0; j < r.regions.size(); ++j) {
        const auto& reg = r.regions[j];
        REQUIRE(reg.cells.size() == 3);
        // efficiency 1 keeps every event; 0.1 keeps floor(0.1 n_k) of each fold (no tied scores)
        double all = 0, tenth = 0;
        for (double v : reg.cells[0].pass) all += v;
        for (double v : reg.cells[1].pass) tenth += v;
        std::size_t inside = 0;
        for (double m : ev.mjj) inside += m >= o.edges.front() && m <= o.edges.back();
        CHECK(all == double(inside));
        double want = 0;
        for (auto k : per_fold) want += std::floor(0.1 * double(k));
        CHECK(tenth <= want);
        CHECK(tenth >= want - 3);  // events of a fold outside the edges pass but are not binned
        for (const auto& c : reg.cells)
            if (c.sig.z > best_z) best_z = c.sig.z, best_region = j;
    }
    // the resonance at 3.5 TeV lies in the signal region holding the most truth signal
    std::size_t most = 0;
    double most_sig = -1;
    for (std::size_t j = 0; j < r.regions.size(); ++j)
        if (r.regions[j].cells[0].truth_signal > most_sig) most_sig = r.regions[j].cells[0].truth_signal, most = j;
    // the largest excess is in a signal region that holds the resonance's mass bin
    CHECK(r.regions[best_region].sr.contains(find_bin(o.edges, 3500)));
    CHECK(r.regions[most].sr.contains(find_bin(o.edges, 3500)));
    CHECK(best_z > 5);
    // a tighter cut raises the significance where the signal is
    CHECK(r.regions[most].cells[2].sig.z > r.regions[most].cells[0].sig.z);
    const std::string table = search::hunt_table(r, true, true);
    CHECK(table.rfind("centre,sr_lo,sr_hi,efficiency,observed,expected,expected_err,z,p0,chi2,ndf,fit_ok,signal,background,fit_note\n", 0) == 0);
    CHECK(search::failed_fits(r) == 0);
}

TEST_CASE("hunt: deterministic, and a resumed hunt equals an uninterrupted one") {
    const auto ev = toy_events(6000, 100, 2);
    auto o = small_hunt();
    o.centres = {5, 6};
    const auto a = search::run_hunt(ev, o);
    const auto b = search::run_hunt(ev, o);
    REQUIRE(a.regions.size() == 2);
    CHECK(a.regions[0].scores == b.regions[0].scores);
    CHECK(a.regions[1].scores == b.regions[1].scores);
    // with a state directory: run once (saves every unit), then resume (reuses all of them)
    const std::string dir = support::tmp_path("hunt", "state");
    std::filesystem::create_directories(dir);
    o.state_dir = dir;
    const auto c = search::run_hunt(ev, o);
    CHECK(c.units_reused == 0);
    // a unit removed is recomputed, the others reused: as an interrupted run would resume
    std::filesystem::remove(dir + "/region6_fold1.scores");
    o.resume = true;
    const auto d = search::run_hunt(ev, o);
    CHECK(d.units_reused == 5);
    CHECK(d.regions[0].scores == a.regions[0].scores);
    CHECK(d.regions[1].scores == a.regions[1].scores);
    CHECK(search::hunt_table(d, true, true) == search::hunt_table(a, true, true));
    // units made with other options are refused, not mixed in
    o.fit.epochs = 3;
    CHECK_THROWS_AS(search::run_hunt(ev, o), usage_error);
    std::filesystem::remove_all(dir);
}

TEST_CASE("hunt: options that cannot work are usage errors") {
    const auto ev = toy_events(500, 0, 3);
    auto o = small_hunt();
    o.folds = 2;
    CHECK_THROWS_AS(search::check_hunt(ev, o), usage_error);
    o = small_hunt();
    o.edges = log_edges(6, 1500, 8000);  // a 7-bin window does not fit in 6 bins
    CHECK_THROWS_AS(search::check_hunt(ev, o), usage_error);
    o = small_hunt();
    o.efficiencies = {0};
    CHECK_THROWS_AS(search::check_hunt(ev, o), usage_error);
    o = small_hunt();
    o.classifier.arch = "fisher";
    o.trainings = 2;
    CHECK_THROWS_AS(search::check_hunt(ev, o), usage_error);
}

TEST_CASE("hunt: events that cannot fill a window are data errors, before any training") {
    const auto ev = toy_events(3000, 0, 4);
    auto o = small_hunt();
    // bins far below the data: the first signal region and its sidebands are empty
    o.edges = log_edges(12, 400, 8000);
    CHECK_THROWS_WITH_AS(search::check_hunt(ev, o), doctest::Contains("holds 0 events"), error);
    // a range without any event
    o.edges = log_edges(12, 20000, 30000);
    CHECK_THROWS_WITH_AS(search::check_hunt(ev, o), doctest::Contains("no event has mjj in the range"), error);
}

TEST_CASE("hunt: a sideband fit that fails says why in the table, and its Z is 0") {
    const auto ev = toy_events(4000, 0, 5);
    auto o = small_hunt();
    o.centres = {6};
    o.fit.epochs = 1;
    o.efficiencies = {1, 0.001};           // 0.001 of ~4000 events: a handful, too few to fit
    o.background.lsq.max_iterations = 1;  // and at efficiency 1 one LM step cannot converge
    const auto r = search::run_hunt(ev, o);
    REQUIRE(r.regions.size() == 1);
    const auto& c = r.regions[0].cells;
    CHECK_FALSE(c[0].fit.ok);
    CHECK(c[0].sig.z == 0);
    CHECK(search::fit_note(c[0].fit).find("did not converge in 1 iterations") != std::string::npos);
    CHECK_FALSE(c[1].fit.ok);
    CHECK(search::fit_note(c[1].fit).find("events in") != std::string::npos);
    CHECK(search::failed_fits(r) == 2);
    const std::string csv = search::hunt_table(r, true, false);
    // every row keeps the header's field count: a reason's commas do not split it
    std::istringstream lines(csv);
    std::string line;
    while (std::getline(lines, line)) CHECK(std::count(line.begin(), line.end(), ',') == 12);
    CHECK(csv.find("did not converge") != std::string::npos);
    CHECK(search::hunt_table(r, false, false).find("did not converge") != std::string::npos);
}
