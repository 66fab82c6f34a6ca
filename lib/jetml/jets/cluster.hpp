// SPDX-License-Identifier: MIT
// jetml/jets/cluster.hpp - sequential recombination jet clustering (kt, Cambridge/Aachen, anti-kt,
// generalised kt) with FastJet 3.4's definitions, history layout and tie-breaking.
//
// jetml's own implementation, written from the published definitions (Cacciari, Salam, Soyez,
// EPJC 72 (2012) 1896, arXiv:1111.6097; JHEP 0804:063, arXiv:0802.1189) and checked jet by jet
// against the installed FastJet (test/ref/ref_cluster.cpp).
//
//   d_ij = min(kt_i^2p, kt_j^2p) * DeltaR_ij^2 / R^2,   d_iB = kt_i^2p,
//   DeltaR^2 = Delta y^2 + Delta phi^2 (rapidity, not pseudorapidity),
//   p = 1 (kt), 0 (Cambridge/Aachen), -1 (anti-kt), any (generalised kt).
//
// Two implementations give the same jets: a plain O(N^2) loop that follows FastJet's N2Plain
// step by step (so exact ties are broken as FastJet breaks them), and a tiled one for large N
// ((y, phi) tiles, per-jet lists of the jets pointing at it, a blocked minimum of d_iJ).
// cluster_strategy::best picks between them by N and R. Exact ties (equal d_ij, e.g. every
// beam merging of Cambridge/Aachen, which all have d = 1) may be ordered differently by the
// two, as they are by FastJet's own strategies; the jets are the same.
#pragma once
#include <string>
#include <vector>

#include "jetml/jets/fourvec.hpp"

namespace jetml {

/// The pp jet algorithms (FastJet's JetAlgorithm values 0..3).
enum class jet_algorithm { kt = 0, cambridge = 1, antikt = 2, genkt = 3 };

/// How two pseudojets are combined.
enum class recombination_scheme {
    e_scheme,      ///< four-vector sum (FastJet E_scheme, the default)
    pt_scheme,     ///< massless inputs (E set to |p|); pT summed, y and phi pT-weighted (FastJet pt_scheme)
    wta_pt_scheme  ///< pT summed; y, phi and m of the harder input (FastJet WTA_pt_scheme)
};

/// Which clustering implementation to use; all give the same jets up to exact ties.
enum class cluster_strategy {
    best,      ///< n2_plain for small N (or very large R), n2_tiled otherwise
    n2_plain,  ///< O(N^2) loop identical in its steps to FastJet's N2Plain
    n2_tiled   ///< (y, phi) tiles, nearest-neighbour lists and a blocked minimum of distances
};

/// A jet definition: algorithm, radius, (genkt) exponent p, recombination scheme, strategy.
class jet_definition {
public:
    /// Largest radius accepted (FastJet's JetDefinition::max_allowable_R).
    static constexpr double max_allowable_R = 1000.0;

    /// kt, Cambridge/Aachen or anti-kt with radius R in (0, 1000]. For genkt use the other
    /// constructor. Throws jetml::usage_error on a bad R or algorithm.
    jet_definition(jet_algorithm algorithm, double R,
                   recombination_scheme scheme = recombination_scheme::e_scheme,
                   cluster_strategy strategy = cluster_strategy::best);
    /// Generalised kt (or any algorithm, where p is then ignored) with exponent p.
    jet_definition(jet_algorithm algorithm, double R, double p,
                   recombination_scheme scheme = recombination_scheme::e_scheme,
                   cluster_strategy strategy = cluster_strategy::best);

    jet_algorithm algorithm() const { return algorithm_; }
    double R() const { return R_; }
    /// The exponent p of kt^2p: 1 (kt), 0 (C/A), -1 (anti-kt), or the genkt value.
    double p() const { return p_; }
    recombination_scheme scheme() const { return scheme_; }
    cluster_strategy strategy() const { return strategy_; }
    /// FastJet's JetDefinition::description() text, e.g. "Longitudinally invariant anti-kt
    /// algorithm with R = 0.4 and E scheme recombination".
    std::string description() const;

private:
    jet_algorithm algorithm_;
    double R_;
    double p_;
    recombination_scheme scheme_;
    cluster_strategy strategy_;
};

/// One step of the clustering history (FastJet's history_element layout). Entries 0..N-1 are
/// the input particles; every later entry is a pair merging (parent2 >= 0) or a beam merging
/// (parent2 == cluster_sequence::beam), in the order they happened.
struct history_element {
    int parent1;            ///< history index, or inexistent_parent for an input particle
    int parent2;            ///< history index, beam, or inexistent_parent
    int child;              ///< history index of the step that used this one, or invalid
    int jet_index;          ///< index in cluster_sequence::jets() of the jet made here, or invalid
    double dij;             ///< distance of this merging (d_ij or d_iB, normalised with 1/R^2)
    double max_dij_so_far;  ///< max of dij over this and all earlier steps
};

/// The clustering of one event. Construct it, then ask for jets. The returned jets carry their
/// cluster_hist_index(), through which constituents(), has_parents() and exclusive_subjets()
/// find their history; such a jet must come from this same cluster_sequence.
class cluster_sequence {
public:
    static constexpr int invalid = -3;            ///< no child / no jet
    static constexpr int inexistent_parent = -2;  ///< parents of an input particle
    static constexpr int beam = -1;               ///< parent2 of a beam merging

