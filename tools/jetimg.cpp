// SPDX-License-Identifier: MIT
// jetimg - jet images from constituents with the literature's preprocessing, streamed.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <sstream>

#include "jetml/core/cli.hpp"
#include "jetml/io/csv.hpp"
#include "jetml/core/error.hpp"
#include "jetml/io/event_io.hpp"
#include "jetml/jets/image.hpp"
#include "jetml/io/io.hpp"
#include "jetml/core/memory.hpp"
#include "jetml/io/npy.hpp"
#include "jetml/io/table.hpp"
#include "jetml/core/pipeline.hpp"
#include "jetml/core/progress.hpp"
#include "jetml/plot/svg_plot.hpp"
#include "jetml/core/threads.hpp"

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
    "  jetimg sig.npy --preset deoliveira --svg sig.svg --svg-minus bkg_img.npy -o sig_img.npy\n"
    "  jetimg --plot sig_img.npy --svg-minus bkg_img.npy --preset deoliveira -o diff.svg"};

/// A batch of jets: rows of 4 floats, jet j = rows [off[j], off[j] + cnt[j]).
struct batch_t {
    std::vector<float, jetml::huge_allocator<float>> rows;  // batches in flight: first touch on huge pages
    std::vector<std::size_t> off, cnt;
    /// Forgets the jets; keeps `rows` (NPY batches overwrite it, CSV batches clear it).
    void clear() { off.clear(), cnt.clear(); }
    std::size_t size() const { return off.size(); }
};

/// Reads a CSV constituent table (jetml/io/event_io's columns) jet by jet (consecutive equal
/// event numbers); px,py,pz,E rows become pt, rapidity, phi, m.
class csv_jets {
public:
    csv_jets(jetml::input& in, im::params& p) : r_(in), k_(jetml::find_constituent_columns(r_, in.name())) {
        p.input_coord = k_.cartesian || k_.rapidity ? im::coord::rap : im::coord::eta;
        have_ = r_.next();
    }
    /// Reads up to n jets into b; returns how many.
    std::size_t read(batch_t& b, std::size_t n) {
        b.rows.clear();
        std::size_t got = 0;
        while (got < n && have_) {
            const std::int64_t ev = r_.integer(k_.event);
            b.off.push_back(b.rows.size() / 4);
            std::size_t c = 0;
            while (have_ && r_.integer(k_.event) == ev) {
                const double a = r_.number(k_.c[0]), x = r_.number(k_.c[1]), phi = r_.number(k_.c[2]);
                const double last = k_.last ? r_.number(*k_.last) : 0.0;
                if (k_.cartesian) {
                    const jetml::fourvec v(a, x, phi, last);
                    b.rows.insert(b.rows.end(), {float(v.pt()), float(v.rap()), float(v.phi()), float(v.m())});
                } else {
                    b.rows.insert(b.rows.end(), {float(a), float(x), float(phi), float(last)});
                }
                ++c;
                have_ = r_.next();
            }
            b.cnt.push_back(c);
            ++got;
        }
        return got;
    }

private:
    jetml::csv_reader r_;
    jetml::constituent_columns k_;
    bool have_ = false;
};

/// One batch in flight: the constituents read, then the images made from them.
struct slot_t {
    batch_t in;
    std::size_t got = 0;
    std::string err;            ///< the first failing jet's message, from make_image
    std::size_t err_jet = 0;
    std::vector<float, jetml::huge_allocator<float>> img, hwc;
    std::vector<im::jet_info> infos;
};

std::pair<double, double> parse_range(const std::string& s, const char* opt) {
    double a, b;
    const auto k = s.find(',');
    if (k == std::string::npos || !jetml::parse_double(s.substr(0, k), a) || !jetml::parse_double(s.substr(k + 1), b) ||
        !(b > a))
        throw jetml::usage_error(std::string(opt) + " expects LO,HI with LO < HI, got '" + s + "'");
    return {a, b};
}

/// Axis labels of the image plane.
std::string x_label(const im::params& p) {
    return std::string(p.image_coord == im::coord::eta ? "\xce\xb7" : "y") + "\xe2\x80\xb2 (" +
           (p.image_coord == im::coord::eta ? "pseudorapidity" : "rapidity") + ", centred, rotated)";
}
const char* y_label() { return "\xcf\x86\xe2\x80\xb2 (azimuth, centred, rotated) [rad]"; }

/// Converts channel c of an (H, W[, C]) image to the heat map's [ix][iy] order.
void to_xy(const im::params& p, const double* img, std::size_t c, bool last, std::vector<double>& xy) {
    const std::size_t H = p.height(), W = p.width(), C = p.n_channels();
    xy.assign(p.npix_x * p.npix_y, 0.0);
    for (std::size_t h = 0; h < H; ++h)
        for (std::size_t w = 0; w < W; ++w) {
            const double v = last ? img[(h * W + w) * C + c] : img[(c * H + h) * W + w];
            const std::size_t ix = p.rows == im::layout::x_rows ? h : w, iy = p.rows == im::layout::x_rows ? w : h;
            xy[ix * p.npix_y + iy] = v;
        }
}

