// SPDX-License-Identifier: MIT
// jetml/trees/bdt_train.hpp - train --arch bdt: boost, report, write the model file.
#pragma once
#include <string>
#include <vector>

#include "jetml/data/labelled.hpp"
#include "jetml/trees/booster.hpp"

namespace jetml {
class tool;
}

namespace jetml::trees {

/// Boosts on tr with early stopping on va, reports every round and the feature importance
/// (gain and split counts, per input; with `features` names for CSV columns) under -v, and
/// writes the model file to out_path. `extra` goes into the file's "extra" metadata.
void train_bdt(const jetml::tool& t, const booster_params& p, const data::labelled_set& tr,
               const data::labelled_set& va, const std::vector<std::string>& features, const std::string& out_path,
               const std::vector<std::pair<std::string, std::string>>& extra);

/// The importance table as text lines, most gain first: "NAME  gain G (S %)  splits K".
std::vector<std::string> importance_lines(const ensemble& m, const std::vector<std::string>& features);

}  // namespace jetml::trees
