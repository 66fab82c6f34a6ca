// SPDX-License-Identifier: MIT
// jetml/jets/substructure.cpp - N-subjettiness, ECFs, soft drop, trimming, filtering, pruning.
#include "jetml/jets/substructure.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "jetml/core/error.hpp"

namespace jetml {

namespace {

std::string num(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
}

// pow(d2, beta/2) with the common exponents done exactly.
inline double pow_half(double d2, double beta) {
    if (beta == 1.0) return std::sqrt(d2);
    if (beta == 2.0) return d2;
    return std::pow(d2, 0.5 * beta);
}

// (rapidity, phi, pT) of a particle, computed once.
struct rpp {
    double rap, phi, pt;
};

std::vector<rpp> rap_phi_pt(const std::vector<fourvec>& particles) {
    std::vector<rpp> out(particles.size());
    for (std::size_t i = 0; i < particles.size(); ++i)
        out[i] = {particles[i].rap(), particles[i].phi(), particles[i].pt()};
    return out;
}

//---------------------------------------------------------------------------------------------
// One-pass minimisation of the N-subjettiness measure (as fjcontrib's DefaultMeasure for the
// pT-R measure): a weighted k-means step in (y, phi), repeated until the axes move by less than
// `accuracy` on average (or n_attempts steps). Particle i assigned to axis k pulls it with weight
// pT_i DeltaR_ik^(beta-2) (DeltaR regularised by `accuracy` so a particle on the axis is finite).
struct light_axis {
    double rap = 0, phi = 0, mom = 0;
};

inline double axis_dist2(double rap1, double phi1, double rap2, double phi2) {
    double dphi = std::abs(phi1 - phi2);
    if (dphi > pi) dphi = twopi - dphi;
    const double dy = rap1 - rap2;
    return dy * dy + dphi * dphi;
}

std::vector<light_axis> onepass_update(const std::vector<light_axis>& old, const std::vector<rpp>& parts,
                                       const std::vector<fourvec>& particles, double beta, double precision) {
    const std::size_t n = old.size();
    std::vector<double> rap_sum(n, 0.0), phi_sum(n, 0.0), weight(n, 0.0);
    std::vector<fourvec> mom(n);
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const rpp& q = parts[i];
        double best = std::numeric_limits<double>::max();
        std::size_t k = 0;
        for (std::size_t a = 0; a < n; ++a) {
            const double d = axis_dist2(old[a].rap, old[a].phi, q.rap, q.phi);
            if (d < best) best = d, k = a;
        }
        const double d2 = precision * precision + best;
        double w;
        if (beta == 1.0) w = 1.0 / std::sqrt(d2);
        else if (beta == 2.0) w = 1.0;
        else w = std::pow(d2, 0.5 * beta - 1.0);
        rap_sum[k] += q.pt * q.rap * w;
        const double dphi = q.phi - old[k].phi;
        double phi = q.phi;
        if (dphi > pi) phi -= twopi;
        else if (dphi < -pi) phi += twopi;
        phi_sum[k] += q.pt * phi * w;
        weight[k] += q.pt * w;
        mom[k] += particles[i];
    }
    std::vector<light_axis> out(n);
    for (std::size_t k = 0; k < n; ++k) {
        if (weight[k] == 0.0) {
            out[k] = old[k];  // no particle is closest to this axis: keep it
            continue;
        }
        out[k].rap = rap_sum[k] / weight[k];
        out[k].phi = std::fmod(phi_sum[k] / weight[k] + twopi, twopi);
        out[k].mom = std::sqrt(mom[k].modp2());
    }
    return out;
}

std::vector<fourvec> onepass_axes(const std::vector<fourvec>& particles, const std::vector<rpp>& parts,
                                  const std::vector<fourvec>& seeds, const nsub_params& p) {
    std::vector<light_axis> old(seeds.size());
    for (std::size_t k = 0; k < seeds.size(); ++k) old[k] = {seeds[k].rap(), seeds[k].phi(), seeds[k].modp()};
    double cmp = std::numeric_limits<double>::max();
    for (int h = 0; cmp > p.accuracy && h < p.n_attempts; ++h) {
        auto next = onepass_update(old, parts, particles, p.beta, p.accuracy);
        cmp = 0.0;
        for (std::size_t k = 0; k < old.size(); ++k)
            cmp += std::sqrt(axis_dist2(old[k].rap, old[k].phi, next[k].rap, next[k].phi));
        cmp /= double(old.size());
        old = std::move(next);
    }
    // light-like axes of energy |p| of their particles: E = mom, pz = tanh(y) E
    std::vector<fourvec> axes(old.size());
    for (std::size_t k = 0; k < old.size(); ++k) {
        const double e = old[k].mom;
        const double e2y = std::exp(2.0 * old[k].rap);
        const double pz = (e2y - 1.0) / (e2y + 1.0) * e;
        const double pt = std::sqrt(e * e - pz * pz);
        axes[k] = fourvec(std::cos(old[k].phi) * pt, std::sin(old[k].phi) * pt, pz, e);
    }
    return axes;
}

double measure_rpp(const std::vector<rpp>& parts, const std::vector<fourvec>& axes, const nsub_params& p) {
    std::vector<rpp> ax(axes.size());
    for (std::size_t k = 0; k < axes.size(); ++k) ax[k] = {axes[k].rap(), axes[k].phi(), 0.0};
    std::vector<double> piece(axes.size(), 0.0);
    double den = 0.0;
    for (const rpp& q : parts) {
        double best = std::numeric_limits<double>::infinity();
        std::size_t k = 0;
        for (std::size_t a = 0; a < ax.size(); ++a) {
            const double d = fourvec::rap_phi_distance2(q.rap, q.phi, ax[a].rap, ax[a].phi);
            if (d < best) best = d, k = a;
        }
        if (best > 0.0) piece[k] += q.pt * pow_half(best, p.beta);
        den += q.pt;
    }
    double tau = 0.0;
    for (double v : piece) tau += v;
    if (p.normalized) tau /= den * std::pow(p.R0, p.beta);
    return tau;
}

jet_definition axes_definition(nsub_axes a) {
    const bool wta = (a == nsub_axes::wta_kt || a == nsub_axes::onepass_wta_kt);
    return jet_definition(jet_algorithm::kt, jet_definition::max_allowable_R,
                          wta ? recombination_scheme::wta_pt_scheme : recombination_scheme::e_scheme);
}

bool is_onepass(nsub_axes a) { return a == nsub_axes::onepass_kt || a == nsub_axes::onepass_wta_kt; }

double tau_from_seeds(const std::vector<fourvec>& particles, const std::vector<rpp>& parts, std::vector<fourvec> seeds,
                      int N, const nsub_params& p, std::vector<fourvec>* axes_out) {
    seeds.resize(std::size_t(N));  // fewer than N axes cannot happen here (more particles than N)
    std::vector<fourvec> axes;
    for (auto& s : seeds) s = fourvec(s.px(), s.py(), s.pz(), s.E());  // strip history
    axes = is_onepass(p.axes) ? onepass_axes(particles, parts, seeds, p) : seeds;
    const double tau = measure_rpp(parts, axes, p);
    if (axes_out) *axes_out = std::move(axes);
    return tau;
}

}  // namespace

