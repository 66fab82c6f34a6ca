// SPDX-License-Identifier: MIT
// subjet - jets and per-jet substructure features (tau_N, C2/D2, groomed masses, subjets)
// from particle events or jet constituents, streamed event by event.
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <sstream>

#include "jetml/core/cli.hpp"
#include "jetml/jets/cluster.hpp"
#include "jetml/jets/jet_features.hpp"
#include "jetml/io/csv.hpp"
#include "jetml/core/error.hpp"
#include "jetml/io/event_io.hpp"
#include "jetml/io/npy.hpp"
#include "jetml/io/table.hpp"
#include "jetml/core/pipeline.hpp"
#include "jetml/core/progress.hpp"
#include "jetml/jets/substructure.hpp"
#include "jetml/core/threads.hpp"

namespace {
using namespace jetml;

const tool_info info{
    "subjet",
    "subjet - jets and per-jet substructure features from particles.\n"
    "Reads events (HepMC3 ASCII, FastJet text, CSV long format) and clusters them into jets, or reads\n"
    "jets directly as NPY (N, M, 4) constituents (pT, eta, phi, m). Writes one row per jet:\n"
    "event,jet,pt,eta,rap,phi,mass,e,nconst and the selected features (N-subjettiness, C2/D2,\n"
    "soft drop, mMDT, trimming, pruning, filtering, exclusive kt subjets). Exit status: 0 ok,\n"
    "1 data error, 2 usage error.",
    "  subjet events.hepmc --radius 0.8 --pt-min 200 --njets 2 -o features.csv\n"
    "  subjet jets.npy --features kin,tau,sd -o features.npy --constituents-out c.npy\n"
    "  jetgen -n 1000 -p w,qcd | subjet -o features.csv"};

/// A batch in flight: events read, then their features.
struct batch_t {
    std::vector<event> evs;
    std::vector<event_out> outs;
    std::size_t got = 0;
};

}  // namespace

