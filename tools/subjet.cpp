// SPDX-License-Identifier: MIT
// subjet - per-jet features from jet constituents (first slice: E-scheme jet kinematics).
#include <cmath>
#include <memory>

#include "jetml/cli.hpp"
#include "jetml/csv.hpp"
#include "jetml/error.hpp"
#include "jetml/jetsum.hpp"
#include "jetml/npy.hpp"
#include "jetml/progress.hpp"

namespace {
const jetml::tool_info info{
    "subjet",
    "subjet - per-jet features from jet constituents.\n"
    "Reads NPY (N, M, 4) float rows (pT [GeV], eta, phi, m [GeV]) zero-padded, streamed in batches,\n"
    "and writes one row per jet: jet,pt,eta,rap,phi,mass,e,nconst (the E-scheme sum of the constituents).\n"
    "Clustering, grooming and substructure observables are not implemented yet.",
    "  jetgen -n 1000 -p w,qcd | subjet -o features.csv\n"
    "  subjet jets.npy --format npy -o features.npy"};
const std::vector<std::string> columns{"jet", "pt", "eta", "rap", "phi", "mass", "e", "nconst"};
}  // namespace

int main(int argc, char** argv) {
    return jetml::run_tool(info, argc, argv, [](jetml::tool& t) {
        std::string in_path = "-", out_path = "-", format;
        std::size_t batch = 4096;
        t.app.add_option("input", in_path, "constituents NPY (N, M, 4); '-' = stdin")
            ->check(jetml::readable_or_dash)->capture_default_str();
        t.app.add_option("-o,--output", out_path, "feature table; '-' = stdout; *.npy writes NPY")->capture_default_str();
        t.app.add_option("--format", format, "output format (csv or npy), overriding the extension")
            ->check(CLI::IsMember({"csv", "npy"}));
        t.app.add_option("--batch", batch, "jets read per batch (memory use is constant in N)")
            ->capture_default_str()->check(CLI::PositiveNumber);
        t.parse();
        if (format.empty()) format = jetml::extension(out_path) == "npy" ? "npy" : "csv";

        //-- read header and check the layout -------------------------------------
        jetml::input in(in_path);
        if (!in.peek(1).empty() && !jetml::is_npy(in)) throw jetml::error(in.name(), "expected an NPY constituent array (N, M, 4); CSV input is not supported yet");
        jetml::npy_reader reader(in);
        const auto& shape = reader.header().shape;
        if (shape.size() != 3 || shape[2] != 4)
            throw jetml::error(in.name(), "expected constituents of shape (N, M, 4), got " + jetml::format_shape(shape));
        const std::size_t n = shape[0], m = shape[1];
        t.info("input %s: %zu jets x %zu constituents (%s); jet = E-scheme sum of constituents", in.name().c_str(), n, m,
               jetml::dtype_name(reader.header().type));

        //-- stream: read a batch, compute, write ----------------------------------
        jetml::output out(out_path, format == "npy");
        std::unique_ptr<jetml::csv_writer> csv;
        std::unique_ptr<jetml::npy_writer> npy;
        if (format == "csv") csv = std::make_unique<jetml::csv_writer>(out, columns);
        else npy = std::make_unique<jetml::npy_writer>(out, jetml::dtype::f8, std::vector<std::size_t>{n, columns.size()});
        std::vector<float> buf(batch * m * 4);
        std::vector<double> rows;
        jetml::progress_bar bar(t.show_progress(), "subjet", n, "jets");
        std::size_t done = 0;
        while (std::size_t got = reader.read_rows(buf.data(), batch)) {
            rows.assign(got * columns.size(), 0.0);
            for (std::size_t j = 0; j < got; ++j) {
                const float* c = buf.data() + j * m * 4;
                for (std::size_t q = 0; q < m * 4; ++q)
                    if (!std::isfinite(c[q]))
                        throw jetml::error(in.name(), "jet " + std::to_string(done + j) + ", constituent " +
                                                          std::to_string(q / 4) + ": non-finite value; expected finite (pT, eta, phi, m)");
                auto k = jetml::sum_constituents(c, m);
                double* r = rows.data() + j * columns.size();
                r[0] = double(done + j), r[1] = k.pt, r[2] = k.eta, r[3] = k.rap, r[4] = k.phi, r[5] = k.mass,
                r[6] = k.e, r[7] = double(k.nconst);
            }
            if (csv) {
                for (std::size_t j = 0; j < got; ++j) {
                    const double* r = rows.data() + j * columns.size();
                    *csv << static_cast<std::int64_t>(r[0]);
                    for (std::size_t c = 1; c + 1 < columns.size(); ++c) *csv << r[c];
                    *csv << static_cast<std::int64_t>(r[columns.size() - 1]);
                    csv->end_row();
                }
            } else {
                npy->write_rows(rows.data(), got);
            }
            done += got;
            bar.advance(got);
        }
        bar.finish();
        if (csv) csv->finish();
        else npy->finish();
    });
}