nsub_axes parse_nsub_axes(const std::string& name) {
    if (name == "kt") return nsub_axes::kt;
    if (name == "wta-kt") return nsub_axes::wta_kt;
    if (name == "onepass-kt") return nsub_axes::onepass_kt;
    if (name == "onepass-wta-kt") return nsub_axes::onepass_wta_kt;
    throw usage_error("unknown N-subjettiness axes '" + name + "'; expected kt, wta-kt, onepass-kt or onepass-wta-kt");
}

std::string to_string(nsub_axes a) {
    switch (a) {
    case nsub_axes::kt: return "kt";
    case nsub_axes::wta_kt: return "wta-kt";
    case nsub_axes::onepass_kt: return "onepass-kt";
    case nsub_axes::onepass_wta_kt: return "onepass-wta-kt";
    }
    return "?";
}

std::string nsub_params::description() const {
    static const char* names[] = {"exclusive kt axes (E scheme, R = 1000)", "exclusive kt axes (winner-take-all, R = 1000)",
                                  "one-pass minimisation from kt axes", "one-pass minimisation from winner-take-all kt axes"};
    std::string s = "N-subjettiness: ";
    s += names[int(axes)];
    if (normalized) s += ", normalized measure (beta = " + num(beta) + ", R0 = " + num(R0) + ")";
    else s += ", unnormalized measure (beta = " + num(beta) + ", in GeV)";
    if (is_onepass(axes)) s += ", one pass: accuracy " + num(accuracy) + ", at most " + std::to_string(n_attempts) + " steps";
    return s;
}

