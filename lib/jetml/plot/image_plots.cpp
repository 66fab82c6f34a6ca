// SPDX-License-Identifier: MIT
// jetml/plot/image_plots.cpp - jetimg's heat maps and image-file averages (see image_plots.hpp).
#include "jetml/plot/image_plots.hpp"

#include "jetml/core/error.hpp"
#include "jetml/io/io.hpp"
#include "jetml/io/npy.hpp"
#include "jetml/plot/svg_plot.hpp"

namespace jetml::plot {
namespace im = jetml::image;
namespace {

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

}  // namespace

std::vector<double> mean_image_file(const std::string& path, const im::params& p, bool last, std::size_t& n) {
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

svg::heatmap image_heatmap(const im::params& p, const double* img, std::size_t channel, bool last) {
    jetml::svg::heatmap h;
    h.nx = p.npix_x, h.ny = p.npix_y;
    to_xy(p, img, channel, last, h.values);
    h.x = {x_label(p), jetml::svg::scale::linear, p.x_lo, p.x_hi};
    h.y = {y_label(), jetml::svg::scale::linear, p.y_lo, p.y_hi};
    return h;
}

void write_image_svg(const std::string& path, const im::params& p, const std::vector<double>& mean, bool last,
                     std::size_t channel, bool log, bool diff, const std::string& title) {
    jetml::svg::heatmap h = image_heatmap(p, mean.data(), channel, last);
    h.title = title;
    h.value_label = diff ? "difference of mean pixel values" : "mean pixel value";
    h.log = log;
    h.diverging = diff;
    jetml::output out(path, false);
    out.write(h.svg());
    out.commit();
}

}  // namespace jetml::plot
