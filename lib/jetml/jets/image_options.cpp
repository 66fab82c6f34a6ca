// SPDX-License-Identifier: MIT
// jetml/jets/image_options.cpp - jet images: option words, parameter checks and descriptions, the presets.
#include "jetml/jets/image.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "jetml/core/error.hpp"
#include "jetml/jets/fourvec.hpp"

namespace jetml::image {

namespace {

std::string lower_choices(const char* what, const std::string& s, const char* choices) {
    return std::string("invalid ") + what + " '" + s + "'; choose one of: " + choices;
}

/// The option words of an enum, in the order they are listed in messages and --help.
template <class E> struct word {
    const char* name;
    E value;
};
constexpr word<centre_mode> centre_words[] = {{"none", centre_mode::none},       {"ptcentroid", centre_mode::ptcentroid},
                                              {"jet-axis", centre_mode::jet_axis}, {"hardest", centre_mode::hardest},
                                              {"leading-subjet", centre_mode::leading_subjet},
                                              {"max-pixel", centre_mode::max_pixel}};
constexpr word<rotate_mode> rotate_words[] = {{"none", rotate_mode::none},
                                              {"pca", rotate_mode::pca},
                                              {"subjet2", rotate_mode::subjet2},
                                              {"pixel-subjet2", rotate_mode::pixel_subjet2},
                                              {"max2", rotate_mode::max2}};
constexpr word<binning> binning_words[] = {
    {"left-closed", binning::left_closed}, {"right-closed", binning::right_closed}, {"nearest", binning::nearest}};
constexpr word<intensity> intensity_words[] = {{"pt", intensity::pt}, {"e", intensity::e}, {"count", intensity::count}};
constexpr word<norm_mode> norm_words[] = {{"none", norm_mode::none},
                                          {"l1", norm_mode::l1},
                                          {"l2", norm_mode::l2},
                                          {"sumsq", norm_mode::sumsq},
                                          {"total", norm_mode::total}};
constexpr word<standardise_mode> standardise_words[] = {
    {"none", standardise_mode::none},           {"center", standardise_mode::center},
    {"std", standardise_mode::std},             {"std1", standardise_mode::std1},
    {"moment4", standardise_mode::moment4},     {"center-std", standardise_mode::center_std},
    {"center-std1", standardise_mode::center_std1}, {"center-moment4", standardise_mode::center_moment4}};

/// The value named s, or a usage_error "invalid <what> 's'; choose one of: <names>".
template <class E, std::size_t N> E parse_word(const word<E> (&table)[N], const std::string& s, const char* what) {
    std::string names;
    for (const auto& w : table) {
        if (s == w.name) return w.value;
        names += (names.empty() ? "" : ", ") + std::string(w.name);
    }
    throw usage_error(lower_choices(what, s, names.c_str()));
}
/// The name of a value.
template <class E, std::size_t N> const char* name_of(const word<E> (&table)[N], E v) {
    for (const auto& w : table)
        if (w.value == v) return w.name;
    return "?";
}


}  // namespace

//---------------------------------------------------------------------------------------------
// option words

centre_mode parse_centre(const std::string& s) { return parse_word(centre_words, s, "--centre"); }
rotate_mode parse_rotate(const std::string& s) { return parse_word(rotate_words, s, "--rotate"); }
binning parse_binning(const std::string& s) { return parse_word(binning_words, s, "--binning"); }
intensity parse_intensity(const std::string& s) { return parse_word(intensity_words, s, "channel"); }
norm_mode parse_norm(const std::string& s) { return parse_word(norm_words, s, "--normalise"); }
standardise_mode parse_standardise(const std::string& s) { return parse_word(standardise_words, s, "--standardise"); }
void parse_flip(const std::string& s, params& p) {
    p.flip_x = p.flip_y = flip_rule::none;
    p.flip_x_by = flip_by::intensity;
    if (s == "none" || s.empty()) return;
    std::stringstream ss(s);
    std::string term;
    while (std::getline(ss, term, ',')) {
        if (term == "x+") p.flip_x = flip_rule::positive;
        else if (term == "x-") p.flip_x = flip_rule::negative;
        else if (term == "y+") p.flip_y = flip_rule::positive;
        else if (term == "y-") p.flip_y = flip_rule::negative;
        else if (term == "subjet3") p.flip_x = flip_rule::positive, p.flip_x_by = flip_by::subjet3;
        else if (term == "max3") p.flip_x = flip_rule::positive, p.flip_x_by = flip_by::max3;
        else throw usage_error(lower_choices("--flip term", term, "none, or a comma list of x+, x-, y+, y-, subjet3, max3"));
    }
}

//---------------------------------------------------------------------------------------------
// params and presets

void params::check() const {
    if (npix_x == 0 || npix_y == 0 || npix_x > 4096 || npix_y > 4096)
        throw usage_error("the grid must have 1 to 4096 pixels per side");
    if (!(x_hi > x_lo) || !(y_hi > y_lo) || !std::isfinite(x_lo) || !std::isfinite(x_hi) || !std::isfinite(y_lo) ||
        !std::isfinite(y_hi))
        throw usage_error("the image window must have finite ranges with lo < hi");
    if (channels.empty()) throw usage_error("at least one channel is needed");
    if (!(subjet_R > 0)) throw usage_error("--subjet-r must be positive");
    if (!(subjet_fcut >= 0 && subjet_fcut < 1)) throw usage_error("--subjet-fcut must be in [0, 1)");
    if (!(min_in_window >= 0 && min_in_window <= 1)) throw usage_error("--min-in-window must be in [0, 1]");
    if (!(pt_cut >= 0)) throw usage_error("--pt-cut must be >= 0");
    if (!std::isfinite(rotate_angle)) throw usage_error("--rotate-angle must be finite");
}

namespace {
std::string flip_text(const params& p) {
    std::string s;
    auto add = [&](const std::string& t) { s += (s.empty() ? "" : ",") + t; };
    if (p.flip_x != flip_rule::none) {
        if (p.flip_x_by == flip_by::subjet3) add("subjet3");
        else if (p.flip_x_by == flip_by::max3) add("max3");
        else add(p.flip_x == flip_rule::positive ? "x+" : "x-");
    }
    if (p.flip_y != flip_rule::none) add(p.flip_y == flip_rule::positive ? "y+" : "y-");
    return s.empty() ? "none" : s;
}
}  // namespace

std::string params::description() const {
    std::ostringstream o;
    o.precision(6);
    const char* xn = image_coord == coord::eta ? "eta" : "y";
    o << "image " << npix_x << "x" << npix_y << " over " << xn << " [" << x_lo << ", " << x_hi << "], phi [" << y_lo
      << ", " << y_hi << "], binning " << name_of(binning_words, bin) << ", channels ";
    for (std::size_t c = 0; c < channels.size(); ++c) o << (c ? "," : "") << name_of(intensity_words, channels[c]);
    o << "; centre " << name_of(centre_words, centre) << ", rotate " << name_of(rotate_words, rotate);
    if (rotate == rotate_mode::subjet2 || rotate == rotate_mode::pixel_subjet2 || rotate == rotate_mode::max2)
        o << " to " << rotate_angle << " rad";
    o << ", flip " << flip_text(*this) << " (" << (flip_on == flip_level::pixels ? "pixel sums" : "constituents") << ")";
    if (centre == centre_mode::leading_subjet || rotate == rotate_mode::subjet2 ||
        rotate == rotate_mode::pixel_subjet2 || flip_x_by == flip_by::subjet3 || trim)
        o << ", kt subjets R=" << subjet_R << " fcut=" << subjet_fcut << (trim ? " (trimmed)" : "");
    o << ", normalise " << name_of(norm_words, norm) << ", rows " << (rows == layout::x_rows ? xn : "phi");
    return o.str();
}

const char* preset_names() { return "deoliveira, energyflow, deeptop, macaluso-shih"; }

params preset(const std::string& name) {
    params p;
    if (name == "deoliveira") {
        // 1511.05190 / deepjets: 25x25, 0.1 x 0.1 over +-1.25, leading kt subjet (R=0.3, 5%) at
        // the origin, second subjet straight down (-pi/2), heavier half at +eta; np.histogram2d bins.
        // The flip is decided on the pixel image, the central column left out: after the
        // rotation both subjet cores lie on x = 0 within rounding, so a comparison of the
        // constituents at x < 0 and x > 0 would follow the sign of that rounding (issue 12).
        p.centre = centre_mode::leading_subjet;
        p.rotate = rotate_mode::subjet2;
        p.rotate_angle = -pi / 2;
        p.flip_x = flip_rule::positive;
        p.flip_on = flip_level::pixels;
        p.subjet_R = 0.3, p.subjet_fcut = 0.05;
        p.npix_x = p.npix_y = 25;
        p.x_lo = p.y_lo = -1.25, p.x_hi = p.y_hi = 1.25;
        p.bin = binning::left_closed;
        p.norm = norm_mode::none;
        p.rows = layout::x_rows;
    } else if (name == "energyflow") {
        // EnergyFlow utils.pixelate(npix=33, img_width=0.8, norm=True): pT centroid snapped to a
        // pixel centre, nearest-centre binning, rows = phi, L1 normalisation. pixelate is
        // called with (pT, y, phi): the x coordinate is the rapidity, whatever the input holds.
        p.image_coord = coord::rap;
        p.image_coord_fixed = true;
        p.centre = centre_mode::ptcentroid;
        p.npix_x = p.npix_y = 33;
        p.x_lo = p.y_lo = -0.4, p.x_hi = p.y_hi = 0.4;
        p.bin = binning::nearest;
        p.norm = norm_mode::l1;
        p.rows = layout::phi_rows;
    } else if (name == "deeptop") {
        // DeepTop 1701.08784 as described there: 40x40, hottest pixel at the centre, second
        // maximum to 12 o'clock, third maximum to the right, per-image pT normalisation.
        p.centre = centre_mode::max_pixel;
        p.rotate = rotate_mode::max2;
        p.rotate_angle = pi / 2;
        p.flip_x = flip_rule::positive, p.flip_x_by = flip_by::max3;
        p.npix_x = p.npix_y = 40;
        p.x_lo = p.y_lo = -2.0, p.x_hi = p.y_hi = 2.0;
        p.bin = binning::left_closed;
        p.norm = norm_mode::l1;
        p.rows = layout::x_rows;
    } else if (name == "macaluso-shih") {
        // 1803.00107 image_preprocess.py: 37x37 over +-1.6 (linspace edges, searchsorted bins),
        // pT centroid, principal axis onto eta, pT / sum pT, flips by pixel sums (phi: heavier
        // half at +phi; eta: heavier half in the low-eta rows), flag jets with < 95% in window.
        p.centre = centre_mode::ptcentroid;
        p.rotate = rotate_mode::pca;
        p.flip_x = flip_rule::negative;
        p.flip_y = flip_rule::positive;
        p.flip_on = flip_level::pixels;
        p.npix_x = p.npix_y = 37;
        p.x_lo = p.y_lo = -1.6, p.x_hi = p.y_hi = 1.6;
        p.bin = binning::right_closed;
        p.norm = norm_mode::total;
        p.min_in_window = 0.95;
        p.rows = layout::x_rows;
    } else {
        throw usage_error("unknown preset '" + name + "'; choose one of: " + preset_names());
    }
    return p;
}

}  // namespace jetml::image
