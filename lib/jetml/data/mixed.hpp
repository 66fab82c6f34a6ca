// SPDX-License-Identifier: MIT
// jetml/data/mixed.hpp - the data of weak supervision, read into a labelled set: two mixed
// samples M1 (label 1) and M2 (label 0) from two files or from a rule on a column (signal
// region against sidebands), weighted to equal total weight (CWoLa, 1708.02949); or bags of
// known signal fraction (learning from label proportions, 1702.00414). Truth labels, when the
// user has them, travel beside the set for the S-vs-B numbers and are never trained on.
#pragma once
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "jetml/data/labelled.hpp"
#include "jetml/data/regions.hpp"

namespace jetml::data {

/// Where the mixtures come from (exactly one of the three ways).
struct mixed_options {
    std::string m1, m2;                    ///< two sample files: M1 rows get label 1, M2 rows 0
    std::string input;                     ///< one sample file split by a rule on a column
    std::string region_col, region_file;   ///< the rule's column: a CSV column of input, or an NPY (N,)
    region_edges edges{0, 0, 0, 0};        ///< the rule: signal region = M1, sidebands = M2
    std::vector<std::pair<std::string, double>> bags;  ///< label proportions: (file, signal fraction)
    std::string features;                  ///< comma-separated CSV feature columns
    std::string truth, truth_col;          ///< truth labels 0/1: an NPY/CSV file, or a CSV column of the inputs
};

/// The set and what travels with it.
struct mixed_set {
    labelled_set set;          ///< y: 1 for M1, 0 for M2 (or the bag's fraction); w: balancing weights;
                               ///< for bags, side column "bag" holds the bag index
    std::vector<float> truth;  ///< truth labels per row (empty when none were given)
    std::vector<std::size_t> rows_of;  ///< per source file (m1, m2; or each bag): the row count
    std::size_t outside = 0;   ///< rule mode: rows outside the signal region and sidebands (dropped)
};

/// Checks the options (usage_error: no way or two ways given, a rule without edges or column,
/// fewer than two bags, a fraction outside [0, 1], equal fractions in every bag).
void check_mixed_options(const mixed_options& o);

/// Reads the samples and builds the set: rule mode keeps only the rows inside the sidebands'
/// outer edges; weights make M1 and M2 (each bag) equal in total weight. Errors name the file
/// and the row.
mixed_set load_mixed(const mixed_options& o);

/// Parses "FILE=FRACTION" (the fraction after the last '='); usage_error otherwise.
std::pair<std::string, double> parse_bag(const std::string& arg);

/// Parses "LO,HI" with LO < HI into a pair (usage_error naming `option` otherwise).
std::pair<double, double> parse_range(const std::string& s, const std::string& option);

}  // namespace jetml::data
