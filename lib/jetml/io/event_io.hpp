// SPDX-License-Identifier: MIT
// jetml/io/event_io.hpp - streaming readers of particle events: HepMC3 ASCII, FastJet's text
// format, CSV long format and NPY constituent arrays. One event in memory at a time.
//
// Every reader checks each particle: finite components, and E >= |p| up to rounding
// (E < |p| (1 - 1e-6) - 1e-9 GeV is an error). Errors name the input and the line (text
// formats) or the row and constituent (NPY): "<file>: line 12: ...".
#pragma once
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "jetml/core/shard.hpp"
#include "jetml/jets/fourvec.hpp"
#include "jetml/io/io.hpp"

namespace jetml {

class csv_reader;

/// The columns of a CSV constituent table, found by name: the same ones for every reader (see
/// jetml-formats(5)). "event" (or "jet") numbers the rows' jet or event; then px, py, pz, E (or e),
/// or pt, eta (or rap or y for rapidity), phi and optionally m (or mass; 0 when absent); an
/// optional pid. Anything else is a usage error naming `source`.
struct constituent_columns {
    std::size_t event = 0;            ///< the event/jet number column
    bool cartesian = false;           ///< px, py, pz, E; else pt, eta|rap|y, phi, m
    bool rapidity = false;            ///< the second column is rapidity (rap, y), not eta
    std::size_t c[3] = {0, 0, 0};     ///< px, py, pz or pt, eta|rap|y, phi
    std::optional<std::size_t> last;  ///< E (always there), or m (optional in the pt form)
    std::optional<std::size_t> pid;   ///< PDG id column, if any
    /// "px, py, pz, E", "pt, eta, phi, m" or "pt, y, phi, m", for messages and -v.
    std::string description() const;
};

/// Finds the constituent columns in the header of `r` (the input named `source`).
constituent_columns find_constituent_columns(csv_reader& r, const std::string& source);

/// Input formats of particle events.
enum class event_format {
    npy,      ///< (N, M, 4) rows (pT, eta, phi, m), zero-padded (pT = 0 = padding, pT < 0 an error: constituent_row_problem in fourvec.hpp); one row = one event
    hepmc3,   ///< HepMC3 ASCII (Asciiv3): particles with status 1
    fastjet,  ///< FastJet's examples: "px py pz E [pdgid ...]" per line, '#' comments, "#END" ends an event
    csv       ///< CSV long format: an "event" column plus px,py,pz,E or pt,eta,phi,m (optional pid)
};

/// "npy", "hepmc3", "fastjet", "csv".
std::string to_string(event_format f);
/// Parses those names (and "hepmc", "dat", "txt" as aliases); throws usage_error otherwise.
event_format parse_event_format(const std::string& name);
/// Guesses the format from the first bytes: NPY magic; "HepMC::" (HepMC3); a first line with
/// a letter and commas (CSV); otherwise FastJet text. Peeks only, so it works on pipes.
event_format detect_event_format(input& in);

/// Reader settings.
struct event_reader_options {
    bool drop_neutrinos = false;  ///< drop |pdg id| = 12, 14, 16, 18 (needs a pdg id: HepMC3, CSV pid, text column 5)
    /// Only this part of the events (--shard); event indices stay those of the file. Text
    /// formats are counted first in a second opening of the file, so they cannot come on stdin.
    shard_spec shard;
};

/// One event: its particles, its ordinal in the input (0-based) and where it started.
struct event {
    std::size_t index = 0;
    std::size_t line = 0;             ///< first line of the event (text formats), 0 for NPY
    std::vector<fourvec> particles;   ///< user_index = position in the event (0-based)
    std::size_t dropped_neutrinos = 0;
};

/// A streaming reader: next() fills the next event; false at the end of the input.
class event_reader {
public:
    virtual ~event_reader() = default;
    virtual bool next(event& ev) = 0;
    /// e.g. "HepMC3 ASCII, status-1 particles, neutrinos dropped".
    virtual std::string description() const = 0;
};

/// Opens a reader of format `f` on `in` (which must outlive the reader).
std::unique_ptr<event_reader> make_event_reader(input& in, event_format f, const event_reader_options& opt = {});

/// Checks a particle: finite, E >= |p| up to rounding. Returns "" or the problem in words.
std::string check_particle(double px, double py, double pz, double E);

/// A particle from (pT, eta, phi, m) (jetml's NPY convention).
fourvec particle_from_pt_eta_phi_m(double pt, double eta, double phi, double m);

}  // namespace jetml