void nsub_params::check() const {
    if (!(beta > 0)) throw usage_error("N-subjettiness beta must be > 0, got " + num(beta));
    if (!(R0 > 0)) throw usage_error("N-subjettiness R0 must be > 0, got " + num(R0));
}

double nsubjettiness_measure(const std::vector<fourvec>& particles, const std::vector<fourvec>& axes,
                             const nsub_params& p) {
    return measure_rpp(rap_phi_pt(particles), axes, p);
}

double nsubjettiness(const std::vector<fourvec>& particles, int N, const nsub_params& p, std::vector<fourvec>* axes) {
    if (N < 1) throw usage_error("N-subjettiness needs N >= 1, got " + std::to_string(N));
    if (particles.size() <= std::size_t(N)) {  // fjcontrib: not enough particles -> tau_N = 0
        if (axes) {
            *axes = particles;
            axes->resize(std::size_t(N));
        }
        return 0.0;
    }
    cluster_sequence cs(particles, axes_definition(p.axes));
    return tau_from_seeds(particles, rap_phi_pt(particles), cs.exclusive_jets_up_to(N), N, p, axes);
}

std::vector<double> nsubjettiness_up_to(const std::vector<fourvec>& particles, int nmax, const nsub_params& p) {
    std::vector<double> out(std::size_t(std::max(nmax, 0)), 0.0);
    if (nmax < 1 || particles.size() <= 1) return out;
    cluster_sequence cs(particles, axes_definition(p.axes));
    const auto parts = rap_phi_pt(particles);
    for (int N = 1; N <= nmax; ++N) {
        if (particles.size() <= std::size_t(N)) break;
        out[std::size_t(N - 1)] = tau_from_seeds(particles, parts, cs.exclusive_jets_up_to(N), N, p, nullptr);
    }
    return out;
}

//---------------------------------------------------------------------------------------------

std::vector<ecf_values> energy_correlators(const std::vector<fourvec>& particles, const std::vector<double>& betas) {
    for (double b : betas)
        if (!(b > 0)) throw usage_error("energy correlator beta must be > 0, got " + num(b));
    const std::size_t n = particles.size();
    const auto parts = rap_phi_pt(particles);
    std::vector<double> d2(n * n, 0.0), ang(n * n, 0.0), pt(n);
    for (std::size_t i = 0; i < n; ++i) {
        pt[i] = parts[i].pt;
        for (std::size_t j = i + 1; j < n; ++j)
            d2[i * n + j] = d2[j * n + i] =
                fourvec::rap_phi_distance2(parts[i].rap, parts[i].phi, parts[j].rap, parts[j].phi);
    }
    std::vector<ecf_values> out(betas.size());
    for (std::size_t b = 0; b < betas.size(); ++b) {
        const double beta = betas[b];
        for (std::size_t q = 0; q < n * n; ++q) ang[q] = pow_half(d2[q], beta);
        ecf_values v;
        for (std::size_t i = 0; i < n; ++i) v.e1 += pt[i];
        for (std::size_t i = 0; i < n; ++i) {
            const double* ai = ang.data() + i * n;
            for (std::size_t j = i + 1; j < n; ++j) {
                const double wij = pt[i] * pt[j] * ai[j];
                v.e2 += wij;
                const double* aj = ang.data() + j * n;
                double s = 0.0;
                for (std::size_t k = j + 1; k < n; ++k) s += pt[k] * ai[k] * aj[k];
                v.e3 += wij * s;
            }
        }
        out[b] = v;
    }
    return out;
}