/// Mean image of an image file (N, C, H, W) or (N, H, W, C); checks the shape against p.
std::vector<double> mean_of_file(const std::string& path, const im::params& p, bool last, std::size_t& n) {
    jetml::input in(path);
    jetml::npy_reader r(in);
    const auto& s = r.header().shape;
    const std::vector<std::size_t> want = last ? std::vector<std::size_t>{p.height(), p.width(), p.n_channels()}
                                               : std::vector<std::size_t>{p.n_channels(), p.height(), p.width()};
    if (s.size() != 4 || std::vector<std::size_t>(s.begin() + 1, s.end()) != want) {
        auto w = want;
        w.insert(w.begin(), 0);
        std::string ws = jetml::format_shape(w);
        ws.replace(1, 1, "N");
        throw jetml::error(in.name(), "expected images of shape " + ws + " for these grid options, got " + jetml::format_shape(s));
    }
    const std::size_t P = p.pixels();
    std::vector<double> sum(P, 0.0);
    std::vector<float> buf(256 * P);
    n = 0;
    while (std::size_t got = r.read_rows(buf.data(), 256)) {
        for (std::size_t j = 0; j < got; ++j)
            for (std::size_t q = 0; q < P; ++q) sum[q] += buf[j * P + q];
        n += got;
    }
    if (n == 0) throw jetml::error(in.name(), "no images to average");
    for (auto& v : sum) v /= double(n);
    return sum;
}

