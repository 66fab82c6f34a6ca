// SPDX-License-Identifier: MIT
// jetml/viz/views.cpp - jetviz's views (see views.hpp).
#include "jetml/viz/views.hpp"

#include <cmath>
#include <memory>

#include "jetml/core/error.hpp"
#include "jetml/data/dataset.hpp"
#include "jetml/io/csv.hpp"
#include "jetml/plot/image_plots.hpp"
#include "jetml/plot/svg_plot.hpp"
#include "jetml/viz/jet_reader.hpp"
#include "jetml/viz/maps.hpp"

namespace jetml::viz {
namespace im = jetml::image;

const char* view_names() { return "fisher, correlation, filters, convolved, extremes, bins, reweight"; }

im::params grid_for(im::params p, const std::vector<std::size_t>& chw) {
    if (chw.size() != 3) throw error("internal: grid_for needs a (C, H, W) shape");
    const bool xr = p.rows == im::layout::x_rows;
    p.npix_x = xr ? chw[1] : chw[2];
    p.npix_y = xr ? chw[2] : chw[1];
    p.channels.assign(chw[0], im::intensity::pt);
    return p;
}

namespace {

std::string fmt(const char* f, double v) { return format_number(f, v); }

/// The heat map, or for several images a grid of them, of `count` images (C, H, W) on grid p.
std::string images_svg(const im::params& p, const std::vector<double>& v, std::size_t count,
                       const std::vector<std::string>& captions, bool diverging, bool log, std::size_t columns,
                       const std::string& title, const std::string& label) {
    const std::size_t C = p.n_channels(), P = p.pixels();
    if (count * C == 1) {
        svg::heatmap h = plot::image_heatmap(p, v.data(), 0, false);
        h.title = title, h.value_label = label, h.diverging = diverging, h.log = log;
        return h.svg();
    }
    svg::heatmap_grid g;
    for (std::size_t i = 0; i < count; ++i)
        for (std::size_t c = 0; c < C; ++c) {
            svg::heatmap h = plot::image_heatmap(p, v.data() + i * P, c, false);
            h.title = i < captions.size() ? captions[i] : "";
            if (C > 1) h.title += (h.title.empty() ? "" : ", ") + std::string("channel ") + std::to_string(c);
            g.panels.push_back(std::move(h));
        }
    const std::size_t n = g.panels.size();
    g.columns = columns ? columns : std::size_t(std::ceil(std::sqrt(double(n) * 1.4)));
    if (g.columns > n) g.columns = n;
    g.title = title, g.value_label = label, g.diverging = diverging, g.log = log;
    return g.svg();
}

std::string base(const std::string& path) {
    const auto k = path.find_last_of('/');
    return k == std::string::npos ? path : path.substr(k + 1);
}

view_result fisher_view(const view_options& o) {
    view_result r;
    r.values = linear_weights(o.model, r.shape);
    if (r.shape.size() != 3)
        throw error(o.model, "the model's input is " + format_shape(r.shape) + ", not an image (C, H, W): nothing to draw");
    const im::params p = grid_for(o.grid, r.shape);
    r.svg = images_svg(p, r.values, 1, {}, true, false, o.columns,
                       o.title.empty() ? "Fisher discriminant weights (" + base(o.model) + ")" : o.title,
                       "weight (positive: signal-like)");
    r.summary = "Fisher weights of " + o.model + ", shape " + format_shape(r.shape);
    return r;
}

view_result filters_view(const view_options& o) {
    first_conv fc(o.model, false);
    view_result r;
    const auto& in = fc.in_shape();
    const std::size_t F = fc.filters(), C = in[0], k = fc.kernel();
    r.shape = {F, C, k, k};
    r.values = fc.weights();
    // the kernel on the image's pixel size, centred: offsets in eta' and phi'
    im::params p = grid_for(o.grid, in);
    const double dx = (p.x_hi - p.x_lo) / double(p.npix_x), dy = (p.y_hi - p.y_lo) / double(p.npix_y);
    im::params q = grid_for(p, {C, k, k});
    q.x_lo = -0.5 * double(k) * dx, q.x_hi = -q.x_lo, q.y_lo = -0.5 * double(k) * dy, q.y_hi = -q.y_lo;
    std::vector<std::string> cap;
    for (std::size_t f = 0; f < F; ++f) cap.push_back("filter " + std::to_string(f));
    r.svg = images_svg(q, r.values, F, cap, true, false, o.columns,
                       o.title.empty() ? "first-layer filters " + fc.description() + " (" + base(o.model) + ")" : o.title,
                       "filter weight (offsets from the pixel, same units as the image)");
    r.summary = std::to_string(F) + " filters " + format_shape(r.shape) + " of " + o.model;
    return r;
}

view_result correlation_view(const view_options& o) {
    if (o.scores.empty()) throw usage_error("correlation needs --scores FILE (one score per image, e.g. from predict)");
    const bool sel = o.select != "all";
    if (sel && o.labels.empty()) throw usage_error("--select " + o.select + " needs the labels (-l FILE)");
    jet_reader in(o.images, o.scores, o.score_col, sel ? o.labels : "", o.label_col, o.weights, o.weight_col, o.batch);
    const std::size_t P = in.image_size();
    pixel_score_moments m(P);
    std::size_t seen = 0;
    while (std::size_t n = in.next()) {
        for (std::size_t i = 0; i < n; ++i) {
            if (sel && (in.label(i) == 1) != (o.select == "signal")) continue;
            m.add(in.image(i), in.score(i), in.weight(i));
        }
        seen += n;
    }
    if (m.count() < 2) throw error(in.name(), "fewer than two jets (with weight > 0) to correlate");
    view_result r;
    r.shape = in.image_shape();
    r.values = m.pearson();
    const im::params p = grid_for(o.grid, r.shape);
    const std::string who = sel ? o.select + " jets" : "jets";
    r.svg = images_svg(p, r.values, 1, {}, true, false, o.columns,
                       o.title.empty() ? "correlation of pixels with " + base(o.scores) + " (" + std::to_string(m.count()) +
                                             " " + who + ")"
                                       : o.title,
                       "Pearson r (pixel, score)");
    r.summary = "correlation of " + std::to_string(m.count()) + " of " + std::to_string(seen) + " jets with " + o.scores;
    return r;
}

view_result convolved_view(const view_options& o) {
    if (o.labels.empty()) throw usage_error("convolved needs the labels (-l FILE): signal minus background");
    first_conv fc(o.model, !o.linear);
    jet_reader in(o.images, "", "", o.labels, o.label_col, o.weights, o.weight_col, o.batch);
    if (in.image_shape() != fc.in_shape())
        throw error(in.name(), "images of shape " + format_shape(in.image_shape()) + " do not fit the model " + o.model +
                                   ", which expects " + format_shape(fc.in_shape()));
    const auto& os = fc.out_shape();
    const std::size_t R = os[0] * os[1] * os[2];
    mean_vector sig(R), bkg(R);
    std::vector<float> resp(o.batch * R);
    while (std::size_t n = in.next()) {
        fc.respond(in.image(0), n, resp.data());
        for (std::size_t i = 0; i < n; ++i) (in.label(i) == 1 ? sig : bkg).add(resp.data() + i * R, in.weight(i));
    }
    if (!(sig.weight() > 0) || !(bkg.weight() > 0)) throw error(in.name(), "convolved needs signal and background jets");
    view_result r;
    r.shape = os;
    const auto ms = sig.mean(), mb = bkg.mean();
    r.values.resize(R);
    for (std::size_t q = 0; q < R; ++q) r.values[q] = ms[q] - mb[q];
    // the response grid: output pixel i is centred on input pixel i * stride - pad + (k - 1) / 2
    im::params p = grid_for(o.grid, in.image_shape());
    const double dx = (p.x_hi - p.x_lo) / double(p.npix_x), dy = (p.y_hi - p.y_lo) / double(p.npix_y);
    im::params q = grid_for(p, {1, os[1], os[2]});
    const bool xr = p.rows == im::layout::x_rows;
    const double sx = double(xr ? p.npix_x : p.npix_y) / double(xr ? os[1] : os[2]);
    const double sy = double(xr ? p.npix_y : p.npix_x) / double(xr ? os[2] : os[1]);
    q.x_hi = q.x_lo + double(q.npix_x) * sx * dx, q.y_hi = q.y_lo + double(q.npix_y) * sy * dy;
    std::vector<std::string> cap;
    for (std::size_t f = 0; f < os[0]; ++f) cap.push_back("filter " + std::to_string(f));
    r.svg = images_svg(q, r.values, os[0], cap, true, false, o.columns,
                       o.title.empty() ? "mean response to signal minus background, " + fc.description() : o.title,
                       std::string(o.linear ? "convolution" : "response") + ": signal mean - background mean");
    r.summary = "responses of " + fc.description() + " to " + fmt("%.9g", sig.weight()) + " signal and " +
                fmt("%.9g", bkg.weight()) + " background jets (weights)";
    return r;
}

view_result extremes_view(const view_options& o) {
    if (o.scores.empty()) throw usage_error("extremes needs --scores FILE (one score per image, e.g. from predict)");
    if (o.k == 0) throw usage_error("-k must be at least 1");
    jet_reader in(o.images, o.scores, o.score_col, "", "", "", "", o.batch);
    const std::size_t P = in.image_size();
    extremes ex(o.k, P);
    std::size_t seen = 0;
    while (std::size_t n = in.next()) {
        for (std::size_t i = 0; i < n; ++i) ex.add(in.image(i), in.score(i), seen + i);
        seen += n;
    }
    if (seen == 0) throw error(in.name(), "no jets");
    auto hi = ex.highest(), lo = ex.lowest();
    view_result r;
    const std::size_t m = hi.size() + lo.size();
    r.shape = in.image_shape();
    r.shape.insert(r.shape.begin(), m);
    std::vector<std::string> cap;
    std::string list;
    for (int part = 0; part < 2; ++part)
        for (const auto& e : part ? lo : hi) {
            r.values.insert(r.values.end(), e.x.begin(), e.x.end());
            cap.push_back(std::string(part ? "low " : "high ") + fmt("%.4g", e.score) + " (jet " + std::to_string(e.index) + ")");
            list += " " + std::to_string(e.index);
        }
    const im::params p = grid_for(o.grid, in.image_shape());
    r.svg = images_svg(p, r.values, m, cap, false, true, o.columns ? o.columns : hi.size(),
                       o.title.empty() ? "the " + std::to_string(hi.size()) + " most signal-like (top) and background-like (bottom) of " +
                                             std::to_string(seen) + " jets by " + base(o.scores)
                                       : o.title,
                       "pixel value");
    r.summary = "extremes of " + std::to_string(seen) + " jets: jets" + list;
    return r;
}

}  // namespace

view_result make_view(const view_options& o) {
    const bool needs_model = o.view == "fisher" || o.view == "filters" || o.view == "convolved";
    if (needs_model && o.model.empty()) throw usage_error(o.view + " needs the model (-m FILE)");
    if (o.select != "all" && o.select != "signal" && o.select != "background")
        throw usage_error("--select must be all, signal or background, got '" + o.select + "'");
    if (o.view == "fisher") return fisher_view(o);
    if (o.view == "filters") return filters_view(o);
    if (o.view == "correlation") return correlation_view(o);
    if (o.view == "convolved") return convolved_view(o);
    if (o.view == "extremes") return extremes_view(o);
    throw usage_error("unknown view '" + o.view + "'; expected one of " + view_names());
}

}  // namespace jetml::viz
