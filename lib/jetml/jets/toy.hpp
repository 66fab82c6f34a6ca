// SPDX-License-Identifier: MIT
// jetml/jets/toy.hpp - toy jets for demos, tests and benchmarks. A TOY, not a physics generator.
//
// A parton (or the partons of a boosted resonance decay) showers with a fixed-coupling,
// angular-ordered soft-collinear cascade in the (y, phi) plane, then "hadronises" by splitting
// each parton into a few hadrons. Jets are the particles within R of the jet axis.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace jetml {

/// Processes jetgen knows.
enum class toy_process { qcd, quark, gluon, w, z, top };

/// Parses "qcd", "quark", "gluon", "w", "z", "top"; usage_error otherwise.
toy_process parse_toy_process(const std::string& name);
const char* toy_process_name(toy_process p);
/// 1 for resonance jets (w, z, top), 0 for QCD-like ones.
int toy_process_label(toy_process p);

/// Settings of the toy; defaults mimic 250-300 GeV anti-kt R=1.0 jets at the LHC.
struct toy_params {
    double pt_min = 250, pt_max = 300;  ///< generated parton/resonance pT range [GeV], uniform
    double eta_max = 2.0;               ///< |eta| of the jet axis, uniform in [-eta_max, eta_max]
    double radius = 1.0;                ///< jet radius R: particles with dR < R of the axis are kept
    double multiplicity = 1.0;          ///< scales the number of hadrons per parton
    double alpha_s = 0.16;              ///< fixed shower coupling
    double kt_cut = 0.5;                ///< shower cutoff on the emission kt [GeV]
    double pileup = 0.0;                ///< uniform pileup density [GeV of pT per unit y-phi area]
    std::string description() const;
};

/// One toy particle: pT [GeV], pseudorapidity, phi in (-pi, pi], mass [GeV].
struct toy_particle {
    double pt, eta, phi, m;
};

/// Generates one jet of process `p` from random stream (seed, index): deterministic in those
/// alone. Particles are sorted by decreasing pT.
std::vector<toy_particle> toy_jet(toy_process p, const toy_params& params, std::uint64_t seed, std::uint64_t index);

/// A constant-memory random permutation of [0, n) (cycle-walking Feistel network), used to
/// interleave processes so that counts are balanced and the order is shuffled.
class index_permutation {
public:
    index_permutation(std::uint64_t n, std::uint64_t seed);
    std::uint64_t operator()(std::uint64_t i) const;

private:
    std::uint64_t round(std::uint64_t x, int r) const;
    std::uint64_t n_, half_bits_, mask_, keys_[4];
};

}  // namespace jetml