    /// Clusters `particles` (their user_index is kept on the constituents).
    cluster_sequence(const std::vector<fourvec>& particles, const jet_definition& def);

    const jet_definition& jet_def() const { return def_; }
    /// Number of input particles.
    int n_particles() const { return n_; }
    /// Sum of the input energies (after the scheme's preprocessing).
    double Q() const { return Q_; }
    /// The implementation actually used ("N2Plain" or "N2Tiled" via strategy_string()).
    cluster_strategy strategy_used() const { return used_; }
    std::string strategy_string() const;

    /// Inclusive jets with pT >= ptmin, in FastJet's order (unsorted; see sorted_by_pt).
    std::vector<fourvec> inclusive_jets(double ptmin = 0.0) const;
    // Exclusive jets and subjets read the history exactly as FastJet does. They are meaningful
    // for kt, C/A and genkt with p >= 0; for anti-kt FastJet prints a warning ("should be
    // interpreted with care") and jetml returns the same jets without printing anything. For C/A,
    // asking for fewer jets than there are inclusive jets picks among beam mergings that all
    // have d = 1 (an exact tie), so which ones come back depends on the strategy.

    /// Number of exclusive jets at resolution dcut (clustering stopped before max_dij > dcut).
    int n_exclusive_jets(double dcut) const;
    /// Exclusive jets at resolution dcut.
    std::vector<fourvec> exclusive_jets(double dcut) const;
    /// Exactly n exclusive jets; throws jetml::error if n > n_particles() (FastJet's message).
    std::vector<fourvec> exclusive_jets(int n) const;
    /// min(n, n_particles()) exclusive jets; never throws for n >= 0.
    std::vector<fourvec> exclusive_jets_up_to(int n) const;
    /// d of the merging that took n+1 jets to n (0 if n >= n_particles()).
    double exclusive_dmerge(int n) const;
    /// max d over the mergings up to the one that took n+1 jets to n.
    double exclusive_dmerge_max(int n) const;
    /// exclusive_dmerge(n) / Q^2.
    double exclusive_ymerge(int n) const { return exclusive_dmerge(n) / (Q_ * Q_); }

    /// Subjets of `jet` at resolution dcut (undo mergings with max_dij_so_far > dcut).
    std::vector<fourvec> exclusive_subjets(const fourvec& jet, double dcut) const;
    /// Exactly n subjets of `jet`; throws jetml::error if the jet has fewer than n constituents.
    std::vector<fourvec> exclusive_subjets(const fourvec& jet, int n) const;
    /// Up to n subjets of `jet`.
    std::vector<fourvec> exclusive_subjets_up_to(const fourvec& jet, int n) const;
    /// Number of subjets of `jet` at resolution dcut.
    int n_exclusive_subjets(const fourvec& jet, double dcut) const;
    /// d of the merging inside `jet` that took n+1 subjets to n (0 if there is none).
    double exclusive_subdmerge(const fourvec& jet, int n) const;
    /// max d over that merging and the earlier ones inside `jet`.
    double exclusive_subdmerge_max(const fourvec& jet, int n) const;

    /// The input particles that make up `jet` (in history order, not sorted).
    std::vector<fourvec> constituents(const fourvec& jet) const;
    /// The two pseudojets merged to make `jet`, harder (pT) first; false (and zero vectors) for
    /// an input particle.
    bool has_parents(const fourvec& jet, fourvec& parent1, fourvec& parent2) const;
    /// The pseudojet `jet` was merged into; false if it was merged with the beam (or never).
    bool has_child(const fourvec& jet, fourvec& child) const;
    /// The pseudojet `jet` was merged with; false if merged with the beam (or never).
    bool has_partner(const fourvec& jet, fourvec& partner) const;

    /// All pseudojets: the N (preprocessed) inputs, then one per pair merging.
    const std::vector<fourvec>& jets() const { return jets_; }
    /// The clustering history (2N entries).
    const std::vector<history_element>& history() const { return history_; }
    /// The rapidity / phi the clustering used for jets()[i]. For E-scheme jets they equal
    /// rap()/phi() of the four-vector; for WTA and pT schemes they are the recombination's
    /// values (as FastJet caches them), which can differ from the four-vector's by round-off.
    double jet_rap(int i) const { return rap_[i]; }
    double jet_phi(int i) const { return phi_[i]; }

private:
    friend struct cluster_engine;
    int check_jet_(const fourvec& jet) const;
    void subhist_(const fourvec& jet, double dcut, int maxjet, std::vector<int>& out) const;
    void add_constituents_(int hist, std::vector<fourvec>& out) const;

    jet_definition def_;
    int n_ = 0;
    double Q_ = 0.0;
    cluster_strategy used_ = cluster_strategy::n2_plain;
    std::vector<fourvec> jets_;
    std::vector<double> rap_, phi_;
    std::vector<history_element> history_;
};

/// The jets sorted by decreasing pT (stable for equal pT).
std::vector<fourvec> sorted_by_pt(std::vector<fourvec> jets);

}  // namespace jetml
