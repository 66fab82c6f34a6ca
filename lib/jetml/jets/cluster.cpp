// SPDX-License-Identifier: MIT
// jetml/jets/cluster.cpp - jet clustering: definitions, strategy choice, history queries (strategies in cluster_plain.cpp, cluster_tiled.cpp).
#include "jetml/jets/cluster.hpp"

#include "jetml/jets/cluster_engine.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <utility>

#include "jetml/core/error.hpp"

namespace jetml {

// ===================================================================== jet_definition

jet_definition::jet_definition(jet_algorithm algorithm, double R, recombination_scheme scheme,
                               cluster_strategy strategy)
    : jet_definition(algorithm, R, algorithm == jet_algorithm::kt ? 1.0 : algorithm == jet_algorithm::antikt ? -1.0 : 0.0,
                     scheme, strategy) {
    if (algorithm == jet_algorithm::genkt)
        throw usage_error("the generalised kt algorithm needs its exponent p");
}

jet_definition::jet_definition(jet_algorithm algorithm, double R, double p, recombination_scheme scheme,
                               cluster_strategy strategy)
    : algorithm_(algorithm), R_(R), p_(p), scheme_(scheme), strategy_(strategy) {
    if (!(R > 0.0) || R > max_allowable_R) {
        std::ostringstream m;
        m << "jet radius R must be in (0, " << max_allowable_R << "], got " << R;
        throw usage_error(m.str());
    }
    if (!std::isfinite(p)) throw usage_error("generalised kt exponent p must be finite");
    switch (algorithm) {
        case jet_algorithm::kt: p_ = 1.0; break;
        case jet_algorithm::cambridge: p_ = 0.0; break;
        case jet_algorithm::antikt: p_ = -1.0; break;
        case jet_algorithm::genkt: break;
        default: throw usage_error("unknown jet algorithm");
    }
}

std::string jet_definition::description() const {
    std::ostringstream s;
    s << "Longitudinally invariant ";
    switch (algorithm_) {
        case jet_algorithm::kt: s << "kt algorithm with R = " << R_; break;
        case jet_algorithm::cambridge: s << "Cambridge/Aachen algorithm with R = " << R_; break;
        case jet_algorithm::antikt: s << "anti-kt algorithm with R = " << R_; break;
        case jet_algorithm::genkt: s << "generalised kt algorithm with R = " << R_ << ", p = " << p_; break;
    }
    switch (scheme_) {
        case recombination_scheme::e_scheme: s << " and E scheme recombination"; break;
        case recombination_scheme::pt_scheme: s << " and pt scheme recombination"; break;
        case recombination_scheme::wta_pt_scheme: s << " and pt-ordered Winner-Takes-All recombination"; break;
    }
    return s.str();
}

// ===================================================================== the engine's workspace

namespace cluster_detail {
namespace {
thread_local workspace tls_ws;
}  // namespace
[[gnu::noinline]] workspace& thread_workspace() { return tls_ws; }
}  // namespace cluster_detail

using cluster_detail::thread_workspace;

// ===================================================================== cluster_sequence

namespace {
/// Largest N for which cluster_strategy::best uses the plain N^2 loop: the measured break-even
/// against the tiled one on uniform events (|y| < 2.5) is about 50 at R = 0.4 and 125 at R = 1.
int plain_limit(double R) { return std::max(30, static_cast<int>(125.0 * std::min(R, 1.5))); }
/// Tile occupancy the tiled strategy aims at.
constexpr double tile_target = 10.0;
}  // namespace

cluster_sequence::cluster_sequence(const std::vector<fourvec>& particles, const jet_definition& def) : def_(def) {
    n_ = static_cast<int>(particles.size());
    jets_.reserve(2 * particles.size());
    rap_.reserve(2 * particles.size());
    phi_.reserve(2 * particles.size());
    history_.reserve(2 * particles.size());
    for (int i = 0; i < n_; ++i) {
        fourvec p = particles[i];
        if (!std::isfinite(p.px()) || !std::isfinite(p.py()) || !std::isfinite(p.pz()) || !std::isfinite(p.E())) {
            std::ostringstream m;
            m << "particle " << i << " has a non-finite momentum (" << p.px() << ", " << p.py() << ", " << p.pz() << ", "
              << p.E() << ")";
            throw error(m.str());
        }
        if (def.scheme() == recombination_scheme::pt_scheme) {
            // massless inputs: E = |p| (FastJet's pt_scheme preprocessing)
            const double e = std::sqrt(p.pt2() + p.pz() * p.pz());
            const int ui = p.user_index();
            p = fourvec(p.px(), p.py(), p.pz(), e);
            p.set_user_index(ui);
        }
        p.set_cluster_hist_index(i);
        jets_.push_back(p);
        rap_.push_back(p.rap());
        phi_.push_back(p.phi());
        history_.push_back(history_element{inexistent_parent, inexistent_parent, invalid, i, 0.0, 0.0});
        Q_ += p.E();
    }
    cluster_engine eng(*this);
    cluster_strategy s = def.strategy();
    if (s == cluster_strategy::best) s = n_ <= plain_limit(def.R()) ? cluster_strategy::n2_plain : cluster_strategy::n2_tiled;
    if (s == cluster_strategy::n2_tiled && n_ > 0 && eng.run_tiled(tile_target, thread_workspace())) {
        used_ = cluster_strategy::n2_tiled;
    } else {
        used_ = cluster_strategy::n2_plain;
        eng.run_plain(thread_workspace());
    }
}

std::string cluster_sequence::strategy_string() const { return used_ == cluster_strategy::n2_tiled ? "N2Tiled" : "N2Plain"; }

std::vector<fourvec> cluster_sequence::inclusive_jets(double ptmin) const {
    const double dcut = ptmin * ptmin;
    std::vector<fourvec> out;
    const int last = static_cast<int>(history_.size()) - 1;
    if (def_.algorithm() == jet_algorithm::kt) {
        // kt: d_iB = pT^2, and max_dij_so_far is monotone, so stop at the first step below dcut
        for (int i = last; i >= 0; --i) {
            const history_element& h = history_[i];
            if (h.max_dij_so_far < dcut) break;
            if (h.parent2 == beam && h.dij >= dcut) out.push_back(jets_[history_[h.parent1].jet_index]);
        }
    } else if (def_.algorithm() == jet_algorithm::cambridge) {
        // C/A: the beam mergings are all at the end of the history
        for (int i = last; i >= 0; --i) {
            const history_element& h = history_[i];
            if (h.parent2 != beam) break;
            const fourvec& j = jets_[history_[h.parent1].jet_index];
            if (j.pt2() >= dcut) out.push_back(j);
        }
    } else {
        for (int i = last; i >= 0; --i) {
            const history_element& h = history_[i];
            if (h.parent2 != beam) continue;
            const fourvec& j = jets_[history_[h.parent1].jet_index];
            if (j.pt2() >= dcut) out.push_back(j);
        }
    }
    return out;
}

int cluster_sequence::n_exclusive_jets(double dcut) const {
    int i = static_cast<int>(history_.size()) - 1;
    for (; i >= 0; --i)
        if (history_[i].max_dij_so_far <= dcut) break;
    return 2 * n_ - (i + 1);
}

std::vector<fourvec> cluster_sequence::exclusive_jets(double dcut) const { return exclusive_jets_up_to(n_exclusive_jets(dcut)); }

std::vector<fourvec> cluster_sequence::exclusive_jets(int n) const {
    if (n > n_) {
        std::ostringstream m;
        m << "Requested " << n << " exclusive jets, but there were only " << n_ << " particles in the event";
        throw error(m.str());
    }
    return exclusive_jets_up_to(n);
}

std::vector<fourvec> cluster_sequence::exclusive_jets_up_to(int n) const {
    if (n < 0) throw error("requested a negative number of exclusive jets");
    std::vector<fourvec> out;
    int stop = 2 * n_ - n;
    if (stop < n_) stop = n_;
    const int size = static_cast<int>(history_.size());
    for (int i = stop; i < size; ++i) {
        const int p1 = history_[i].parent1, p2 = history_[i].parent2;
        if (p1 < stop) out.push_back(jets_[history_[p1].jet_index]);
        if (p2 < stop && p2 > 0) out.push_back(jets_[history_[p2].jet_index]);
    }
    return out;
}

double cluster_sequence::exclusive_dmerge(int n) const {
    if (n < 0) throw error("requested a negative number of exclusive jets");
    if (n >= n_) return 0.0;
    return history_[2 * n_ - n - 1].dij;
}

double cluster_sequence::exclusive_dmerge_max(int n) const {
    if (n < 0) throw error("requested a negative number of exclusive jets");
    if (n >= n_) return 0.0;
    return history_[2 * n_ - n - 1].max_dij_so_far;
}

int cluster_sequence::check_jet_(const fourvec& jet) const {
    const int h = jet.cluster_hist_index();
    if (h < 0 || h >= static_cast<int>(history_.size()) || history_[h].jet_index < 0)
        throw error("the jet does not come from this cluster sequence");
    return h;
}

void cluster_sequence::subhist_(const fourvec& jet, double dcut, int maxjet, std::vector<int>& out) const {
    // `out` is kept sorted by history index; the latest step is undone first.
    out.clear();
    out.push_back(check_jet_(jet));
    int njet = 1;
    while (true) {
        const history_element& e = history_[out.back()];
        if (njet == maxjet) break;
        if (e.parent1 < 0) break;
        if (e.max_dij_so_far <= dcut) break;
        out.pop_back();
        for (int p : {e.parent1, e.parent2}) out.insert(std::upper_bound(out.begin(), out.end(), p), p);
        ++njet;
    }
}

std::vector<fourvec> cluster_sequence::exclusive_subjets(const fourvec& jet, double dcut) const {
    std::vector<int> h;
    subhist_(jet, dcut, 0, h);
    std::vector<fourvec> out;
    out.reserve(h.size());
    for (int i : h) out.push_back(jets_[history_[i].jet_index]);
    return out;
}

std::vector<fourvec> cluster_sequence::exclusive_subjets(const fourvec& jet, int n) const {
    std::vector<fourvec> out = exclusive_subjets_up_to(jet, n);
    if (static_cast<int>(out.size()) < n) {
        std::ostringstream m;
        m << "Requested " << n << " exclusive subjets, but there were only " << out.size() << " particles in the jet";
        throw error(m.str());
    }
    return out;
}

std::vector<fourvec> cluster_sequence::exclusive_subjets_up_to(const fourvec& jet, int n) const {
    if (n < 0) throw error("requested a negative number of exclusive subjets");
    std::vector<fourvec> out;
    if (n == 0) return out;
    std::vector<int> h;
    subhist_(jet, -1.0, n, h);
    out.reserve(h.size());
    for (int i : h) out.push_back(jets_[history_[i].jet_index]);
    return out;
}

int cluster_sequence::n_exclusive_subjets(const fourvec& jet, double dcut) const {
    std::vector<int> h;
    subhist_(jet, dcut, 0, h);
    return static_cast<int>(h.size());
}

double cluster_sequence::exclusive_subdmerge(const fourvec& jet, int n) const {
    // the latest merging left after undoing n-1 of them (0 for an input particle)
    std::vector<int> h;
    subhist_(jet, -1.0, n, h);
    return history_[h.back()].dij;
}

double cluster_sequence::exclusive_subdmerge_max(const fourvec& jet, int n) const {
    std::vector<int> h;
    subhist_(jet, -1.0, n, h);
    return history_[h.back()].max_dij_so_far;
}

void cluster_sequence::add_constituents_(int hist, std::vector<fourvec>& out) const {
    const history_element& e = history_[hist];
    if (e.parent1 == inexistent_parent) {
        out.push_back(jets_[e.jet_index]);
        return;
    }
    add_constituents_(e.parent1, out);
    if (e.parent2 != beam) add_constituents_(e.parent2, out);
}

std::vector<fourvec> cluster_sequence::constituents(const fourvec& jet) const {
    std::vector<fourvec> out;
    add_constituents_(check_jet_(jet), out);
    return out;
}

bool cluster_sequence::has_parents(const fourvec& jet, fourvec& parent1, fourvec& parent2) const {
    const history_element& e = history_[check_jet_(jet)];
    if (e.parent1 < 0) {
        parent1 = parent2 = fourvec();
        return false;
    }
    parent1 = jets_[history_[e.parent1].jet_index];
    parent2 = jets_[history_[e.parent2].jet_index];
    if (parent1.pt2() < parent2.pt2()) std::swap(parent1, parent2);
    return true;
}

bool cluster_sequence::has_child(const fourvec& jet, fourvec& child) const {
    const history_element& e = history_[check_jet_(jet)];
    if (e.child >= 0 && history_[e.child].jet_index >= 0) {
        child = jets_[history_[e.child].jet_index];
        return true;
    }
    child = fourvec();
    return false;
}

bool cluster_sequence::has_partner(const fourvec& jet, fourvec& partner) const {
    const int h = check_jet_(jet);
    const history_element& e = history_[h];
    if (e.child >= 0 && history_[e.child].parent2 >= 0) {
        const history_element& c = history_[e.child];
        const int other = c.parent1 == h ? c.parent2 : c.parent1;
        partner = jets_[history_[other].jet_index];
        return true;
    }
    partner = fourvec();
    return false;
}

std::vector<fourvec> sorted_by_pt(std::vector<fourvec> jets) {
    std::stable_sort(jets.begin(), jets.end(), [](const fourvec& a, const fourvec& b) { return a.pt2() > b.pt2(); });
    return jets;
}

}  // namespace jetml
