// SPDX-License-Identifier: MIT
// jetml/jets/image.hpp - jet images from constituents: centre, rotate, flip, pixelate, normalise,
// with presets that reproduce the conventions of named references (see man/jetimg.1).
//
// Coordinates. A constituent row is (pT [GeV], eta or y, phi, m [GeV]); rows with pT == 0 are
// padding. The image plane has x = the longitudinal coordinate (pseudorapidity or rapidity, as
// chosen) and y = the azimuth. Every azimuth difference is wrapped into (-pi, pi] relative to the
// hardest constituent before anything else, so jets that straddle phi = +-pi are handled.
// All arithmetic is in double; images are written as float32.
//
// Order of the steps for one jet:
//   1. centre:   (x, y) -= centre (pT centroid, E-scheme jet axis, hardest constituent,
//                leading kt subjet, or the hottest pixel)
//   2. rotate:   exact rotation of the constituents (principal axis or second subjet), or none
//   3. flip:     reflections of the constituents (heavier half / third subjet on a fixed side)
//   4. pixelate: each constituent adds its intensity to one pixel (binning rule below)
//   5. pixel-space steps: interpolated rotation (deepjets / 1511.05190) and pixel-sum flips
//   6. normalise per image, then (optionally) dataset-level standardisation with saved statistics
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace jetml::image {

/// The longitudinal coordinate: pseudorapidity or rapidity.
enum class coord { eta, rap };
/// Where the image is centred.
enum class centre_mode {
    none,            ///< no translation (coordinates as they come, phi relative to 0)
    ptcentroid,      ///< sum pT x / sum pT, sum pT dphi / sum pT around the hardest constituent
    jet_axis,        ///< the E-scheme sum of the constituents (its eta or y, and phi)
    hardest,         ///< the highest-pT constituent
    leading_subjet,  ///< the leading kt subjet (radius subjet_R; see leading_subjets)
    max_pixel        ///< centre of the hottest pixel of a first pixelation around the jet axis
};
/// How the image is rotated.
enum class rotate_mode {
    none,
    pca,           ///< principal axis of the pT-weighted second moments onto +x (Macaluso-Shih)
    subjet2,       ///< the second subjet onto the direction rotate_angle (exact, constituents)
    pixel_subjet2, ///< the same angle, applied to the pixelated image by cubic-spline re-gridding
    max2           ///< the second-hottest pixel onto rotate_angle (DeepTop-like)
};
/// Which half must be heavier after a flip.
enum class flip_rule { none, positive, negative };
/// What decides the flip of the x axis.
enum class flip_by { intensity, subjet3, max3 };
/// Whether flips compare constituent sums at u < 0 and u > 0 and reflect the constituents, or
/// compare the pixel sums of the first and last floor(n/2) rows/columns (the central one of an
/// odd n left out) and mirror the image (Macaluso-Shih, deoliveira).
enum class flip_level { constituents, pixels };
/// How a coordinate is assigned to a pixel (the edges are lo + k (hi - lo) / n, the last = hi).
enum class binning {
    left_closed,   ///< [e_k, e_k+1), the last bin closed: numpy histogram2d (deepjets)
    right_closed,  ///< (e_k, e_k+1]: numpy searchsorted (Macaluso-Shih)
    nearest        ///< EnergyFlow: index = ceil(v / w - 1/2) - ceil(c / w - 1/2) + floor(n / 2)
};
/// What a channel accumulates.
enum class intensity { pt, e, count };
/// Per-image normalisation of the intensity channels (count channels are never normalised).
enum class norm_mode {
    none,
    l1,     ///< divide by the sum of the pixels (sum = 1)
    l2,     ///< divide by sqrt(sum of squares)
    sumsq,  ///< divide by the sum of squares (deepjets' normalize_image)
    total   ///< divide by the intensity summed over all constituents, in the window or not
};
/// Rows of the image: the longitudinal coordinate (x) or the azimuth.
enum class layout { x_rows, phi_rows };

/// Per-jet flag bits (written in the metadata; an image is never NaN).
enum flag_bits : std::uint32_t {
    flag_empty = 1,          ///< no constituent with pT > 0: the image is all zero
    flag_outside = 2,        ///< no intensity inside the window: the image is all zero
    flag_rotate_fallback = 4,  ///< fewer than 2 subjets/maxima: rotated by the principal axis instead
    flag_flip_fallback = 8,  ///< fewer than 3 subjets/maxima: flipped by intensity instead
    flag_below_min = 16      ///< in-window pT fraction below params::min_in_window
};

/// Every setting of the image maker. Defaults: 33x33 pixels over [-0.8, 0.8]^2 in (eta, phi),
/// pT centroid, no rotation, no flip, pT intensity, L1 normalisation.
struct params {
    coord input_coord = coord::eta;   ///< what column 1 of the input holds
    coord image_coord = coord::eta;   ///< the image's x coordinate
    /// true: image_coord was chosen (by a preset or --coordinate) and stays; false: the caller
    /// sets it to input_coord once that is known (jetimg does, after reading the input's header).
    bool image_coord_fixed = false;
    centre_mode centre = centre_mode::ptcentroid;
    rotate_mode rotate = rotate_mode::none;
    double rotate_angle = -1.5707963267948966;  ///< target direction of subjet2/max2 [rad] in (x, y)
    flip_rule flip_x = flip_rule::none;
    flip_rule flip_y = flip_rule::none;
    flip_by flip_x_by = flip_by::intensity;
    flip_level flip_on = flip_level::constituents;
    double subjet_R = 0.3;      ///< kt subjet radius for centring/rotation/flips
    double subjet_fcut = 0.05;  ///< subjets below fcut * jet pT are ignored
    bool trim = false;          ///< drop constituents of subjets below fcut (trimming)
    std::size_t npix_x = 33, npix_y = 33;
    double x_lo = -0.8, x_hi = 0.8, y_lo = -0.8, y_hi = 0.8;
    binning bin = binning::left_closed;
    std::vector<intensity> channels{intensity::pt};
    norm_mode norm = norm_mode::l1;
    layout rows = layout::x_rows;
    double min_in_window = 0;  ///< flag jets whose in-window intensity fraction is below this
    double pt_cut = 0;         ///< constituents with pT <= pt_cut are ignored (deepjets' ET cutoff)
    /// Fill jet_info's pt, eta, phi and mass. false skips their per-constituent trigonometry
    /// when nothing else needs it (they are then 0); the image is the same either way.
    bool jet_kinematics = true;

    std::size_t n_channels() const { return channels.size(); }
    std::size_t height() const { return rows == layout::x_rows ? npix_x : npix_y; }
    std::size_t width() const { return rows == layout::x_rows ? npix_y : npix_x; }
    std::size_t pixels() const { return channels.size() * npix_x * npix_y; }
    /// Throws usage_error on inconsistent settings (empty window, no channels, ...).
    void check() const;
    /// One line saying what will be done, for -v and the man page examples.
    std::string description() const;
};

/// The settings of a named reference: "deoliveira", "energyflow", "deeptop", "macaluso-shih".
/// Throws usage_error (listing the names) otherwise.
params preset(const std::string& name);
/// The preset names, comma-separated.
const char* preset_names();

/// Kinematics and flags of one jet, for the metadata output.
struct jet_info {
    double pt = 0, eta = 0, phi = 0, mass = 0;  ///< E-scheme sum of the (kept) constituents
    std::size_t nconst = 0;                     ///< constituents with pT > 0
    double frac_outside = 0;  ///< fraction of channel-0 intensity outside the window (1 if empty)
    double centre_x = 0, centre_phi = 0;  ///< where the image was centred (phi in (-pi, pi])
    double angle = 0;                     ///< rotation applied [rad]
    std::uint32_t flags = 0;              ///< flag_bits
};

/// A subjet: pT and position. x is in the requested coordinate, phi is continuous with the input.
struct subjet {
    double pt, x, phi;
};

/// Inclusive kt subjets of radius R of the given particles (E-scheme recombination, distances in
/// (rapidity, phi) as FastJet's kt_algorithm), those with pT > fcut * (sum of the four-vectors)
/// kept, sorted by decreasing pT. x is the subjet's rapidity or pseudorapidity as asked.
/// `member` (if not null) receives for each particle the index of its subjet in the sorted
/// list, or -1 if its subjet was dropped. The clustering is jetml/cluster's (FastJet's kt).
std::vector<subjet> leading_subjets(const double* pt, const double* eta_or_y, const double* phi,
                                    const double* m, std::size_t n, coord input, coord output,
                                    double R, double fcut, std::vector<int>* member = nullptr);

/// Scratch space for one thread, reused between jets so that a jet allocates nothing once the
/// buffers have grown (the kt subjets, when asked for, still allocate in the clustering).
struct workspace {
    std::vector<double> pt, x, y, m, e, u, v;
    std::vector<int> member;
    std::vector<subjet> subjets;
    std::vector<std::pair<double, double>> sj;
    std::vector<double> img;               ///< (C, npix + 1) accumulator, all zero between calls
    std::vector<std::uint64_t> bits;       ///< touched-pixel bitmap, all zero between calls
    std::vector<std::uint32_t> q, touched; ///< pixel of each constituent; touched pixels, in order
    std::vector<std::uint32_t> pix_x, pix_y;  ///< pixel number -> (ix, iy) of the grid below
    std::size_t grid_x = 0, grid_y = 0;   ///< the grid img, bits, pix_x and pix_y are set up for
    std::vector<double> totals, hot, rot;
    std::vector<std::uint32_t> hot_idx;
};

/// Makes the image of one jet from `m` rows of 4 floats; writes params::pixels() floats to
/// `out` in channel-major (C, H, W) order. Throws jetml::error on a non-finite value or a
/// negative pT (the message names the constituent).
void make_image(const params& p, const float* rows, std::size_t m, float* out, jet_info& info, workspace& ws);

/// Rotates a (H, W) image by `angle` radians counter-clockwise in the (x, y) plane about its
/// centre with cubic B-spline interpolation (prefiltered, mirror boundary for the spline
/// coefficients, zero outside), as scipy.ndimage/skimage order=3 do. dx, dy: pixel sizes.
void rotate_pixels(const double* in, double* out, std::size_t nx, std::size_t ny, double angle, double dx, double dy);

/// Per-pixel statistics of a set of images, accumulated in double: fit() on one file, save,
/// apply to others. Saved as NPY float64 (4, P): mean, std (ddof 0), std (ddof 1), and the 4th
/// central moment to the power 1/4, P = C*H*W in the image's order.
class pixel_stats {
public:
    explicit pixel_stats(std::size_t pixels = 0);
    void add(const float* image);
    void merge(const pixel_stats& o);
    std::size_t count() const { return n_; }
    std::size_t pixels() const { return s1_.size(); }
    /// (4, P) rows as documented above.
    std::vector<double> table() const;
    void save(const std::string& path) const;

private:
    std::size_t n_ = 0;
    std::vector<double> s1_, s2_, s3_, s4_;
};

/// How saved statistics are applied: I' = (I - mean?) / (scale + bias).
enum class standardise_mode { none, center, std, std1, moment4, center_std, center_std1, center_moment4 };

/// Loaded statistics ready to apply to images of P pixels.
class standardiser {
public:
    standardiser() = default;
    /// Loads a (4, P) table written by pixel_stats::save; checks P.
    standardiser(const std::string& path, std::size_t pixels, standardise_mode mode, double bias);
    bool active() const { return mode_ != standardise_mode::none; }
    void apply(float* image) const;

private:
    standardise_mode mode_ = standardise_mode::none;
    std::vector<double> shift_, inv_scale_;
};

/// Parses option words ("ptcentroid", "pca", "left-closed", ...); usage_error listing choices.
centre_mode parse_centre(const std::string& s);
rotate_mode parse_rotate(const std::string& s);
binning parse_binning(const std::string& s);
intensity parse_intensity(const std::string& s);
norm_mode parse_norm(const std::string& s);
standardise_mode parse_standardise(const std::string& s);
/// "--flip" terms: "none", or a comma list of x+, x-, y+, y-, subjet3, max3.
void parse_flip(const std::string& s, params& p);

}  // namespace jetml::image
