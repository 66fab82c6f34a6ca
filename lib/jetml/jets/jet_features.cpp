// SPDX-License-Identifier: MIT
// jetml/jets/jet_features.cpp - subjet's per-jet feature table (see jet_features.hpp).
#include "jetml/jets/jet_features.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "jetml/core/error.hpp"
#include "jetml/io/csv.hpp"

namespace jetml {

const std::vector<std::string>& feature_groups() {
    static const std::vector<std::string> g{"kin", "tau", "ecf", "sd", "mmdt", "trim", "prune", "filter", "subjets"};
    return g;
}

namespace {

std::string fmt_beta(double b) {
    std::ostringstream s;
    s << b;
    std::string t = s.str();
    for (char& c : t)
        if (c == '.') c = 'p';
    return t;
}

}  // namespace

std::vector<std::string> columns_of(const feature_config& c) {
    std::vector<std::string> col{"event", "jet", "pt", "eta", "rap", "phi", "mass", "e", "nconst"};
    if (c.g_tau) {
        for (int n = 1; n <= c.tau_nmax; ++n) col.push_back("tau" + std::to_string(n));
        for (int n = 2; n <= c.tau_nmax; ++n) col.push_back("tau" + std::to_string(n) + std::to_string(n - 1));
    }
    if (c.g_ecf)
        for (double b : c.ecf_betas) {
            col.push_back("c2_b" + fmt_beta(b));
            col.push_back("d2_b" + fmt_beta(b));
        }
    if (c.g_sd) col.insert(col.end(), {"sd_pt", "sd_mass", "sd_zg", "sd_rg"});
    if (c.g_mmdt) col.insert(col.end(), {"mmdt_pt", "mmdt_mass"});
    if (c.g_trim) col.insert(col.end(), {"trim_pt", "trim_mass"});
    if (c.g_prune) col.insert(col.end(), {"prune_pt", "prune_mass"});
    if (c.g_filter) col.insert(col.end(), {"filter_pt", "filter_mass"});
    if (c.g_sub)
        for (int k = 1; k <= c.nsub; ++k)
            for (const char* q : {"pt", "eta", "phi", "mass"}) col.push_back("sj" + std::to_string(k) + "_" + q);
    return col;
}

namespace {
constexpr double nan = std::numeric_limits<double>::quiet_NaN();

void jet_features(const feature_config& c, const fourvec& jet, const std::vector<fourvec>& cons, std::size_t ev, std::size_t ij,
                  jet_out& out, event_out& eo) {
    auto& r = out.row;
    r.clear();
    const bool empty = cons.empty();
    r.insert(r.end(), {double(ev), double(ij), jet.pt(), empty ? 0.0 : jet.eta(), empty ? 0.0 : jet.rap(),
                       empty ? 0.0 : jet.phi_std(), empty ? 0.0 : jet.m(), jet.E(), double(cons.size())});
    if (c.g_tau) {
        if (empty) r.insert(r.end(), std::size_t(2 * c.tau_nmax - 1), nan);
        else {
            auto t = nsubjettiness_up_to(cons, c.tau_nmax, c.tau);
            r.insert(r.end(), t.begin(), t.end());
            for (int n = 2; n <= c.tau_nmax; ++n) r.push_back(t[std::size_t(n - 1)] / t[std::size_t(n - 2)]);
        }
    }
    if (c.g_ecf) {
        if (empty) r.insert(r.end(), 2 * c.ecf_betas.size(), nan);
        else
            for (const auto& e : energy_correlators(cons, c.ecf_betas)) r.insert(r.end(), {e.c2(), e.d2()});
    }
    auto groomed = [&](const groomed_jet& g, bool zr) {
        if (empty) {
            r.insert(r.end(), zr ? 4 : 2, nan);
            return;
        }
        r.push_back(g.jet.pt());
        r.push_back(g.jet.m());
        if (zr) r.insert(r.end(), {g.zg, g.rg});
    };
    if (c.g_sd) groomed(empty ? groomed_jet{} : soft_drop(cons, c.sd), true);
    if (c.g_mmdt) groomed(empty ? groomed_jet{} : soft_drop(cons, c.mmdt), false);
    if (c.g_trim) groomed(empty ? groomed_jet{} : trim(cons, jet.pt(), c.trim), false);
    if (c.g_prune) groomed(empty ? groomed_jet{} : prune(cons, jet, c.prune), false);
    if (c.g_filter) groomed(empty ? groomed_jet{} : filter(cons, c.filt), false);
    if (c.g_sub) {
        auto sj = exclusive_subjets(cons, c.nsub, jet_definition(jet_algorithm::kt, jet_definition::max_allowable_R));
        if (!empty && sj.size() < std::size_t(c.nsub)) ++eo.few_subjets;
        for (int k = 0; k < c.nsub; ++k) {
            if (std::size_t(k) < sj.size()) {
                const fourvec& s = sj[std::size_t(k)];
                r.insert(r.end(), {s.pt(), s.eta(), s.phi_std(), s.m()});
            } else {
                r.insert(r.end(), 4, nan);
            }
        }
    }
    if (c.want_const) {
        out.consts.assign(c.max_const * 4, 0.0f);
        std::vector<fourvec> s = sorted_by_pt(cons);
        if (s.size() > c.max_const) ++eo.truncated;
        for (std::size_t i = 0; i < s.size() && i < c.max_const; ++i) {
            float* q = out.consts.data() + 4 * i;
            q[0] = float(s[i].pt());
            q[1] = float(s[i].eta());
            q[2] = float(s[i].phi_std());
            q[3] = float(std::max(s[i].m(), 0.0));
        }
    }
}

}  // namespace

void process_event(const feature_config& c, const event& ev, event_out& eo) {
    eo = event_out{};
    eo.dropped_nu = ev.dropped_neutrinos;
    if (c.jets_mode) {
        fourvec jet;
        for (const auto& p : ev.particles) jet += p;
        eo.jets.resize(1);
        eo.empty = ev.particles.empty();
        jet_features(c, jet, ev.particles, ev.index, 0, eo.jets[0], eo);
        return;
    }
    if (ev.particles.empty()) {
        eo.empty = true;
        return;
    }
    if (c.exclusive > 0 && ev.particles.size() < std::size_t(c.exclusive)) {
        eo.too_few = true;
        return;
    }
    cluster_sequence cs(ev.particles, c.jetdef);
    std::vector<fourvec> jets =
        sorted_by_pt(c.exclusive > 0 ? cs.exclusive_jets(c.exclusive) : cs.inclusive_jets(c.ptmin));
    std::vector<fourvec> sel;
    for (const auto& j : jets) {
        if (c.exclusive > 0 && j.pt() < c.ptmin) continue;
        if (std::abs(j.rap()) > c.rapmax) continue;
        sel.push_back(j);
        if (c.njets > 0 && int(sel.size()) == c.njets) break;
    }
    eo.jets.resize(sel.size());
    for (std::size_t i = 0; i < sel.size(); ++i)
        jet_features(c, sel[i], cs.constituents(sel[i]), ev.index, i, eo.jets[i], eo);
}

std::vector<std::string> describe(const feature_config& c) {
    std::vector<std::string> out;
    char buf[512];
    if (c.jets_mode) {
        out.push_back("jets: each NPY row is one jet (E-scheme sum of its constituents); substructure reclusters the constituents");
    } else {
        out.push_back("jets: " + c.jetdef.description());
        if (c.exclusive > 0)
            std::snprintf(buf, sizeof buf, "jets: exactly %d exclusive jets per event, then pT >= %g, |y| <= %g", c.exclusive,
                          c.ptmin, c.rapmax);
        else
            std::snprintf(buf, sizeof buf, "jets: inclusive, pT >= %g GeV, |y| <= %g, %s", c.ptmin, c.rapmax,
                          c.njets > 0 ? ("the " + std::to_string(c.njets) + " hardest").c_str() : "all");
        out.push_back(buf);
    }
    if (c.g_tau) out.push_back(c.tau.description() + "; tau_1..tau_" + std::to_string(c.tau_nmax));
    if (c.g_ecf) {
        std::string b;
        for (double x : c.ecf_betas) b += (b.empty() ? "" : ", ") + format_double(x);
        out.push_back("energy correlators: C2, D2 with pT and (y, phi) angles, beta = " + b);
    }
    if (c.g_sd) out.push_back(c.sd.description());
    if (c.g_mmdt) out.push_back(c.mmdt.description());
    if (c.g_trim) out.push_back(c.trim.description());
    if (c.g_prune) out.push_back(c.prune.description());
    if (c.g_filter) out.push_back(c.filt.description());
    if (c.g_sub)
        out.push_back("subjets: " + std::to_string(c.nsub) +
                      " exclusive kt subjets of the constituents (E scheme, R = 1000), by decreasing pT");
    return out;
}

jet_algorithm parse_algorithm(const std::string& s) {
    if (s == "antikt" || s == "anti-kt") return jet_algorithm::antikt;
    if (s == "kt") return jet_algorithm::kt;
    if (s == "cam" || s == "ca" || s == "cambridge") return jet_algorithm::cambridge;
    if (s == "genkt") return jet_algorithm::genkt;
    throw usage_error("--algorithm: unknown algorithm '" + s + "'; expected antikt, kt, cam or genkt");
}


}  // namespace jetml
