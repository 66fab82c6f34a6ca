// SPDX-License-Identifier: MIT
// jetviz - learning from learning: what a jet-image classifier looks at, as NPY arrays and SVG
// pictures (Fisher weights, pixel-score correlations, first-layer filters and their responses,
// the most signal- and background-like jets).
#include "jetml/core/cli.hpp"
#include "jetml/core/error.hpp"
#include "jetml/data/dataset_cli.hpp"
#include "jetml/data/mixed.hpp"
#include "jetml/io/io.hpp"
#include "jetml/io/npy.hpp"
#include "jetml/jets/image.hpp"
#include "jetml/viz/phase_space.hpp"
#include "jetml/viz/views.hpp"

namespace im = jetml::image;

namespace {
const jetml::tool_info info{
    "jetviz",
    "jetviz - what a jet-image classifier looks at, as arrays and pictures.\n"
    "VIEW is one of: fisher (a Fisher discriminant's weights as an image), correlation (Pearson's r of\n"
    "each pixel with a score from predict, any model), filters (a CNN's first-layer filters),\n"
    "convolved (mean response of each first-layer filter to signal minus background), extremes (the\n"
    "-k jets of highest and of lowest score); the restricted phase-space studies bins (AUC and\n"
    "correlation map in each cell of a grid of mass and tau21 bins) and reweight (the background\n"
    "reweighted to the signal's mass and tau21 on that grid: the AUC that remains), which write a CSV\n"
    "table to -o and their maps to --maps-out. Images are NPY (N, C, H, W) from jetimg, read once in\n"
    "batches (memory does not grow with N); per-jet files (--scores, -l, -w) are NPY (N,) or a CSV\n"
    "column. Writes the array as float64 NPY to -o and the picture to --svg; axes in the image's\n"
    "coordinates (give jetimg's --preset or --width). Definitions: man jetviz.",
    "  jetviz fisher -m fisher.npz --preset deoliveira -o fisher-w.npy --svg fisher.svg\n"
    "  jetviz correlation images.npy --scores cnn.npy --preset deoliveira -o corr.npy --svg corr.svg\n"
    "  jetviz filters -m cnn.npz --preset deoliveira -o filters.npy --svg filters.svg\n"
    "  jetviz convolved images.npy -m cnn.npz -l labels.npy --preset deoliveira -o conv.npy --svg conv.svg\n"
    "  jetviz extremes images.npy --scores cnn.csv --score-col cnn -k 4 --preset deoliveira -o ext.npy --svg ext.svg\n"
    "  jetviz bins images.npy --scores cnn.npy -l labels.npy --vars features.csv --mass-bins 0,60,100,300 \\\n"
    "      --tau21-bins 0,0.4,0.6,1 --preset deoliveira -o bins.csv --svg bins.svg\n"
    "  jetviz reweight images.npy --scores cnn.npy -l labels.npy --vars features.csv --mass-bins 0,40,60,80,100,150,300 \\\n"
    "      --tau21-bins 0,0.2,0.4,0.6,0.8,1 --weights-out rw.npy -o reweight.csv --svg reweight.svg"};
}  // namespace