void write_svg(const std::string& path, const im::params& p, const std::vector<double>& mean, bool last, std::size_t channel,
               bool log, bool diff, const std::string& title) {
    jetml::svg::heatmap h;
    h.nx = p.npix_x, h.ny = p.npix_y;
    to_xy(p, mean.data(), channel, last, h.values);
    h.x = {x_label(p), jetml::svg::scale::linear, p.x_lo, p.x_hi};
    h.y = {y_label(), jetml::svg::scale::linear, p.y_lo, p.y_hi};
    h.title = title;
    h.value_label = diff ? "difference of mean pixel values" : "mean pixel value";
    h.log = log;
    h.diverging = diff;
    jetml::output out(path, false);
    out.write(h.svg());
    out.commit();
}

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
        a.add_option("--flip-on", flip_on, "constituents (exact) or pixels (pixel-half sums) [constituents]")
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
        a.add_option("--coord", coord, "image x coordinate: eta or rap [as the input]")->check(CLI::IsMember({"eta", "rap"}));
        a.add_option("--input-coord", input_coord, "what NPY column 1 holds: eta or rap [eta]")->check(CLI::IsMember({"eta", "rap"}));
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
        if (!x_range.empty()) std::tie(p.x_lo, p.x_hi) = parse_range(x_range, "--x-range");
        if (!phi_range.empty()) std::tie(p.y_lo, p.y_hi) = parse_range(phi_range, "--phi-range");
        if (!binning.empty()) p.bin = im::parse_binning(binning);
        if (!channels.empty()) {
            p.channels.clear();
            std::stringstream ss(channels);
            std::string c;
            while (std::getline(ss, c, ',')) p.channels.push_back(im::parse_intensity(c));
        }
        if (!norm.empty()) p.norm = im::parse_norm(norm);
        if (!input_coord.empty()) p.input_coord = input_coord == "rap" ? im::coord::rap : im::coord::eta;
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
            const std::string c = coord.empty() ? "eta" : coord;
            p.image_coord = c == "rap" ? im::coord::rap : im::coord::eta;
            p.check();
            if (svg_channel >= p.n_channels()) throw jetml::usage_error("--svg-channel must be below the number of channels");
            std::size_t n = 0, n2 = 0;
            auto mean = mean_of_file(in_path, p, last, n);
            std::string title = "mean of " + std::to_string(n) + " images";
            if (!svg_minus.empty()) {
                auto m2 = mean_of_file(svg_minus, p, last, n2);
                for (std::size_t q = 0; q < P; ++q) mean[q] -= m2[q];
                title = "mean of " + std::to_string(n) + " minus mean of " + std::to_string(n2) + " images";
            }
            write_svg(out_path, p, mean, last, svg_channel, svg_log, !svg_minus.empty(), title);
            return;
        }

        //-- input: NPY (N, M, 4) or CSV long format -------------------------------------------
        jetml::input in(in_path);
        if (in.peek(1).empty()) throw jetml::error(in.name(), "empty input");
        std::unique_ptr<jetml::npy_reader> npy;
        std::unique_ptr<csv_jets> csv;
        std::optional<std::size_t> n_jets;
        std::size_t M = 0;
        if (jetml::is_npy(in)) {
            npy = std::make_unique<jetml::npy_reader>(in);
            const auto& s = npy->header().shape;
            if (s.size() != 3 || s[2] != 4)
                throw jetml::error(in.name(), "expected constituents of shape (N, M, 4), got " + jetml::format_shape(s));
            n_jets = s[0];
            M = s[1];
        } else {
            csv = std::make_unique<csv_jets>(in, p);
        }
        p.image_coord = coord.empty() ? p.input_coord : (coord == "rap" ? im::coord::rap : im::coord::eta);
        p.check();
        if (svg_channel >= p.n_channels()) throw jetml::usage_error("--svg-channel must be below the number of channels");
        t.info("%s", p.description().c_str());
        im::standardiser stdz;
        if (!apply_stats.empty()) stdz = im::standardiser(apply_stats, P, smode, bias);

        //-- outputs -------------------------------------------------------------------------
        const std::vector<std::size_t> img_shape = last ? std::vector<std::size_t>{p.height(), p.width(), p.n_channels()}
                                                        : std::vector<std::size_t>{p.n_channels(), p.height(), p.width()};
        jetml::io::npy_table images(out_path, jetml::dtype::f4, img_shape, n_jets);
        static const std::vector<std::string> meta_cols{"jet", "pt", "eta", "phi", "mass", "nconst", "frac_outside",
                                                        "centre_x", "centre_phi", "angle", "flags"};
        std::unique_ptr<jetml::output> meta_out;
        std::unique_ptr<jetml::csv_writer> meta_csv;
        std::unique_ptr<jetml::io::npy_table> meta_npy;
        if (!meta_path.empty()) {
            const std::string f = jetml::format_from_extension(meta_format, meta_path, "csv");
            if (f == "npy") {
                meta_npy = std::make_unique<jetml::io::npy_table>(meta_path, jetml::dtype::f8, std::vector<std::size_t>{meta_cols.size()}, n_jets);
            } else {
                meta_out = std::make_unique<jetml::output>(meta_path, false);
                meta_csv = std::make_unique<jetml::csv_writer>(*meta_out, meta_cols);
            }
        }
        std::unique_ptr<im::pixel_stats> stats;
        if (!save_stats.empty()) stats = std::make_unique<im::pixel_stats>(P);
        std::vector<double> avg;
        if (!svg_path.empty()) avg.assign(P, 0.0);

        //-- stream: a reader thread, worker threads and this thread writing in order ---------
        std::size_t done = 0, flagged[5] = {0, 0, 0, 0, 0};
        std::vector<double> meta_rows;
        jetml::progress_bar bar(t.show_progress(), "jetimg", n_jets.value_or(0), "jets");
        auto read_batch = [&](batch_t& b) -> std::size_t {
            if (!npy) return csv->read(b, batch);
            if (b.rows.size() < batch * M * 4) {  // once per slot, not every batch
                // at least 1 MiB, so that the buffer is on huge pages (jetml/memory): first
                // touch of its 4 KiB pages would cost ~2 ms per slot for 256 jets of 160 rows
                b.rows.reserve(std::max<std::size_t>(batch * M * 4, (std::size_t(1) << 20) / sizeof(float)));
                b.rows.resize(batch * M * 4);
            }
            const std::size_t got = npy->read_rows(b.rows.data(), batch);
            for (std::size_t j = 0; j < got; ++j) b.off.push_back(j * M), b.cnt.push_back(M);
            return got;
        };
        auto make_batch = [&](slot_t& s, im::workspace& ws) {
            s.img.resize(s.got * P);
            s.infos.resize(s.got);
            for (std::size_t j = 0; j < s.got; ++j) {
                try {
                    im::make_image(p, s.in.rows.data() + 4 * s.in.off[j], s.in.cnt[j], s.img.data() + j * P, s.infos[j], ws);
                } catch (const std::exception& e) {
                    s.err = e.what(), s.err_jet = j;  // the first failing jet of the batch
                    return;
                }
            }
        };
        auto write_batch = [&](slot_t& s) {
            if (!s.err.empty()) throw jetml::error(in.name(), "jet " + std::to_string(done + s.err_jet) + ", " + s.err);
            const std::size_t got = s.got;
            for (std::size_t j = 0; j < got; ++j) {
                float* im1 = s.img.data() + j * P;
                if (stats) stats->add(im1);
                if (!avg.empty())
                    for (std::size_t q = 0; q < P; ++q) avg[q] += im1[q];
                stdz.apply(im1);
                for (int k = 0; k < 5; ++k)
                    if (s.infos[j].flags & (1u << k)) ++flagged[k];
            }
            if (last) {
                const std::size_t C = p.n_channels(), HW = p.height() * p.width();
                s.hwc.resize(s.img.size());
                for (std::size_t j = 0; j < got; ++j)
                    for (std::size_t c = 0; c < C; ++c)
                        for (std::size_t q = 0; q < HW; ++q) s.hwc[j * P + q * C + c] = s.img[j * P + c * HW + q];
                images.write_rows(s.hwc.data(), got);
            } else {
                images.write_rows(s.img.data(), got);
            }
            if (meta_csv || meta_npy) {
                meta_rows.resize(got * meta_cols.size());
                for (std::size_t j = 0; j < got; ++j) {
                    const auto& f = s.infos[j];
                    double* r = meta_rows.data() + j * meta_cols.size();
                    r[0] = double(done + j), r[1] = f.pt, r[2] = f.eta, r[3] = f.phi, r[4] = f.mass, r[5] = double(f.nconst);
                    r[6] = f.frac_outside, r[7] = f.centre_x, r[8] = f.centre_phi, r[9] = f.angle, r[10] = double(f.flags);
                    if (meta_csv) {
                        *meta_csv << std::int64_t(done + j);
                        for (std::size_t c = 1; c < meta_cols.size(); ++c) {
                            if (c == 5 || c == 10) *meta_csv << std::int64_t(r[c]);
                            else *meta_csv << r[c];
                        }
                        meta_csv->end_row();
                    }
                }
                if (meta_npy) meta_npy->write_rows(meta_rows.data(), got);
            }
            done += got;
            bar.advance(got);
        };
        const std::size_t workers = std::size_t(std::max(1, jetml::max_threads()));
        // Each worker thread reads a batch, makes its images and writes whatever is next in
        // input order (no reader or writer thread): the copying of the bytes in and out costs
        // as much as the images, so a thread of its own for it would compete with the workers
        // for the cores, and --threads 1 is one core's worth of work. Two batches per worker
        // let a worker that finished early read on while the batch before waits to be written.
        std::vector<slot_t> slots(2 * workers);
        std::vector<im::workspace> ws(workers);
        jetml::run_ordered_inline(
            workers, slots.size(),
            [&](std::size_t s) {
                slots[s].in.clear();
                slots[s].err.clear();
                return (slots[s].got = read_batch(slots[s].in)) > 0;
            },
            [&](std::size_t s, std::size_t w) { make_batch(slots[s], ws[w]); },
            [&](std::size_t s) { write_batch(slots[s]); });
        bar.finish();

        //-- finish: side outputs first, then the images (so a failure leaves no image file) ----
        if (stats) stats->save(save_stats);
        if (!avg.empty()) {
            if (done == 0) throw jetml::error(in.name(), "no jets to average for --svg");
            for (auto& v : avg) v /= double(done);
            std::string title = "mean of " + std::to_string(done) + " jet images" + (preset.empty() ? "" : " (" + preset + ")");
            bool diff = false;
            if (!svg_minus.empty()) {
                std::size_t n2 = 0;
                auto m2 = mean_of_file(svg_minus, p, last, n2);
                for (std::size_t q = 0; q < P; ++q) avg[q] -= m2[q];
                title = "mean of " + std::to_string(done) + " minus mean of " + std::to_string(n2) + " images" +
                        (preset.empty() ? "" : " (" + preset + ")");
                diff = true;
            }
            // the average is of the images before --standardise, so (C, H, W) or (H, W, C) as written
            if (last) {
                const std::size_t C = p.n_channels(), HW = p.height() * p.width();
                std::vector<double> t2(P);
                for (std::size_t c = 0; c < C; ++c)
                    for (std::size_t q = 0; q < HW; ++q) t2[q * C + c] = avg[c * HW + q];
                avg.swap(t2);
            }
            write_svg(svg_path, p, avg, last, svg_channel, svg_log, diff, title);
        }
        if (meta_csv) meta_csv->finish();
        if (meta_npy) meta_npy->finish();
        images.finish();
        static const char* flag_names[5] = {"empty (flag 1)", "entirely outside the window (flag 2)",
                                            "rotated by the principal axis for lack of a second subjet/maximum (flag 4)",
                                            "flipped by intensity for lack of a third subjet/maximum (flag 8)",
                                            "below --min-in-window (flag 16)"};
        for (int k = 0; k < 5; ++k)
            if (flagged[k] && (k < 2 || k == 4)) t.warn("%zu of %zu jets %s", flagged[k], done, flag_names[k]);
            else if (flagged[k]) t.info("%zu of %zu jets %s", flagged[k], done, flag_names[k]);
        t.info("%zu jets -> %s", done, jetml::format_shape([&] {
                   auto s = img_shape;
                   s.insert(s.begin(), done);
                   return s;
               }()).c_str());
    });
}
