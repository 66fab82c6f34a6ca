// SPDX-License-Identifier: MIT
// jetml/jets/dijet_toy.hpp - toy dijet events for bump-hunt tests and demos (jetgen --events
// dijet). A TOY, not a physics generator: one row per event with the dijet mass, the two jet
// masses and their tau21, drawn from simple distributions:
//  - background mjj from the 3-parameter dijet function (1 - x)^p2 x^-p3, x = mjj / sqrt(s), on
//    [mjj_min, mjj_max] (exact sampling: a power law x^-p3 by inversion, accepted with
//    probability ((1 - x) / (1 - x_min))^p2);
//  - background jet masses log-normal with a median that grows as mjj^0.4 (80 GeV at 3 TeV), and
//    one-prong tau21 (logistic-normal around 0.65) slightly lower for heavier jets, so the
//    features depend mildly on mjj as QCD jets do;
//  - an optional resonance: mjj Gaussian (mass, width) inside the range, jets of masses m_X and
//    m_Y with a relative resolution, two-prong tau21 (around 0.3). Defaults mimic the LHCO R&D
//    signal W' (3.5 TeV) -> X (500 GeV) Y (100 GeV).
// Event i draws from the random stream (seed, i) only, so tables are deterministic for a seed
// whatever the thread count or batch split.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace jetml {

/// Settings of the toy dijet events.
struct dijet_toy_params {
    double sqrt_s = 13000;         ///< [GeV], the dijet function's scale
    double mjj_min = 1500;         ///< lowest generated mjj [GeV]
    double mjj_max = 8000;         ///< highest generated mjj [GeV]
    double p2 = 8, p3 = 5;         ///< background shape (1 - x)^p2 x^-p3; p2 >= 0, p3 > 0
    double signal_mass = 3500;     ///< resonance mass [GeV], inside [mjj_min, mjj_max]
    double signal_width = 175;     ///< Gaussian standard deviation of the signal mjj [GeV]
    double mx = 500, my = 100;     ///< masses of the resonance's two jets [GeV]
    double mass_resolution = 0.05; ///< relative Gaussian smearing of the signal jet masses
    std::string description() const;
};

/// Columns of a toy event row, in order.
const std::vector<std::string>& dijet_toy_columns();  // mjj, mj1, mj2, delta_mj, tau21_1, tau21_2, label
/// Values per row.
constexpr std::size_t dijet_toy_ncols = 7;

/// Throws usage_error with an option-style message ("--signal-width must be positive") when a
/// setting is out of range.
void check_dijet_toy_params(const dijet_toy_params& p);

/// One event into row[0..7): mjj, mj1 (lighter jet mass), mj2 (heavier), mj2 - mj1, tau21 of the
/// lighter jet, tau21 of the heavier one, label (1 signal, 0 background). Deterministic in
/// (seed, index, signal).
void dijet_toy_event(const dijet_toy_params& p, bool signal, std::uint64_t seed, std::uint64_t index, double* row);

/// A table of n_background + n_signal events in a shuffled order (event i is signal when a
/// seeded permutation maps it below n_signal): rows [first, first + count) into out
/// (count * 7 values), using OpenMP threads.
class dijet_toy_generator {
public:
    dijet_toy_generator(const dijet_toy_params& p, std::uint64_t n_background, std::uint64_t n_signal, std::uint64_t seed);
    std::uint64_t size() const { return n_; }
    void rows(std::uint64_t first, std::size_t count, double* out) const;

private:
    dijet_toy_params p_;
    std::uint64_t n_, n_signal_, seed_;
};

}  // namespace jetml
