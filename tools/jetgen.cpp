// SPDX-License-Identifier: MIT
// jetgen - toy jets (QCD, W/Z, top) as constituents, or toy dijet events (--events dijet), for
// demos, tests and benchmarks.
#include <omp.h>

#include <algorithm>
#include <memory>
#include <sstream>

#include "jetml/core/cli.hpp"
#include "jetml/io/csv.hpp"
#include "jetml/core/error.hpp"
#include "jetml/io/npy.hpp"
#include "jetml/core/progress.hpp"
#include "jetml/io/table.hpp"
#include "jetml/jets/dijet_toy.hpp"
#include "jetml/jets/toy.hpp"

namespace {
const jetml::tool_info info{
    "jetgen",
    "jetgen - toy jets (QCD, W/Z, top) as zero-padded constituent arrays.\n"
    "A TOY for demos, tests and benchmarks, not a generator for physics results.\n"
    "Writes float32 NPY (N, M, 4) rows (pT [GeV], eta, phi in (-pi, pi], m [GeV]), sorted by\n"
    "decreasing pT, or CSV long format (event,pt,eta,phi,m) when the output ends in .csv.\n"
    "With --events dijet: one row per toy dijet event (mjj, mj1, mj2, delta_mj, tau21_1, tau21_2,\n"
    "label; masses in GeV, jet 1 the lighter), float64 NPY (N, 7) or CSV, with a falling mjj\n"
    "spectrum and an injectable resonance of two-prong jets (--signal).",
    "  jetgen -n 10000 -p w,qcd --labels-out labels.npy -o jets.npy\n"
    "  jetgen -n 1000 -p top --pt-min 500 --pt-max 600 -o top.npy\n"
    "  jetgen -n 100 -p qcd -o - | subjet -o features.csv\n"
    "  jetgen --events dijet -n 1000000 --signal 1000 -o events.npy"};

// Dijet-event mode: the table of jetml/jets/dijet_toy, written in batches.
void write_dijet_events(jetml::tool& t, const jetml::dijet_toy_params& dp, std::uint64_t n_bkg, std::uint64_t n_sig,
                        const std::string& out_path, const std::string& format, const std::string& labels_path) {
    jetml::dijet_toy_generator gen(dp, n_bkg, n_sig, t.seed);
    const jetml::row_range r = jetml::shard_rows(t.shard, gen.size());  // --shard: rows [begin, end)
    const std::uint64_t n = r.size();
    t.info("%s; %llu background and %llu signal events; seed %llu", dp.description().c_str(),
           static_cast<unsigned long long>(n_bkg), static_cast<unsigned long long>(n_sig),
           static_cast<unsigned long long>(t.seed));
    jetml::output out(out_path, format != "csv");
    jetml::io::table_writer table(out, format, jetml::dtype::f8, {jetml::dijet_toy_ncols}, jetml::dijet_toy_columns(),
                                  std::size_t(n));
    std::unique_ptr<jetml::output> lab_out;
    std::unique_ptr<jetml::npy_writer> lab_w;
    if (!labels_path.empty()) {
        lab_out = std::make_unique<jetml::output>(labels_path, true);
        lab_w = std::make_unique<jetml::npy_writer>(*lab_out, jetml::dtype::i4, std::vector<std::size_t>{n});
    }
    jetml::output_group all_outputs;  // the events and the labels are renamed together or not at all
    all_outputs.add(out);
    if (lab_out) all_outputs.add(*lab_out);
    const std::size_t batch = 65536;
    std::vector<double> rows(batch * jetml::dijet_toy_ncols);
    std::vector<std::int32_t> labels(batch);
    jetml::progress_bar bar(t.show_progress(), "jetgen", n, "events");
    for (std::uint64_t start = r.begin; start < r.end; start += batch) {
        const std::size_t m = static_cast<std::size_t>(std::min<std::uint64_t>(batch, r.end - start));
        gen.rows(start, m, rows.data());
        table.write_rows(rows.data(), m);
        if (lab_w) {
            for (std::size_t k = 0; k < m; ++k) labels[k] = rows[k * jetml::dijet_toy_ncols + 6] != 0;
            lab_w->write_rows(labels.data(), m);
        }
        bar.advance(m);
    }
    bar.finish();
    if (lab_w) lab_w->finish();
    table.finish();
    all_outputs.commit();
}
}  // namespace