ecf_values energy_correlators(const std::vector<fourvec>& particles, double beta) {
    return energy_correlators(particles, std::vector<double>{beta})[0];
}

//---------------------------------------------------------------------------------------------

std::string soft_drop_params::description() const {
    if (beta == 0.0 && tagging)
        return "mMDT: modified mass-drop tagger, z > " + num(zcut) + ", larger-pT branch, tagging mode (C/A reclustering)";
    return std::string("soft drop: z > ") + num(zcut) + " (DeltaR/" + num(R0) + ")^" + num(beta) +
           ", larger-pT branch, " + (tagging ? "tagging" : "grooming") + " mode (C/A reclustering)";
}

void soft_drop_params::check() const {
    if (!(beta >= 0)) throw usage_error("soft drop beta must be >= 0, got " + num(beta));
    if (!(zcut > 0 && zcut < 1)) throw usage_error("soft drop z_cut must be in (0, 1), got " + num(zcut));
    if (!(R0 > 0)) throw usage_error("soft drop R0 must be > 0, got " + num(R0));
}

groomed_jet soft_drop(const std::vector<fourvec>& constituents, const soft_drop_params& p) {
    groomed_jet g;
    if (constituents.empty()) return g;
    cluster_sequence cs(constituents, jet_definition(jet_algorithm::cambridge, jet_definition::max_allowable_R));
    fourvec j = sorted_by_pt(cs.inclusive_jets())[0];
    fourvec j1, j2;
    const double R02 = p.R0 * p.R0;
    while (cs.has_parents(j, j1, j2)) {
        if (j1.pt2() < j2.pt2()) std::swap(j1, j2);
        const double pt1 = j1.pt(), pt2 = j2.pt();
        const double z = std::min(pt1, pt2) / (pt1 + pt2);
        const double dr2 = j1.squared_distance(j2);
        const double cut = p.beta == 0.0 ? p.zcut : p.zcut * std::pow(dr2 / R02, 0.5 * p.beta);
        if (z > cut) {
            g.jet = j;
            g.constituents = cs.constituents(j);
            g.nconst = int(g.constituents.size());
            g.zg = z;
            g.rg = std::sqrt(dr2);
            const double m2 = j.m2();
            g.mu = m2 > 0 ? std::sqrt(std::max(j1.m2(), j2.m2()) / m2) : 0.0;
            g.tagged = true;
            return g;
        }
        j = j1;
    }
    if (!p.tagging) {  // grooming mode: the single constituent left
        g.jet = j;
        g.constituents = cs.constituents(j);
        g.nconst = 1;
    }
    return g;
}

//---------------------------------------------------------------------------------------------

std::string trim_params::description() const {
    return "trimming: " + std::string(algorithm == jet_algorithm::kt ? "kt" : "C/A") + " subjets R = " + num(R_sub) +
           ", keep pT_sub >= " + num(f_cut) + " pT_jet";
}
void trim_params::check() const {
    if (!(R_sub > 0)) throw usage_error("trimming R_sub must be > 0, got " + num(R_sub));
    if (!(f_cut >= 0 && f_cut < 1)) throw usage_error("trimming f_cut must be in [0, 1), got " + num(f_cut));
}

