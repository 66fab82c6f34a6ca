// SPDX-License-Identifier: MIT
// jetml/jets/substructure.hpp - jet substructure: N-subjettiness, energy correlation ratios, soft drop
// and mMDT, trimming, pruning, filtering and exclusive subjets.
//
// jetml's own implementation, written from the published definitions and the documented
// behaviour of fjcontrib 1.051 (Nsubjettiness 2.2.6, EnergyCorrelator 1.3.1, RecursiveTools)
// and FastJet 3.4 (Filter, Pruner), so that the numbers agree with theirs:
//  - N-subjettiness (Thaler, Van Tilburg, arXiv:1011.2268, 1108.2701):
//      tau_N = sum_i pT_i min_k DeltaR_ik^beta  [ / sum_i pT_i R0^beta when normalised ],
//    DeltaR in (rapidity, phi). Axes: exclusive kt (E scheme or winner-take-all) of the
//    constituents with R = 1000, optionally refined by fjcontrib's one-pass minimisation.
//    With N >= the number of constituents, tau_N = 0 (fjcontrib's convention).
//  - Energy correlation functions (Larkoski, Salam, Thaler, arXiv:1305.0007; D2: 1409.6298):
//      ECF(1) = sum pT_i, ECF(2) = sum_{i<j} pT_i pT_j R_ij^beta,
//      ECF(3) = sum_{i<j<k} pT_i pT_j pT_k (R_ij R_ik R_jk)^beta,
//      C2 = ECF(3) ECF(1) / ECF(2)^2, D2 = ECF(3) ECF(1)^3 / ECF(2)^3.
//  - Soft drop (Larkoski, Marzani, Soyez, Thaler, arXiv:1402.2657) on the Cambridge/Aachen
//    reclustering of the constituents: undo the last merging into j1, j2; keep j if
//    min(pT1, pT2)/(pT1 + pT2) > z_cut (DeltaR12/R0)^beta, else follow the harder (pT) branch.
//    beta = 0 is the modified mass-drop tagger (mMDT, arXiv:1307.0007).
//  - Trimming (Krohn, Thaler, Wang, arXiv:0912.1342), filtering (Butterworth et al.,
//    arXiv:0802.2470) and pruning (Ellis, Vermilion, Walsh, arXiv:0903.5081) as FastJet's
//    Filter and Pruner.
#pragma once
#include <string>
#include <vector>

#include "jetml/jets/cluster.hpp"
#include "jetml/jets/fourvec.hpp"

