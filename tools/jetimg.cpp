// SPDX-License-Identifier: MIT
// jetimg - jet images from constituents with the literature's preprocessing, streamed.
#include <cmath>
#include <sstream>

#include "jetml/core/cli.hpp"
#include "jetml/core/error.hpp"
#include "jetml/data/mixed.hpp"
#include "jetml/io/csv.hpp"
#include "jetml/io/npy.hpp"
#include "jetml/jets/image.hpp"
#include "jetml/jets/image_stream.hpp"
#include "jetml/plot/image_plots.hpp"

namespace im = jetml::image;

namespace {
const jetml::tool_info info{
    "jetimg",
    "jetimg - jet images from constituents: centre, rotate, flip, pixelate, normalise.\n"
    "Reads NPY (N, M, 4) rows (pT [GeV], eta, phi, m [GeV]) zero-padded, or CSV long format\n"
    "(event,pt,eta,phi,m), streamed in batches; writes float32 NPY (N, C, H, W) (or (N, H, W, C)\n"
    "with --channels-last). --preset reproduces a reference's conventions; later options override it.\n"
    "Presets: deoliveira, energyflow, deeptop, macaluso-shih. Definitions: man jetimg.",
    "  jetgen -n 10000 -p w,qcd --labels-out y.npy | jetimg --preset deoliveira -o img.npy\n"
    "  jetimg jets.npy --npix 33 --width 1.6 --centre ptcentroid --rotate pca --flip x+,y+ -o img.npy\n"
    "  jetimg bkg.npy --preset macaluso-shih --save-stats bkg_stats.npy -o bkg_img.npy\n"
    "  jetimg sig.npy --preset macaluso-shih --apply-stats bkg_stats.npy --standardise moment4 --bias 0.02 -o sig_img.npy\n"
    "  jetimg sig.npy --preset macaluso-shih --svg sig.svg --svg-minus bkg_img.npy -o sig_img.npy\n"
    "  jetimg --plot sig_img.npy --svg-minus bkg_img.npy --preset macaluso-shih -o diff.svg"};

}  // namespace

