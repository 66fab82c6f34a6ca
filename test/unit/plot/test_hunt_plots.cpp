// SPDX-License-Identifier: MIT
// Unit tests of jetml/plot/hunt_plots on a hand-made hunt result (no training): one p0 plot and
// one spectrum document per signal region, a panel per efficiency, failed fits shown as such,
// and the files written together.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "jetml/plot/hunt_plots.hpp"
#include "support.hpp"

using namespace jetml;
using namespace jetml::stats;

namespace {
std::size_t count(const std::string& s, const std::string& what) {
    std::size_t n = 0;
    for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
    return n;
}

// A falling spectrum on 12 bins, 2 signal regions, efficiencies 1 (fit ok) and 0.0002 (too few
// events: the fit fails).
search::hunt_result hand_made() {
    search::hunt_result r;
    r.all = make_histogram(log_edges(12, 1500, 8000));
    for (std::size_t b = 0; b < 12; ++b) r.all.sumw[b] = r.all.sumw2[b] = std::round(2e4 * std::pow(0.7, double(b)));
    for (std::size_t c : {5, 6}) {
        search::hunt_region reg;
        reg.sr = make_signal_region(12, c, 3, 2);
        for (double eff : {1.0, 0.0002}) {
            search::hunt_cell cell;
            cell.efficiency = eff;
            histogram h = r.all;
            for (auto& v : h.sumw) v = std::floor(v * eff);
            h.sumw2 = h.sumw;
            cell.pass = h.sumw;
            cell.fit = predict_background(h, reg.sr);
            if (cell.fit.ok) cell.sig = profile_significance(cell.fit.observed, cell.fit.expected, cell.fit.sigma);
            reg.cells.push_back(cell);
        }
        r.regions.push_back(reg);
    }
    return r;
}
}  // namespace

TEST_CASE("hunt_plots: a p0 plot and one spectrum document per signal region, a panel per efficiency") {
    const auto r = hand_made();
    REQUIRE(r.regions[0].cells[0].fit.ok);
    REQUIRE_FALSE(r.regions[0].cells[1].fit.ok);
    const auto names = plot::hunt_plot_names("out/h", r);
    REQUIRE(names == std::vector<std::string>{"out/h-p0.svg", "out/h-sr5.svg", "out/h-sr6.svg"});
    const auto docs = plot::hunt_plots(r, "toy");
    REQUIRE(docs.size() == 3);
    for (const auto& d : docs) {
        CHECK(d.rfind("<?xml", 0) == 0);
        CHECK(count(d, "<svg") == 1);
        CHECK(d.find("</svg>") != std::string::npos);
        CHECK(count(d, "<g") == count(d, "</g>"));
        CHECK(d.find("nan") == std::string::npos);  // no non-finite coordinate reaches the SVG
    }
    // p0: a legend entry per efficiency and the sigma levels
    CHECK(docs[0].find("local p") != std::string::npos);
    CHECK(docs[0].find("= 0.0002") != std::string::npos);
    CHECK(docs[0].find("\xCF\x83") != std::string::npos);
    // spectra: two panels, the fit drawn where it converged, "fit failed" where it did not
    CHECK(count(docs[1], "dijet fit (3 par.)") == 1);
    CHECK(count(docs[1], "fit failed") == 1);
    CHECK(count(docs[1], "signal region") >= 3);  // the heading and each panel's legend
    CHECK(docs[2].find("signal region") != std::string::npos);
}

TEST_CASE("hunt_plots: write_hunt_plots writes every file, with no temporary left") {
    const auto r = hand_made();
    const std::string dir = support::tmp_path("hunt_plots", "dir");
    std::filesystem::create_directories(dir);
    plot::write_hunt_plots(dir + "/h", r);
    const auto docs = plot::hunt_plots(r);
    const auto names = plot::hunt_plot_names(dir + "/h", r);
    for (std::size_t i = 0; i < names.size(); ++i) {
        std::ifstream in(names[i]);
        std::stringstream s;
        s << in.rdbuf();
        CHECK(s.str() == docs[i]);
    }
    std::size_t files = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        ++files;
        CHECK(e.path().string().find(".tmp") == std::string::npos);
    }
    CHECK(files == names.size());
    std::filesystem::remove_all(dir);
}