int main(int argc, char** argv) {
    return run_tool(info, argc, argv, [](tool& t) {
        std::string in_path = "-", out_path = "-", format, in_format = "auto", const_path, features = "all";
        std::string algorithm = "antikt", scheme = "E", tau_axes = "onepass-kt";
        double R = 1.0, p = 1.0;
        bool drop_nu = false, npy_events = false, tau_unnorm = false;
        std::size_t batch = 256;
        feature_config c;
        auto& a = t.app;
        a.add_option("input", in_path, "events or jets; '-' = stdin")->check(readable_or_dash)->capture_default_str();
        a.add_option("-o,--output", out_path, "feature table; '-' = stdout; *.npy writes NPY")->capture_default_str();
        a.add_option("--format", format, "output format (csv or npy), overriding the extension")
            ->check(CLI::IsMember({"csv", "npy"}));
        a.add_option("--input-format", in_format, "auto, npy, hepmc3, fastjet or csv")
            ->check(CLI::IsMember({"auto", "npy", "hepmc3", "hepmc", "fastjet", "csv"}))->capture_default_str();
        a.add_flag("--drop-neutrinos", drop_nu, "drop neutrinos (|pdg id| 12, 14, 16, 18) from events");
        a.add_flag("--npy-events", npy_events, "treat NPY rows as events to cluster (default: each row is a jet)");
        a.add_option("--algorithm", algorithm, "jet algorithm for events: antikt, kt, cam, genkt")->capture_default_str();
        a.add_option("--radius", R, "jet radius")->capture_default_str();
        a.add_option("--genkt-p", p, "genkt exponent p")->capture_default_str();
        a.add_option("--scheme", scheme, "recombination: E or WTA")->check(CLI::IsMember({"E", "WTA"}))->capture_default_str();
        a.add_option("--pt-min", c.ptmin, "minimum jet pT [GeV]")->capture_default_str();
        a.add_option("--rap-max", c.rapmax, "maximum |rapidity| of jets");
        a.add_option("--njets", c.njets, "keep the N hardest jets per event (0 = all)")->capture_default_str();
        a.add_option("--exclusive", c.exclusive, "cluster each event into exactly N exclusive jets (0 = inclusive jets)")
            ->capture_default_str();
        a.add_option("--features", features,
                     "comma-separated groups: kin,tau,ecf,sd,mmdt,trim,prune,filter,subjets or all (kin is always written)")
            ->capture_default_str();
        a.add_option("--tau-axes", tau_axes, "N-subjettiness axes: kt, wta-kt, onepass-kt, onepass-wta-kt")->capture_default_str();
        a.add_option("--tau-beta", c.tau.beta, "N-subjettiness angular exponent beta")->capture_default_str();
        a.add_option("--tau-r0", c.tau.R0, "N-subjettiness normalisation radius R0")->capture_default_str();
        a.add_flag("--tau-unnormalised", tau_unnorm, "unnormalised measure (GeV) instead of dividing by sum pT R0^beta");
        a.add_option("--tau-nmax", c.tau_nmax, "largest N of tau_N (1..8)")->capture_default_str();
        a.add_option("--ecf-beta", c.ecf_betas, "angular exponents of C2 and D2")->delimiter(',')->capture_default_str();
        a.add_option("--sd-beta", c.sd.beta, "soft drop beta")->capture_default_str();
        a.add_option("--sd-zcut", c.sd.zcut, "soft drop z_cut")->capture_default_str();
        a.add_option("--sd-r0", c.sd.R0, "soft drop R0")->capture_default_str();
        a.add_option("--mmdt-zcut", c.mmdt.zcut, "mMDT z_cut")->capture_default_str();
        a.add_option("--trim-r", c.trim.R_sub, "trimming subjet radius")->capture_default_str();
        a.add_option("--trim-fcut", c.trim.f_cut, "trimming pT fraction")->capture_default_str();
        a.add_option("--prune-zcut", c.prune.zcut, "pruning z_cut")->capture_default_str();
        a.add_option("--prune-rcut", c.prune.Rcut_factor, "pruning R_cut factor (R_cut = factor x 2m/pT)")->capture_default_str();
        a.add_option("--filter-r", c.filt.R_filt, "filtering subjet radius")->capture_default_str();
        a.add_option("--filter-n", c.filt.n_filt, "filtering: number of hardest subjets kept")->capture_default_str();
        a.add_option("--subjets", c.nsub, "number of exclusive kt subjets reported")->capture_default_str();
        a.add_option("--constituents-out", const_path, "write the selected jets' constituents as NPY (N, M, 4) float32");
        a.add_option("--max-constituents", c.max_const, "M of --constituents-out (hardest kept, zero-padded)")
            ->capture_default_str()->check(jetml::whole_number(1, 1u << 30));
        a.add_option("--batch", batch, "events processed per parallel batch")->capture_default_str()->check(jetml::whole_number(1, 1u << 30));
        t.add_shard_option("events (NPY: jets)");
        t.parse();

        //-- check the configuration ----------------------------------------------
        format = format_from_extension(format, out_path, "csv");
        c.tau.axes = parse_nsub_axes(tau_axes);
        c.tau.normalized = !tau_unnorm;
        c.tau.check();
        if (c.tau_nmax < 1 || c.tau_nmax > 8) throw usage_error("--tau-nmax must be in 1..8, got " + std::to_string(c.tau_nmax));
        c.sd.check();
        c.mmdt.beta = 0.0;
        c.mmdt.tagging = true;
        c.mmdt.check();
        c.trim.check();
        c.prune.check();
        c.filt.check();
        if (c.nsub < 1) throw usage_error("--subjets must be >= 1, got " + std::to_string(c.nsub));
        if (c.njets < 0) throw usage_error("--njets must be >= 0");
        if (c.exclusive < 0) throw usage_error("--exclusive must be >= 0");
        if (c.ecf_betas.empty()) throw usage_error("--ecf-beta needs at least one value");
        for (double b : c.ecf_betas)
            if (!(b > 0)) throw usage_error("--ecf-beta values must be > 0");
        {
            std::stringstream ss(features);
            std::string g;
            while (std::getline(ss, g, ',')) {
                if (g == "all") c.g_tau = c.g_ecf = c.g_sd = c.g_mmdt = c.g_trim = c.g_prune = c.g_filter = c.g_sub = true;
                else if (g == "kin") {}
                else if (g == "tau") c.g_tau = true;
                else if (g == "ecf") c.g_ecf = true;
                else if (g == "sd") c.g_sd = true;
                else if (g == "mmdt") c.g_mmdt = true;
                else if (g == "trim") c.g_trim = true;
                else if (g == "prune") c.g_prune = true;
                else if (g == "filter") c.g_filter = true;
                else if (g == "subjets") c.g_sub = true;
                else throw usage_error("--features: unknown group '" + g + "'; expected kin,tau,ecf,sd,mmdt,trim,prune,filter,subjets or all");
            }
        }
        c.want_const = !const_path.empty();

        //-- open the input ---------------------------------------------------------
        input in(in_path);
        if (in.peek(1).empty()) throw error(in.name(), "empty input");
        const event_format fmt = in_format == "auto" ? detect_event_format(in) : parse_event_format(in_format);
        c.jets_mode = (fmt == event_format::npy && !npy_events);
        if (npy_events && fmt != event_format::npy) t.warn("--npy-events ignored because the input is not NPY");
        if (c.jets_mode) {
            for (const char* o : {"--algorithm", "--radius", "--genkt-p", "--scheme", "--pt-min", "--rap-max", "--njets", "--exclusive"})
                if (a.count(o)) t.warn("%s ignored because NPY rows are jets (use --npy-events to cluster them)", o);
        } else {
            const jet_algorithm alg = parse_algorithm(algorithm);
            const auto sch = scheme == "WTA" ? recombination_scheme::wta_pt_scheme : recombination_scheme::e_scheme;
            c.jetdef = alg == jet_algorithm::genkt ? jet_definition(alg, R, p, sch) : jet_definition(alg, R, sch);
        }
        const event_reader_options ro{drop_nu, t.shard};
        if (drop_nu && fmt == event_format::npy) t.warn("--drop-neutrinos ignored because NPY has no particle ids");
        auto reader = make_event_reader(in, fmt, ro);
        const auto cols = columns_of(c);

        //-- describe the configuration (-v) ------------------------------------------
        t.info("input %s: %s", in.name().c_str(), reader->description().c_str());
        for (const auto& line : describe(c)) t.info("%s", line.c_str());
        if (c.want_const) t.info("constituents: %s, NPY (N, %zu, 4) float32 (pT, eta, phi, m) by decreasing pT", const_path.c_str(), c.max_const);
        t.info("output %s: %s with %zu columns", out_path.c_str(), format.c_str(), cols.size());

        //-- outputs: CSV is streamed; NPY rows are spooled (N goes in their header, jetml/io/table)
        output out(out_path, format == "npy");
        std::unique_ptr<csv_writer> csv;
        std::unique_ptr<jetml::io::npy_table> npy, cnpy;
        std::size_t n_rows = 0;
        if (format == "csv") csv = std::make_unique<csv_writer>(out, cols);
        else npy = std::make_unique<jetml::io::npy_table>(out, dtype::f8, std::vector<std::size_t>{cols.size()});
        if (c.want_const)
            cnpy = std::make_unique<jetml::io::npy_table>(const_path, dtype::f4, std::vector<std::size_t>{c.max_const, 4});
        jetml::output_group all_outputs;  // the outputs of the run are renamed together or not at all
        all_outputs.add(out);
        if (cnpy) all_outputs.add(cnpy->destination());

        //-- stream: a reader thread, worker threads and this thread writing in input order
        progress_bar bar(t.show_progress(), "subjet", 0, c.jets_mode ? "jets" : "events");
        std::size_t n_events = 0, n_empty = 0, n_few = 0, n_fewsub = 0, n_trunc = 0, n_nu = 0;
        auto work = [&](batch_t& b) {
            for (std::size_t i = 0; i < b.got; ++i) {
                try {
                    process_event(c, b.evs[i], b.outs[i]);
                } catch (const std::exception& e) {
                    b.outs[i].error = e.what();
                }
            }
        };
        auto write = [&](batch_t& b) {
            const std::size_t got = b.got;
            const std::vector<event>& evs = b.evs;
            for (std::size_t i = 0; i < got; ++i) {
                const event_out& eo = b.outs[i];
                if (!eo.error.empty())
                    throw error(in.name(), "event " + std::to_string(evs[i].index) +
                                               (evs[i].line ? " (line " + std::to_string(evs[i].line) + ")" : "") + ": " + eo.error);
                n_empty += eo.empty;
                n_few += eo.too_few;
                n_fewsub += eo.few_subjets;
                n_trunc += eo.truncated;
                n_nu += eo.dropped_nu;
                for (const jet_out& j : eo.jets) {
                    if (csv) {
                        *csv << static_cast<std::int64_t>(j.row[0]) << static_cast<std::int64_t>(j.row[1]);
                        for (std::size_t k = 2; k < 8; ++k) *csv << j.row[k];
                        *csv << static_cast<std::int64_t>(j.row[8]);
                        for (std::size_t k = 9; k < j.row.size(); ++k) *csv << j.row[k];
                        csv->end_row();
                    } else {
                        npy->write_rows(j.row.data(), 1);
                    }
                    if (cnpy) cnpy->write_rows(j.consts.data(), 1);
                    ++n_rows;
                }
            }
            n_events += got;
            bar.advance(got);
        };
        // Blocking hand-offs (jetml/core/pipeline.hpp): no thread spins while another reads or
        // writes (the OpenMP loop per batch used before spent ~6% of the CPU in its barrier).
        const std::size_t workers = std::size_t(std::max(1, max_threads()));
        std::vector<batch_t> slots(workers + 3);
        for (auto& b : slots) {
            b.evs.resize(batch);
            b.outs.resize(batch);
        }
        auto read = [&](std::size_t s) {
            batch_t& b = slots[s];
            b.got = 0;
            while (b.got < batch && reader->next(b.evs[b.got])) ++b.got;
            return b.got > 0;
        };
        run_ordered(workers, slots.size(), read, [&](std::size_t s, std::size_t) { work(slots[s]); },
                    [&](std::size_t s) { write(slots[s]); });
        bar.finish();

        //-- finish: warnings with counts, then commit the outputs --------------------
        if (n_empty)
            t.warn("%zu %s with no particles: %s", n_empty, c.jets_mode ? "jets" : "events",
                   c.jets_mode ? "written with nconst 0 and NaN features" : "skipped");
        if (n_few) t.warn("%zu events with fewer particles than --exclusive %d: skipped", n_few, c.exclusive);
        if (n_fewsub) t.warn("%zu jets with fewer constituents than --subjets %d: missing subjets are NaN", n_fewsub, c.nsub);
        if (n_trunc) t.warn("%zu jets had more than %zu constituents: the softest were cut from --constituents-out", n_trunc, c.max_const);
        if (n_nu) t.info("%zu neutrinos dropped", n_nu);
        t.info("%zu %s read, %zu jets written", n_events, c.jets_mode ? "rows" : "events", n_rows);
        if (csv) csv->finish();
        else npy->finish();
        if (cnpy) cnpy->finish();
        all_outputs.commit();
    });
}
