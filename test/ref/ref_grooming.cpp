// SPDX-License-Identifier: MIT
// Reference test: jetml's trimming, filtering and pruning against the installed FastJet 3.4
// tools (Filter, Pruner) on the jets of FastJet's example events.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <fastjet/ClusterSequence.hh>
#include <fastjet/Selector.hh>
#include <fastjet/tools/Filter.hh>
#include <fastjet/tools/Pruner.hh>
#include <fstream>
#include <sstream>

#include "jetml/jets/substructure.hpp"

namespace {
std::vector<fastjet::PseudoJet> read_event(const std::string& path) {
    std::ifstream f(path);
    REQUIRE(f.good());
    std::vector<fastjet::PseudoJet> ev;
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
std::vector<jetml::fourvec> to_jetml(const std::vector<fastjet::PseudoJet>& v) {
    std::vector<jetml::fourvec> out;
    for (const auto& p : v) out.emplace_back(p.px(), p.py(), p.pz(), p.E());
    return out;
}
// both sides sum the same four-vectors, possibly in another order: 1e-10 relative covers
// the rounding of a different summation order (plus 1e-9 GeV for near-zero masses)
bool same(double a, double b) { return std::abs(a - b) <= 1e-10 * std::abs(b) + 1e-9; }
}  // namespace

TEST_CASE("ref: trimming, filtering and pruning agree with FastJet's Filter and Pruner") {
    fastjet::ClusterSequence::set_fastjet_banner_stream(&std::cerr);
    int checked = 0;
    for (const char* file : {"/data/fastjet-golden/single-event.dat", "/data/Pythia-Zp2jets-lhc-pileup-1ev.dat"}) {
        const std::string path = std::string(JETML_TEST_DIR) + file;
        std::ifstream probe(path);
        if (!probe.good()) continue;
        auto ev = read_event(path);
        fastjet::ClusterSequence cs(ev, fastjet::JetDefinition(fastjet::antikt_algorithm, 1.0));
        auto jets = fastjet::sorted_by_pt(cs.inclusive_jets(20.0));
        REQUIRE(jets.size() >= 2);
        for (const auto& j : jets) {
            const auto cons = to_jetml(j.constituents());
            const jetml::fourvec jj(j.px(), j.py(), j.pz(), j.E());
            for (double rsub : {0.1, 0.2, 0.3})
                for (double fcut : {0.03, 0.05, 0.1}) {
                    fastjet::Filter trimmer(fastjet::JetDefinition(fastjet::kt_algorithm, rsub), fastjet::SelectorPtFractionMin(fcut));
                    auto ref = trimmer(j);
                    jetml::trim_params tp;
                    tp.R_sub = rsub, tp.f_cut = fcut;
                    auto g = jetml::trim(cons, j.pt(), tp);
                    CHECK(same(g.jet.pt(), ref.pt()));
                    CHECK(same(g.jet.m(), ref.m()));
                    CHECK(g.nconst == int(ref.constituents().size()));
                    ++checked;
                }
            for (double rf : {0.2, 0.3})
                for (int nf : {2, 3}) {
                    fastjet::Filter filt(fastjet::JetDefinition(fastjet::cambridge_algorithm, rf), fastjet::SelectorNHardest(nf));
                    auto ref = filt(j);
                    jetml::filter_params fp;
                    fp.R_filt = rf, fp.n_filt = nf;
                    auto g = jetml::filter(cons, fp);
                    CHECK(same(g.jet.pt(), ref.pt()));
                    CHECK(same(g.jet.m(), ref.m()));
                    ++checked;
                }
            for (double zc : {0.05, 0.1, 0.2})
                for (double rc : {0.3, 0.5}) {
                    fastjet::Pruner pruner(fastjet::cambridge_algorithm, zc, rc);
                    auto ref = pruner(j);
                    jetml::prune_params pp;
                    pp.zcut = zc, pp.Rcut_factor = rc;
                    auto g = jetml::prune(cons, jj, pp);
                    INFO("jet pt " << j.pt() << " zcut " << zc << " rcut " << rc);
                    CHECK(same(g.jet.pt(), ref.pt()));
                    CHECK(same(g.jet.m(), ref.m()));
                    CHECK(g.nconst == int(ref.constituents().size()));
                    ++checked;
                }
        }
    }
    CHECK(checked > 100);
}