int main(int argc, char** argv) {
    return jetml::run_tool(info, argc, argv, [](jetml::tool& t) {
        std::string in_path = "-", out_path = "-", preset, centre, rotate, flip, flip_on, binning, channels, norm;
        std::string npix, x_range, phi_range, coord, input_coord, rows, meta_path, meta_format, save_stats, apply_stats;
        std::string standardise, svg_path, svg_minus;
        double width = 0, rotate_deg = 0, subjet_r = 0, fcut = 0, min_in = 0, pt_cut = 0, bias = 1e-10;
        bool trim = false, last = false, plot = false, svg_log = false;
        // 256 jets: a batch's constituents and images stay in the core's cache between the read,
        // the images and the write (1024 was 1.5x slower in CPU time for the presets' images)
        std::size_t batch = 256, svg_channel = 0;
        auto& a = t.app;
        a.add_option("input", in_path, "constituents NPY (N, M, 4) or CSV long format; with --plot an image NPY; '-' = stdin")
            ->check(jetml::readable_or_dash)->capture_default_str();
        a.add_option("-o,--output", out_path, "images NPY (N, C, H, W) float32; with --plot the SVG; '-' = stdout")->capture_default_str();
        a.add_option("--preset", preset, "deoliveira, energyflow, deeptop or macaluso-shih; other options override it");
        a.add_option("--centre", centre, "none, ptcentroid, jet-axis, hardest, leading-subjet, max-pixel [ptcentroid]");
        a.add_option("--rotate", rotate, "none, pca, subjet2, pixel-subjet2 (cubic-spline re-gridding), max2 [none]");
        a.add_option("--rotate-angle", rotate_deg, "direction [degrees] subjet2/max2 are rotated to (-90 = down) [-90]");
        a.add_option("--flip", flip, "none, or comma list of x+, x-, y+, y- (heavier half on that side), subjet3, max3 [none]");
        a.add_option("--flip-on", flip_on, "constituents (u < 0 vs u > 0) or pixels (pixel-half sums, central row/column left out) [constituents; deoliveira, macaluso-shih: pixels]")
            ->check(CLI::IsMember({"constituents", "pixels"}));
        a.add_option("--subjet-r", subjet_r, "kt subjet radius for leading-subjet/subjet2/subjet3 [0.3]");
        a.add_option("--subjet-fcut", fcut, "ignore subjets with pT below this fraction of the jet pT [0.05]");
        a.add_flag("--trim", trim, "drop the constituents of the ignored subjets (trimming)");
        a.add_option("--npix", npix, "pixels per side, N or NXxNPHI [33]");
        a.add_option("--width", width, "window width: x and phi in [-W/2, W/2] [0.8]");
        a.add_option("--x-range", x_range, "window in eta (or y) as LO,HI, overriding --width");
        a.add_option("--phi-range", phi_range, "window in phi as LO,HI, overriding --width");
        a.add_option("--binning", binning, "left-closed (numpy histogram2d), right-closed (searchsorted), nearest (EnergyFlow) [left-closed]");
        a.add_option("--channels", channels, "comma list of pt, e, count [pt]");
        a.add_option("--normalise", norm, "none, l1, l2, sumsq, total (divide by the whole jet's sum) [l1]");
        a.add_option("--coordinate", coord,
                     "image x coordinate: rapidity (y, computed from pT, eta, m) or eta [energyflow: rapidity; others: as the input]")
            ->check(CLI::IsMember({"rapidity", "eta", "rap"}));
        a.add_option("--input-coord", input_coord, "what NPY column 1 holds: eta or rapidity [eta]")
            ->check(CLI::IsMember({"eta", "rapidity", "rap"}));
        a.add_option("--rows", rows, "image rows run along x or phi [x]")->check(CLI::IsMember({"x", "phi"}));
        a.add_flag("--channels-last", last, "write (N, H, W, C) instead of (N, C, H, W)");
        a.add_option("--min-in-window", min_in, "flag (16) jets with less than this pT fraction in the window [0]");
        a.add_option("--pt-cut", pt_cut, "ignore constituents with pT <= this [GeV] [0]");
        a.add_option("--meta-out", meta_path, "per-jet metadata: jet,pt,eta,phi,mass,nconst,frac_outside,centre_x,centre_phi,angle,flags");
        a.add_option("--meta-format", meta_format, "csv or npy (float64), overriding the extension")->check(CLI::IsMember({"csv", "npy"}));
        a.add_option("--save-stats", save_stats, "save per-pixel statistics (4, C*H*W) float64 of these images (before --standardise)");
        a.add_option("--apply-stats", apply_stats, "standardise with statistics saved by --save-stats")->check(jetml::readable_or_dash);
        a.add_option("--standardise", standardise, "center, std, std1, moment4, center-std, center-std1, center-moment4 [center-std]");
        a.add_option("--bias", bias, "added to the scale before dividing (EnergyFlow 1e-10, Macaluso-Shih 0.02)")->capture_default_str();
        a.add_option("--svg", svg_path, "also write the average image (before --standardise) as an SVG heat map");
        a.add_option("--svg-minus", svg_minus, "subtract the average of this image NPY in the SVG (signal - background)")
            ->check(jetml::readable_or_dash);
        a.add_flag("--svg-log", svg_log, "log colour scale");
        a.add_option("--svg-channel", svg_channel, "channel drawn in the SVG")->capture_default_str();
        a.add_flag("--plot", plot, "read an image NPY (from jetimg) instead of constituents and write only the SVG to -o");
        a.add_option("--batch", batch, "jets per batch (memory is constant in N)")->capture_default_str()->check(jetml::whole_number(1, 1u << 30));
        t.add_shard_option("jets");
        t.parse();

        //-- settings: preset, then explicit options -------------------------------------
        im::params p = preset.empty() ? im::params{} : im::preset(preset);
        if (!centre.empty()) p.centre = im::parse_centre(centre);
        if (!rotate.empty()) p.rotate = im::parse_rotate(rotate);
        if (a.count("--rotate-angle")) p.rotate_angle = rotate_deg * M_PI / 180.0;
        if (a.count("--flip")) im::parse_flip(flip, p);
        if (!flip_on.empty()) p.flip_on = flip_on == "pixels" ? im::flip_level::pixels : im::flip_level::constituents;
        if (a.count("--subjet-r")) p.subjet_R = subjet_r;
        if (a.count("--subjet-fcut")) p.subjet_fcut = fcut;
        if (trim) p.trim = true;
        if (!npix.empty()) {
            std::size_t nx = 0, ny = 0;
            const auto k = npix.find('x');
            try {
                std::size_t used = 0;
                nx = std::stoul(npix.substr(0, k), &used);
                if (used != npix.substr(0, k).size()) throw std::invalid_argument("");
                ny = nx;
                if (k != std::string::npos) {
                    ny = std::stoul(npix.substr(k + 1), &used);
                    if (used != npix.substr(k + 1).size()) throw std::invalid_argument("");
                }
            } catch (const std::exception&) {
                throw jetml::usage_error("--npix expects N or NXxNPHI, got '" + npix + "'");
            }
            p.npix_x = nx, p.npix_y = ny;
        }
        if (a.count("--width")) {
            jetml::require_positive(width, "--width");
            p.x_lo = p.y_lo = -width / 2, p.x_hi = p.y_hi = width / 2;
        }
        if (!x_range.empty()) std::tie(p.x_lo, p.x_hi) = jetml::data::parse_range(x_range, "--x-range");
        if (!phi_range.empty()) std::tie(p.y_lo, p.y_hi) = jetml::data::parse_range(phi_range, "--phi-range");
        if (!binning.empty()) p.bin = im::parse_binning(binning);
        if (!channels.empty()) {
            p.channels.clear();
            std::stringstream ss(channels);
            std::string c;
            while (std::getline(ss, c, ',')) p.channels.push_back(im::parse_intensity(c));
        }
        if (!norm.empty()) p.norm = im::parse_norm(norm);
        if (!input_coord.empty()) p.input_coord = input_coord == "eta" ? im::coord::eta : im::coord::rap;
        if (!coord.empty()) p.image_coord = coord == "eta" ? im::coord::eta : im::coord::rap, p.image_coord_fixed = true;
        if (!rows.empty()) p.rows = rows == "phi" ? im::layout::phi_rows : im::layout::x_rows;
        if (a.count("--min-in-window")) p.min_in_window = min_in;
        if (a.count("--pt-cut")) p.pt_cut = pt_cut;
        p.jet_kinematics = !meta_path.empty();  // the jet's pT, eta, phi, mass go only to --meta-out
        im::standardise_mode smode = im::standardise_mode::none;
        if (!standardise.empty()) smode = im::parse_standardise(standardise);
        if (!apply_stats.empty() && standardise.empty()) smode = im::standardise_mode::center_std;
        if (smode != im::standardise_mode::none && apply_stats.empty())
            throw jetml::usage_error("--standardise needs --apply-stats FILE (statistics saved by --save-stats)");
        if (!std::isfinite(bias)) throw jetml::usage_error("--bias must be finite");
        const std::size_t P = p.pixels();

        //-- --plot: average (minus average) of image files -----------------------------------
        if (plot) {
            if (!p.image_coord_fixed) p.image_coord = p.input_coord;  // only the axis label
            p.check();
            if (svg_channel >= p.n_channels()) throw jetml::usage_error("--svg-channel must be below the number of channels");
            std::size_t n = 0, n2 = 0;
            auto mean = jetml::plot::mean_image_file(in_path, p, last, n);
            std::string title = "mean of " + std::to_string(n) + " images";
            if (!svg_minus.empty()) {
                auto m2 = jetml::plot::mean_image_file(svg_minus, p, last, n2);
                for (std::size_t q = 0; q < P; ++q) mean[q] -= m2[q];
                title = "mean of " + std::to_string(n) + " minus mean of " + std::to_string(n2) + " images";
            }
            jetml::plot::write_image_svg(out_path, p, mean, last, svg_channel, svg_log, !svg_minus.empty(), title);
            return;
        }

        //-- input: NPY (N, M, 4) or CSV long format -------------------------------------------
        im::image_stream in(in_path, p, t.shard);
        if (!p.image_coord_fixed) p.image_coord = p.input_coord;  // no preset's or --coordinate's choice
        p.check();
        if (svg_channel >= p.n_channels()) throw jetml::usage_error("--svg-channel must be below the number of channels");
        t.info("%s", p.description().c_str());
        im::standardiser stdz;
        if (!apply_stats.empty()) stdz = im::standardiser(apply_stats, P, smode, bias);

        //-- stream, then the side outputs, then commit the images (a failure leaves no image file)
        im::stream_outputs o;
        o.images = out_path;
        o.channels_last = last;
        o.meta_path = meta_path;
        o.meta_format = meta_format;
        o.save_stats = save_stats;
        o.average = !svg_path.empty();
        o.batch = batch;
        o.progress = t.show_progress();
        auto r = in.run(p, stdz, o);
        const std::size_t done = r.jets;
        if (o.average) {
            if (done == 0) throw jetml::error(in.name(), "no jets to average for --svg");
            std::string title = "mean of " + std::to_string(done) + " jet images" + (preset.empty() ? "" : " (" + preset + ")");
            bool diff = false;
            if (!svg_minus.empty()) {
                std::size_t n2 = 0;
                auto m2 = jetml::plot::mean_image_file(svg_minus, p, last, n2);
                for (std::size_t q = 0; q < P; ++q) r.average[q] -= m2[q];
                title = "mean of " + std::to_string(done) + " minus mean of " + std::to_string(n2) + " images" +
                        (preset.empty() ? "" : " (" + preset + ")");
                diff = true;
            }
            jetml::plot::write_image_svg(svg_path, p, r.average, last, svg_channel, svg_log, diff, title);
        }
        in.commit();
        const auto& flagged = r.flagged;
        const auto& img_shape = r.image_shape;
        static const char* flag_names[5] = {"empty (flag 1)", "entirely outside the window (flag 2)",
                                            "rotated by the principal axis for lack of a second subjet/maximum (flag 4)",
                                            "flipped by intensity for lack of a third subjet/maximum (flag 8)",
                                            "below --min-in-window (flag 16)"};
        for (int k = 0; k < 5; ++k)
            if (flagged[std::size_t(k)] && (k < 2 || k == 4)) t.warn("%zu of %zu jets %s", flagged[std::size_t(k)], done, flag_names[k]);
            else if (flagged[std::size_t(k)]) t.info("%zu of %zu jets %s", flagged[std::size_t(k)], done, flag_names[k]);
        t.info("%zu jets -> %s", done, jetml::format_shape([&] {
                   auto s = img_shape;
                   s.insert(s.begin(), done);
                   return s;
               }()).c_str());
    });
}
