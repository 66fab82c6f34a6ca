// SPDX-License-Identifier: MIT
// jetml/jets/jet_features.hpp - subjet's per-jet feature table: which features a run computes
// (feature_config), its column names, and the features of every selected jet of an event
// (clustered, or the event itself as one jet), with the counts a run reports.
#pragma once
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "jetml/io/event_io.hpp"
#include "jetml/jets/cluster.hpp"
#include "jetml/jets/substructure.hpp"

namespace jetml {

/// The feature groups, in column order: kin, tau, ecf, sd, mmdt, trim, prune, filter, subjets.
const std::vector<std::string>& feature_groups();

/// What one run computes.
struct feature_config {
    bool jets_mode = false;  ///< each event is one jet (NPY rows are jets); no clustering
    jet_definition jetdef{jet_algorithm::antikt, 1.0};
    double ptmin = 0, rapmax = std::numeric_limits<double>::infinity();
    int njets = 0, exclusive = 0;  ///< hardest N jets (0 = all); exclusive N jets instead of inclusive
    bool g_tau = false, g_ecf = false, g_sd = false, g_mmdt = false, g_trim = false, g_prune = false, g_filter = false,
         g_sub = false;
    nsub_params tau;
    int tau_nmax = 4;
    std::vector<double> ecf_betas{1.0, 2.0};
    soft_drop_params sd, mmdt;
    trim_params trim;
    prune_params prune;
    filter_params filt;
    int nsub = 2;                  ///< exclusive kt subjets reported
    std::size_t max_const = 200;   ///< constituents written per jet (want_const)
    bool want_const = false;
};

/// One jet's row (columns_of order) and, with want_const, its max_const constituents as
/// (pt, eta, phi, m) float rows, hardest first, zero-padded.
struct jet_out {
    std::vector<double> row;
    std::vector<float> consts;
};

/// One event's jets and what a run counts for its warnings.
struct event_out {
    std::vector<jet_out> jets;
    std::string error;
    bool empty = false, too_few = false;
    std::size_t few_subjets = 0, truncated = 0, dropped_nu = 0;
};

/// The column names of c's rows: event,jet,pt,eta,rap,phi,mass,e,nconst and each group's.
std::vector<std::string> columns_of(const feature_config& c);

/// The jets of one event (clustered and selected by c, or the event as one jet) and their
/// features. Features a jet cannot have (an empty jet's tau, a missing subjet) are NaN.
void process_event(const feature_config& c, const event& ev, event_out& eo);

/// What c computes, one line per setting (subjet -v prints them).
std::vector<std::string> describe(const feature_config& c);

/// "antikt" (or "anti-kt"), "kt", "cam" ("ca", "cambridge"), "genkt"; else a usage error.
jet_algorithm parse_algorithm(const std::string& s);

}  // namespace jetml