int main(int argc, char** argv) {
    return jetml::run_tool(info, argc, argv, [](jetml::tool& t) {
        jetml::viz::view_options o;
        jetml::data::dataset_options d;
        jetml::viz::phase_space_options ps;
        std::string out_path = "-", svg_path, maps_out, mass_bins, tau21_bins, preset, x_range, phi_range, rows;
        double width = 0;
        auto& a = t.app;
        a.add_option("view", o.view, std::string("what to draw: ") + jetml::viz::view_names())->required();
        a.add_option("images", o.images, "image NPY (N, C, H, W) or (N, H, W) from jetimg; '-' = stdin")
            ->check(jetml::readable_or_dash)->capture_default_str();
        a.add_option("-o,--output", out_path, "the view's array, float64 NPY (bins, reweight: the CSV table); '-' = stdout")
            ->capture_default_str();
        a.add_option("--maps-out", maps_out, "bins, reweight: their correlation maps, float64 NPY (B, C, H, W)");
        a.add_option("--svg", svg_path, "write the picture (SVG) to this file");
        a.add_option("-m,--model", o.model, "model file written by train (fisher, filters, convolved)")->check(jetml::readable_or_dash);
        a.add_option("--scores", o.scores, "one score per image: NPY (N,) from predict or CSV (correlation, extremes)")
            ->check(jetml::readable_or_dash);
        a.add_option("--score-col", o.score_col, "score column of a CSV --scores file [its only column]");
        jetml::data::add_dataset_options(a, d, jetml::data::dataset_parts::labels | jetml::data::dataset_parts::weights);
        a.add_option("--select", o.select, "correlation over all jets, or signal or background only (needs -l)")
            ->check(CLI::IsMember({"all", "signal", "background"}))->capture_default_str();
        a.add_option("-k", o.k, "extremes: jets of highest and of lowest score drawn")->capture_default_str()
            ->check(jetml::whole_number(1, 1024));
        a.add_flag("--linear", o.linear, "convolved: responses of the convolution itself, before its activation");
        a.add_option("--columns", o.columns, "panels per row of a grid picture [about sqrt(1.4 panels)]")
            ->check(jetml::whole_number(1, 1024));
        a.add_option("--vars", ps.vars, "bins, reweight: CSV with each jet's mass and tau21 (e.g. from subjet)")
            ->check(jetml::readable_or_dash);
        a.add_option("--mass-col", ps.mass_col, "mass column of --vars")->capture_default_str();
        a.add_option("--tau21-col", ps.tau21_col, "tau21 column of --vars")->capture_default_str();
        a.add_option("--mass-bins", mass_bins, "mass bin edges LO,...,HI [one bin]");
        a.add_option("--tau21-bins", tau21_bins, "tau21 bin edges LO,...,HI [one bin]");
        a.add_option("--weights-out", ps.weights_out, "reweight: write each jet's weight, float64 NPY (N,) (for roc -w)");
        a.add_option("--preset", preset, "jetimg preset the images were made with: their window and coordinates");
        a.add_option("--width", width, "image window width: x and phi in [-W/2, W/2] (as jetimg's) [0.8]");
        a.add_option("--x-range", x_range, "image window in eta (or y) as LO,HI (as jetimg's)");
        a.add_option("--phi-range", phi_range, "image window in phi as LO,HI (as jetimg's)");
        a.add_option("--rows", rows, "image rows run along x or phi (as jetimg's) [x]")->check(CLI::IsMember({"x", "phi"}));
        a.add_option("--title", o.title, "title of the picture [what it shows]");
        a.add_option("--batch", o.batch, "jets per batch (memory is constant in N)")->capture_default_str()
            ->check(jetml::whole_number(1, 1u << 20));
        t.parse();
        o.labels = d.labels, o.label_col = d.label_col, o.weights = d.weights, o.weight_col = d.weight_col;
        jetml::data::check_readable(o.labels, "-l");
        jetml::data::check_readable(o.weights, "-w");

        //-- the image geometry: a preset's window, then explicit options ------------------------
        im::params p = preset.empty() ? im::params{} : im::preset(preset);
        if (a.count("--width")) {
            jetml::require_positive(width, "--width");
            p.x_lo = p.y_lo = -width / 2, p.x_hi = p.y_hi = width / 2;
        }
        if (!x_range.empty()) std::tie(p.x_lo, p.x_hi) = jetml::data::parse_range(x_range, "--x-range");
        if (!phi_range.empty()) std::tie(p.y_lo, p.y_hi) = jetml::data::parse_range(phi_range, "--phi-range");
        if (!rows.empty()) p.rows = rows == "phi" ? im::layout::phi_rows : im::layout::x_rows;
        o.grid = p;

        //-- compute, then write the array (or table and maps) and the picture ---------------------
        if (o.view == "bins" || o.view == "reweight") {
            if (!mass_bins.empty()) ps.mass_edges = jetml::viz::parse_edges(mass_bins, "--mass-bins");
            if (!tau21_bins.empty()) ps.tau21_edges = jetml::viz::parse_edges(tau21_bins, "--tau21-bins");
            auto r = o.view == "bins" ? jetml::viz::bins_study(o, ps) : jetml::viz::reweight_study(o, ps);
            t.info("%s", r.summary.c_str());
            jetml::output table(out_path, false);
            if (!svg_path.empty()) {
                jetml::output svg(svg_path, false);
                svg.write(r.svg);
                svg.commit();
            }
            if (!maps_out.empty()) jetml::save_npy(maps_out, r.shape, r.values.data());
            table.write(r.table);
            table.commit();
            return;
        }
        auto r = jetml::viz::make_view(o);
        t.info("%s", r.summary.c_str());
        jetml::output out(out_path, true);  // refuses a terminal before anything is written
        if (!svg_path.empty()) {
            jetml::output svg(svg_path, false);
            svg.write(r.svg);
            svg.commit();
        }
        jetml::npy_writer w(out, jetml::dtype::f8, r.shape);
        w.write_rows(r.values.data(), r.shape[0]);
        w.finish();
    });
}