groomed_jet trim(const std::vector<fourvec>& constituents, double jet_pt, const trim_params& p) {
    groomed_jet g;
    if (constituents.empty()) return g;
    cluster_sequence cs(constituents, jet_definition(p.algorithm, p.R_sub));
    const double ref2 = p.f_cut * p.f_cut * jet_pt * jet_pt;
    for (const fourvec& s : cs.inclusive_jets())
        if (s.pt2() >= ref2) {
            g.jet += s;
            for (const fourvec& q : cs.constituents(s)) g.constituents.push_back(q);
        }
    g.nconst = int(g.constituents.size());
    g.tagged = g.nconst > 0;
    return g;
}

std::string filter_params::description() const {
    return "filtering: C/A subjets R = " + num(R_filt) + ", keep the " + std::to_string(n_filt) + " hardest";
}
void filter_params::check() const {
    if (!(R_filt > 0)) throw usage_error("filtering R_filt must be > 0, got " + num(R_filt));
    if (n_filt < 1) throw usage_error("filtering n_filt must be >= 1, got " + std::to_string(n_filt));
}

groomed_jet filter(const std::vector<fourvec>& constituents, const filter_params& p) {
    groomed_jet g;
    if (constituents.empty()) return g;
    cluster_sequence cs(constituents, jet_definition(jet_algorithm::cambridge, p.R_filt));
    auto subs = sorted_by_pt(cs.inclusive_jets());
    for (std::size_t i = 0; i < subs.size() && i < std::size_t(p.n_filt); ++i) {
        g.jet += subs[i];
        for (const fourvec& q : cs.constituents(subs[i])) g.constituents.push_back(q);
    }
    g.nconst = int(g.constituents.size());
    g.tagged = g.nconst > 0;
    return g;
}

//---------------------------------------------------------------------------------------------
// Pruning: a small O(N^2) sequential recombination (nearest-neighbour bookkeeping as in
// FastJet's N2Plain) whose merging step applies the pruning veto.

std::string prune_params::description() const {
    return "pruning: " + std::string(algorithm == jet_algorithm::kt ? "kt" : "C/A") +
           " reclustering (R = 1000), z_cut = " + num(zcut) + ", R_cut = " + num(Rcut_factor) + " x 2m/pT";
}
void prune_params::check() const {
    if (!(zcut > 0 && zcut < 1)) throw usage_error("pruning z_cut must be in (0, 1), got " + num(zcut));
    if (!(Rcut_factor > 0)) throw usage_error("pruning R_cut factor must be > 0, got " + num(Rcut_factor));
}

