// SPDX-License-Identifier: MIT
// jetml/viz/maps.hpp - "learning from learning": what a classifier of jet images looks at, as
// arrays in the image's own layout, accumulated in one streaming pass in double (memory does not
// grow with the number of jets): the Fisher discriminant's weights, the Pearson correlation of
// every pixel with a score, a network's first-layer convolution filters and the difference of
// their mean responses to signal and background, and the jets of highest and lowest score.
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "jetml/nn/model.hpp"

namespace jetml::viz {

/// Weighted streaming means, variances and covariances of P pixels with one score, in double:
/// West's weighted form of Welford's one-pass update (no cancellation between large sums),
/// and Chan et al.'s pairwise merge. Weights must be >= 0.
class pixel_score_moments {
public:
    explicit pixel_score_moments(std::size_t pixels = 0);
    /// Adds one sample: x (P values), score s, weight w (0 adds nothing).
    void add(const float* x, double s, double w = 1);
    /// Adds the samples of `o` with their weights multiplied by `scale` (>= 0).
    void merge(const pixel_score_moments& o, double scale = 1);
    std::size_t pixels() const { return mx_.size(); }
    /// Sum of the weights added (and merged, scaled).
    double weight() const { return w_; }
    /// Number of samples with a positive weight.
    std::size_t count() const { return n_; }
    /// Weighted mean of each pixel.
    const std::vector<double>& mean() const { return mx_; }
    /// Weighted mean of the score.
    double score_mean() const { return ms_; }
    /// Pearson's r of each pixel with the score: sum w (x - x̄)(s - s̄) / sqrt(sum w (x - x̄)^2
    /// sum w (s - s̄)^2); NaN where the pixel or the score does not vary.
    std::vector<double> pearson() const;

private:
    std::vector<double> mx_, m2x_, cxs_;
    double ms_ = 0, m2s_ = 0, w_ = 0;
    std::size_t n_ = 0;
};

/// Streaming weighted mean of vectors of a fixed size (sums in double).
class mean_vector {
public:
    explicit mean_vector(std::size_t size = 0) : sum_(size, 0.0) {}
    void add(const float* x, double w = 1);
    double weight() const { return w_; }
    /// The weighted mean; zeros if nothing was added.
    std::vector<double> mean() const;

private:
    std::vector<double> sum_;
    double w_ = 0;
};

/// The k samples of highest and of lowest score seen so far with their values (2k samples in
/// memory). Of samples with equal scores the earlier one is kept.
class extremes {
public:
    extremes(std::size_t k, std::size_t size) : k_(k), size_(size) {}
    struct entry {
        double score;
        std::size_t index;  ///< position of the sample in the input (0-based)
        std::vector<float> x;
    };
    void add(const float* x, double score, std::size_t index);
    /// The kept samples of highest score, highest first (ties: lower index first).
    std::vector<entry> highest() const;
    /// The kept samples of lowest score, lowest first (ties: lower index first).
    std::vector<entry> lowest() const;

private:
    std::size_t k_, size_;
    std::vector<entry> hi_, lo_;  // heaps: hi_ has its lowest kept score on top, lo_ its highest
};

/// The weights of a linear model with one output (a Fisher discriminant, kind "fisher", or any
/// network 'dense(1)' / 'flatten dense(1)') acting on the input itself: w_i / std_i when the model
/// stores an input standardisation, in the input's (C, H, W) or (D) order. `shape` is set to the
/// model's input shape. Throws jetml::error "<path>: ..." for any other model.
std::vector<double> linear_weights(const std::string& model_path, std::vector<std::size_t>& shape);

/// The first layer of a network model file, a convolution, and the activation after it (if any),
/// as a network of its own that gives each filter's response to images.
class first_conv {
public:
    /// Loads the model; with `activation` false the response is the convolution's output itself
    /// (linear in the image), otherwise the output of the activation layer that follows it (as
    /// the network sees it; none if the next layer is not an activation). Throws jetml::error
    /// "<path>: ..." if the model's first layer is not a convolution.
    first_conv(const std::string& model_path, bool activation);
    ~first_conv();
    std::size_t filters() const { return filters_; }
    std::size_t kernel() const { return k_; }
    /// The filters as (F, C, k, k) with the kernel's rows along the image rows.
    std::vector<double> weights() const;
    /// The bias of each filter.
    std::vector<double> biases() const;
    /// The input shape (C, H, W) and the response shape (F, Ho, Wo).
    const std::vector<std::size_t>& in_shape() const { return in_; }
    const std::vector<std::size_t>& out_shape() const { return out_; }
    /// The layers applied, e.g. "conv(32,11,1,same) relu".
    std::string description() const { return head_arch_; }
    /// Responses of n images x (n, C, H, W), after the stored input standardisation, as
    /// out (n, F, Ho, Wo).
    void respond(const float* x, std::size_t n, float* out);

private:
    nn::sequential head_;
    std::string head_arch_;
    std::size_t filters_ = 0, k_ = 0;
    std::vector<std::size_t> in_, out_;
    std::vector<float> prep_mean_, prep_std_, scratch_, hwc_;
    std::vector<double> w_, b_;
};

/// One numeric column read batch by batch: an NPY (N,) or (N, 1) array of any numeric dtype
/// (which answers to any column name) or a column of a CSV file (the only one if `column` is
/// empty). Values must be finite.
class column_stream {
public:
    column_stream(const std::string& path, const std::string& column);
    ~column_stream();
    const std::string& name() const;
    /// Reads up to max_rows values; returns how many (0 at the end).
    std::size_t read(double* dst, std::size_t max_rows);

private:
    struct impl;
    std::unique_ptr<impl> p_;
};

}  // namespace jetml::viz