int main(int argc, char** argv) {
    return jetml::run_tool(info, argc, argv, [](jetml::tool& t) {
        std::uint64_t n = 1000;
        std::string processes = "qcd", out_path = "-", labels_path, format;
        std::size_t max_const = 160;
        jetml::toy_params par;
        t.app.add_option("-n,--jets", n, "number of jets; with --events dijet, of background events")
            ->capture_default_str();
        t.app.add_option("-p,--process", processes,
                         "comma-separated processes: qcd, quark, gluon, w, z, top; jets are shared equally among "
                         "them in a shuffled order")
            ->capture_default_str();
        t.app.add_option("-o,--output", out_path, "output file; '-' = stdout; *.csv writes CSV")->capture_default_str();
        t.app.add_option("--labels-out", labels_path, "write labels as int32 NPY (N,): 1 for w/z/top (dijet: signal events), 0 for qcd/quark/gluon (background)");
        t.app.add_option("--format", format, "output format, overriding the file extension")
            ->check(CLI::IsMember({"npy", "csv"}));
        t.app.add_option("-M,--max-constituents", max_const, "constituents per jet in NPY output (zero-padded; extra ones are dropped with a warning)")
            ->capture_default_str()->check(jetml::whole_number(1, 1u << 30));
        t.app.add_option("--pt-min", par.pt_min, "lowest generated jet pT [GeV]")->capture_default_str();
        t.app.add_option("--pt-max", par.pt_max, "highest generated jet pT [GeV]")->capture_default_str();
        t.app.add_option("--eta-max", par.eta_max, "largest |eta| of the jet axis")->capture_default_str();
        t.app.add_option("-R,--radius", par.radius, "jet radius")->capture_default_str();
        t.app.add_option("--multiplicity", par.multiplicity, "scale of the number of hadrons per parton")
            ->capture_default_str();
        t.app.add_option("--alpha-s", par.alpha_s, "fixed coupling of the toy shower")->capture_default_str();
        t.app.add_option("--pileup", par.pileup, "uniform pileup density [GeV of pT per unit area]")->capture_default_str();
        std::string events = "jets";
        jetml::dijet_toy_params dp;
        std::int64_t n_signal = 0;
        std::vector<double> shape = {dp.p2, dp.p3};
        t.app.add_option("--events", events, "what to generate: jets (constituents, the default) or dijet (an event table)")
            ->check(CLI::IsMember({"jets", "dijet"}))->capture_default_str();
        auto* dj = t.app.add_option_group("dijet events", "with --events dijet (-n is then the number of background events)");
        std::vector<CLI::Option*> dijet_opts = {
            dj->add_option("--signal", n_signal, "number of injected resonance events")->capture_default_str(),
            dj->add_option("--signal-mass", dp.signal_mass, "resonance mass [GeV]")->capture_default_str(),
            dj->add_option("--signal-width", dp.signal_width, "Gaussian width (standard deviation) of the signal mjj [GeV]")
                ->capture_default_str(),
            dj->add_option("--mx", dp.mx, "mass of the resonance's first jet [GeV]")->capture_default_str(),
            dj->add_option("--my", dp.my, "mass of the resonance's second jet [GeV]")->capture_default_str(),
            dj->add_option("--mass-resolution", dp.mass_resolution, "relative Gaussian smearing of the signal jet masses")
                ->capture_default_str(),
            dj->add_option("--mjj-min", dp.mjj_min, "lowest generated mjj [GeV]")->capture_default_str(),
            dj->add_option("--mjj-max", dp.mjj_max, "highest generated mjj [GeV]")->capture_default_str(),
            dj->add_option("--shape", shape, "background mjj ~ (1-x)^P2 x^-P3, x = mjj/sqrt(s): P2,P3")
                ->delimiter(',')->expected(2)->capture_default_str(),
            dj->add_option("--sqrt-s", dp.sqrt_s, "collision energy of x = mjj/sqrt(s) [GeV]")->capture_default_str()};
        t.add_shard_option("generated jets or events (each made from --seed and its number alone)");
        t.parse();

        if (events == "dijet") {
            for (const char* o : {"--process", "--max-constituents", "--pt-min", "--pt-max", "--eta-max", "--radius",
                                  "--multiplicity", "--alpha-s", "--pileup"})
                if (t.app.count(o)) t.warn("%s ignored because --events is dijet", o);
            if (n_signal < 0) throw jetml::usage_error("--signal must not be negative, got " + std::to_string(n_signal));
            dp.p2 = shape[0];
            dp.p3 = shape[1];
            jetml::check_dijet_toy_params(dp);
            write_dijet_events(t, dp, n, std::uint64_t(n_signal), out_path,
                               jetml::format_from_extension(format, out_path, "npy"), labels_path);
            return;
        }
        for (auto* o : dijet_opts)
            if (o->count()) t.warn("%s ignored because --events is jets", o->get_name().c_str());

        //-- check options -------------------------------------------------------
        if (!(par.pt_min > 0) || !(par.pt_max >= par.pt_min))
            throw jetml::usage_error("--pt-min must be positive and not above --pt-max");
        jetml::require_positive(par.radius, "--radius");
        jetml::require_positive(par.multiplicity, "--multiplicity");
        jetml::require_positive(par.alpha_s, "--alpha-s");
        if (!(par.eta_max >= 0)) throw jetml::usage_error("--eta-max must not be negative");
        if (!(par.pileup >= 0)) throw jetml::usage_error("--pileup must not be negative");
        std::vector<jetml::toy_process> procs;
        {
            std::stringstream ss(processes);
            std::string p;
            while (std::getline(ss, p, ','))
                if (!p.empty()) procs.push_back(jetml::parse_toy_process(p));
            if (procs.empty()) throw jetml::usage_error("--process needs at least one process");
        }
        format = jetml::format_from_extension(format, out_path, "npy");
        const bool csv = format == "csv";
        if (csv && t.app.count("--max-constituents")) t.warn("--max-constituents ignored because the output is CSV");
        t.info("%s; processes %s; %llu jets; seed %llu", par.description().c_str(), processes.c_str(),
               static_cast<unsigned long long>(n), static_cast<unsigned long long>(t.seed));

        //-- open outputs: --shard writes jets [begin, end) of the n ---------------------
        const jetml::row_range r = jetml::shard_rows(t.shard, n);
        const std::uint64_t n_all = n;
        n = r.size();
        jetml::output out(out_path, !csv);
        std::unique_ptr<jetml::output> lab_out;
        std::unique_ptr<jetml::npy_writer> lab_w, npy;
        std::unique_ptr<jetml::csv_writer> csvw;
        if (!labels_path.empty()) {
            lab_out = std::make_unique<jetml::output>(labels_path, true);
            lab_w = std::make_unique<jetml::npy_writer>(*lab_out, jetml::dtype::i4, std::vector<std::size_t>{n});
        }
        jetml::output_group all_outputs;  // the jets and the labels are renamed together or not at all
        all_outputs.add(out);
        if (lab_out) all_outputs.add(*lab_out);
        if (csv)
            csvw = std::make_unique<jetml::csv_writer>(out, std::vector<std::string>{"event", "pt", "eta", "phi", "m"});
        else
            npy = std::make_unique<jetml::npy_writer>(out, jetml::dtype::f4, std::vector<std::size_t>{n, max_const, 4});

        //-- generate in batches: jet i depends on (seed, i) only ---------------------
        jetml::index_permutation perm(n_all, t.seed ^ 0xA5A5A5A5ull);
        const std::size_t batch = 2048;
        std::vector<std::vector<jetml::toy_particle>> jets(batch);
        std::vector<float> buf;
        std::vector<std::int32_t> labels(batch);
        std::uint64_t truncated = 0, empty = 0, total_const = 0;
        jetml::progress_bar bar(t.show_progress(), "jetgen", n, "jets");
        for (std::uint64_t start = r.begin; start < r.end; start += batch) {
            std::size_t m = static_cast<std::size_t>(std::min<std::uint64_t>(batch, r.end - start));
#pragma omp parallel for schedule(dynamic, 16)
            for (std::size_t k = 0; k < m; ++k) {
                std::uint64_t i = start + k;
                auto proc = procs[perm(i) % procs.size()];
                jets[k] = jetml::toy_jet(proc, par, t.seed, i);
                labels[k] = jetml::toy_process_label(proc);
            }
            if (csv) {
                for (std::size_t k = 0; k < m; ++k)
                    for (auto& p : jets[k])
                        *csvw << static_cast<std::int64_t>(start + k) << p.pt << p.eta << p.phi << p.m,
                            csvw->end_row();
            } else {
                buf.assign(m * max_const * 4, 0.0f);
                for (std::size_t k = 0; k < m; ++k) {
                    const auto& j = jets[k];
                    if (j.size() > max_const) ++truncated;
                    std::size_t c = std::min(j.size(), max_const);
                    float* row = buf.data() + k * max_const * 4;
                    for (std::size_t q = 0; q < c; ++q) {
                        row[4 * q + 0] = static_cast<float>(j[q].pt);
                        row[4 * q + 1] = static_cast<float>(j[q].eta);
                        row[4 * q + 2] = static_cast<float>(j[q].phi);
                        row[4 * q + 3] = static_cast<float>(j[q].m);
                    }
                }
                npy->write_rows(buf.data(), m);
            }
            for (std::size_t k = 0; k < m; ++k) {
                total_const += jets[k].size();
                empty += jets[k].empty();
            }
            if (lab_w) lab_w->write_rows(labels.data(), m);
            bar.advance(m);
        }
        bar.finish();

        //-- finish --------------------------------------------------------------
        if (lab_w) lab_w->finish();
        if (csv) csvw->finish();
        else npy->finish();
        all_outputs.commit();
        if (truncated)
            t.warn("%llu of %llu jets had more than %zu constituents; the softest were dropped (raise -M)",
                   static_cast<unsigned long long>(truncated), static_cast<unsigned long long>(n), max_const);
        if (empty) t.warn("%llu jets have no constituent inside R", static_cast<unsigned long long>(empty));
        t.info("%llu jets, %.1f constituents per jet on average", static_cast<unsigned long long>(n),
               n ? double(total_const) / double(n) : 0.0);
    });
}
