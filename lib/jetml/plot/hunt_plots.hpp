// SPDX-License-Identifier: MIT
// jetml/plot/hunt_plots.hpp - the CWoLa bump hunt's SVG plots: for each signal region, the mjj
// spectrum of the events passing each selection with the dijet fit (and its +-1 sigma band)
// and the signal region marked; and the local p0 against the signal region's mjj, one line per
// selection efficiency, with the 1-5 sigma levels.
#pragma once
#include <string>
#include <vector>

#include "jetml/search/hunt.hpp"

namespace jetml::plot {

/// The file names write_hunt_plots writes for a result: PREFIX-p0.svg, then PREFIX-srC.svg for
/// each signal region (C its centre bin), in scan order.
std::vector<std::string> hunt_plot_names(const std::string& prefix, const search::hunt_result& r);

/// The SVG documents of hunt_plot_names, in the same order.
std::vector<std::string> hunt_plots(const search::hunt_result& r, const std::string& title = "");

/// Writes the plots as one output group: every file or none (each through a temporary file).
void write_hunt_plots(const std::string& prefix, const search::hunt_result& r, const std::string& title = "");

}  // namespace jetml::plot