namespace jetml {

//---------------------------------------------------------------------------------------------
// N-subjettiness

/// How the N axes of N-subjettiness are found.
enum class nsub_axes {
    kt,             ///< exclusive kt axes, E scheme (fjcontrib KT_Axes)
    wta_kt,         ///< exclusive kt axes, winner-take-all recombination (WTA_KT_Axes)
    onepass_kt,     ///< kt axes + one-pass minimisation (OnePass_KT_Axes)
    onepass_wta_kt  ///< WTA kt axes + one-pass minimisation (OnePass_WTA_KT_Axes)
};

/// Parses "kt", "wta-kt", "onepass-kt", "onepass-wta-kt"; throws usage_error otherwise.
nsub_axes parse_nsub_axes(const std::string& name);
/// The name parse_nsub_axes accepts.
std::string to_string(nsub_axes a);

/// N-subjettiness settings: axes and measure.
struct nsub_params {
    nsub_axes axes = nsub_axes::onepass_kt;
    double beta = 1.0;       ///< angular exponent, > 0 (the minimisation is meant for 1 <= beta < 3)
    double R0 = 1.0;         ///< normalisation radius, > 0 (normalised measure only)
    bool normalized = true;  ///< divide by d0 = sum_i pT_i R0^beta (fjcontrib NormalizedMeasure)
    int n_attempts = 1000;   ///< one-pass iteration limit (fjcontrib's default)
    double accuracy = 1e-4;  ///< one-pass convergence: mean axis displacement (fjcontrib's default)
    /// e.g. "N-subjettiness: one-pass kt axes, normalized measure (beta = 1, R0 = 1)".
    std::string description() const;
    /// Throws usage_error on beta <= 0 or R0 <= 0.
    void check() const;
};

/// tau_N of `particles`; the axes used are returned in *axes when given.
double nsubjettiness(const std::vector<fourvec>& particles, int N, const nsub_params& p,
                     std::vector<fourvec>* axes = nullptr);

/// tau_1 ... tau_nmax (index 0 is tau_1), sharing one clustering for the seed axes.
std::vector<double> nsubjettiness_up_to(const std::vector<fourvec>& particles, int nmax, const nsub_params& p);

/// The N-subjettiness measure for fixed axes: sum_i pT_i min_k DeltaR_ik^beta (divided by
/// sum_i pT_i R0^beta when normalised). A particle exactly on an axis contributes 0.
double nsubjettiness_measure(const std::vector<fourvec>& particles, const std::vector<fourvec>& axes,
                             const nsub_params& p);

//---------------------------------------------------------------------------------------------
// Energy correlation functions

/// ECF(1), ECF(2), ECF(3) with pT and rapidity-azimuth angles (fjcontrib's pt_R measure), GeV^N.
struct ecf_values {
    double e1 = 0, e2 = 0, e3 = 0;
    /// C1 = ECF(2)/ECF(1)^2.
    double c1() const { return e2 / (e1 * e1); }
    /// C2 = ECF(3) ECF(1) / ECF(2)^2 (NaN if ECF(2) = 0, i.e. fewer than 2 constituents).
    double c2() const { return e3 * e1 / (e2 * e2); }
    /// D2 = ECF(3) ECF(1)^3 / ECF(2)^3 (NaN if ECF(2) = 0).
    double d2() const { return e3 * e1 * e1 * e1 / (e2 * e2 * e2); }
};

/// The energy correlation functions of `particles` at angular exponent beta > 0.
ecf_values energy_correlators(const std::vector<fourvec>& particles, double beta);

/// ECFs at several betas at once (shares the pairwise angles).
std::vector<ecf_values> energy_correlators(const std::vector<fourvec>& particles, const std::vector<double>& betas);

//---------------------------------------------------------------------------------------------
// Grooming

/// A groomed (or tagged) jet with the splitting that stopped the declustering.
struct groomed_jet {
    fourvec jet;          ///< groomed four-momentum (zero if a tagger rejected the jet)
    int nconst = 0;       ///< constituents kept
    double zg = 0;        ///< symmetry z of the accepted splitting (0 if none)
    double rg = 0;        ///< DeltaR (y, phi) of the accepted splitting (0 if none)
    double mu = 0;        ///< mass drop max(m1, m2)/m of the accepted splitting (0 if none)
    bool tagged = false;  ///< a splitting passed the condition
    std::vector<fourvec> constituents;  ///< the constituents kept
};

/// Soft drop / mMDT settings.
struct soft_drop_params {
    double beta = 0.0;     ///< angular exponent >= 0 (0 = mMDT)
    double zcut = 0.1;     ///< symmetry cut in (0, 1)
    double R0 = 1.0;       ///< angular normalisation > 0
    bool tagging = false;  ///< tagging mode: a jet with no passing splitting becomes zero
                           ///< (fjcontrib mMDT); grooming mode keeps the last single constituent
    std::string description() const;
    void check() const;
};

/// Soft drop of the jet made of `constituents` (reclustered with Cambridge/Aachen, R = 1000).
groomed_jet soft_drop(const std::vector<fourvec>& constituents, const soft_drop_params& p);

/// Trimming: kt (by default) subjets of radius R_sub; keep those with pT >= f_cut pT(jet).
struct trim_params {
    double R_sub = 0.2;
    double f_cut = 0.05;
    jet_algorithm algorithm = jet_algorithm::kt;
    std::string description() const;
    void check() const;
};
/// `jet_pt` is the pT of the jet being trimmed (FastJet's reference jet is the input jet).
groomed_jet trim(const std::vector<fourvec>& constituents, double jet_pt, const trim_params& p);

/// Filtering: Cambridge/Aachen subjets of radius R_filt; keep the n_filt hardest.
struct filter_params {
    double R_filt = 0.3;
    int n_filt = 3;
    std::string description() const;
    void check() const;
};
groomed_jet filter(const std::vector<fourvec>& constituents, const filter_params& p);

/// Pruning (FastJet Pruner(cambridge_algorithm, zcut, Rcut_factor)): recluster with C/A at
/// R = 1000; a merging of a and b with DeltaR_ab > R_cut = Rcut_factor 2 m/pT (of the jet) and
/// min(pT_a, pT_b) < z_cut pT_{a+b} drops the softer one. The result is the hardest jet.
struct prune_params {
    double zcut = 0.1;
    double Rcut_factor = 0.5;
    jet_algorithm algorithm = jet_algorithm::cambridge;
    std::string description() const;
    void check() const;
};
/// `jet` is the jet being pruned (its m and pT set R_cut).
groomed_jet prune(const std::vector<fourvec>& constituents, const fourvec& jet, const prune_params& p);

//---------------------------------------------------------------------------------------------
// Exclusive subjets

/// The n exclusive subjets of the constituents reclustered with `def`, sorted by decreasing
/// pT. Fewer than n come back when there are fewer than n constituents.
std::vector<fourvec> exclusive_subjets(const std::vector<fourvec>& constituents, int n, const jet_definition& def);

}  // namespace jetml