groomed_jet prune(const std::vector<fourvec>& constituents, const fourvec& jet, const prune_params& p) {
    groomed_jet g;
    const std::size_t n = constituents.size();
    if (n == 0) return g;
    const double jpt = jet.pt();
    const double rcut = jpt > 0 ? p.Rcut_factor * 2.0 * std::max(jet.m(), 0.0) / jpt : 0.0;
    const double rcut2 = rcut * rcut, zcut2 = p.zcut * p.zcut;
    const double R2 = jet_definition::max_allowable_R * jet_definition::max_allowable_R;
    const double pw = p.algorithm == jet_algorithm::kt ? 1.0 : (p.algorithm == jet_algorithm::antikt ? -1.0 : 0.0);
    struct node {
        fourvec v;
        double rap, phi, f;  // f = kt^(2p)
        std::vector<int> idx;  // input particles in this jet
        int nn;
        double nn_d2;
    };
    auto factor = [&](const fourvec& v) {
        if (pw == 0.0) return 1.0;
        const double kt2 = v.pt2();
        if (pw > 0) return kt2;
        return kt2 > 1e-300 ? 1.0 / kt2 : 1e300;
    };
    std::vector<node> a(n);
    for (std::size_t i = 0; i < n; ++i)
        a[i] = {constituents[i], constituents[i].rap(), constituents[i].phi(), factor(constituents[i]), {int(i)}, -1,
                std::numeric_limits<double>::max()};
    std::size_t m = n;
    auto find_nn = [&](std::size_t i) {
        a[i].nn = -1;
        a[i].nn_d2 = R2;  // only neighbours closer than R pair up (d_ij < d_iB needs DeltaR < R)
        for (std::size_t j = 0; j < m; ++j) {
            if (j == i) continue;
            const double d = fourvec::rap_phi_distance2(a[i].rap, a[i].phi, a[j].rap, a[j].phi);
            if (d < a[i].nn_d2) a[i].nn_d2 = d, a[i].nn = int(j);
        }
    };
    for (std::size_t i = 0; i < m; ++i) find_nn(i);
    std::vector<node> done;
    while (m > 0) {
        std::size_t best = 0;
        double dmin = std::numeric_limits<double>::max();
        for (std::size_t i = 0; i < m; ++i) {
            const double f = a[i].nn >= 0 ? std::min(a[i].f, a[std::size_t(a[i].nn)].f) : a[i].f;
            const double d = f * a[i].nn_d2 / R2;
            if (d < dmin) dmin = d, best = i;
        }
        node& A = a[best];
        if (A.nn < 0) {  // beam merging: a final jet
            done.push_back(A);
            a[best] = a[m - 1];
            --m;
            for (std::size_t i = 0; i < m; ++i)
                if (a[i].nn == int(m)) a[i].nn = int(best);  // nobody pointed at the beam-merged jet
        } else {
            std::size_t ib = best, jb = std::size_t(A.nn);
            node& B = a[jb];
            const fourvec sum = A.v + B.v;
            const double d2 = A.nn_d2;
            const double pta2 = A.v.pt2(), ptb2 = B.v.pt2();
            node merged;
            if (d2 > rcut2 && std::min(pta2, ptb2) < zcut2 * sum.pt2()) {
                merged = pta2 >= ptb2 ? A : B;  // prune the softer
            } else {
                merged = A;
                merged.v = sum;
                merged.rap = sum.rap();
                merged.phi = sum.phi();
                merged.idx.insert(merged.idx.end(), B.idx.begin(), B.idx.end());
            }
            merged.f = factor(merged.v);
            const std::size_t lo = std::min(ib, jb), hi = std::max(ib, jb);
            a[lo] = merged;
            a[hi] = a[m - 1];
            --m;
            for (std::size_t i = 0; i < m; ++i) {
                if (i == lo || a[i].nn == int(lo) || a[i].nn == int(hi)) find_nn(i);
                else if (a[i].nn == int(m)) a[i].nn = int(hi);  // the last jet moved to slot hi
            }
            // the new jet may now be the nearest neighbour of others
            for (std::size_t i = 0; i < m; ++i) {
                if (i == lo) continue;
                const double d = fourvec::rap_phi_distance2(a[i].rap, a[i].phi, a[lo].rap, a[lo].phi);
                if (d < a[i].nn_d2) a[i].nn_d2 = d, a[i].nn = int(lo);
            }
        }
    }
    std::size_t h = 0;
    for (std::size_t i = 1; i < done.size(); ++i)
        if (done[i].v.pt2() > done[h].v.pt2()) h = i;
    g.jet = done[h].v;
    for (int i : done[h].idx) g.constituents.push_back(constituents[std::size_t(i)]);
    g.nconst = int(g.constituents.size());
    g.tagged = true;
    return g;
}

//---------------------------------------------------------------------------------------------

std::vector<fourvec> exclusive_subjets(const std::vector<fourvec>& constituents, int n, const jet_definition& def) {
    if (constituents.empty() || n < 1) return {};
    cluster_sequence cs(constituents, def);
    return sorted_by_pt(cs.exclusive_jets_up_to(n));
}

}  // namespace jetml
