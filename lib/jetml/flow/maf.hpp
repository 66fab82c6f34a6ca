// SPDX-License-Identifier: MIT
// jetml/flow/maf.hpp - a conditional masked autoregressive flow (MAF, Papamakarios et al. 2017)
// in the layout of the pytorch-flows MAF that ANODE/CATHODE train: blocks of
//   MADE (affine autoregressive transform) -> batch-normalisation flow layer -> reverse permutation
// mapping x (D) given a condition c (C) to z, with a standard-normal base:
//   log p(x|c) = log N(z; 0, 1) + sum of the blocks' log-determinants.
//
// Definitions (REFERENCE.md section 4.5; our own code):
// - MADE: degrees of the inputs 0..D-1, of hidden unit j: j mod (D-1), of output k (k < D the shift
//   m_k, k >= D the log-scale a_{k-D}): (k mod D) - 1. A weight connects in -> out when
//   deg(out) >= deg(in) (the input layer and hidden layers) and, for the output layer, when
//   deg(out) >= deg(in) too, with the output degrees shifted by one, so output i sees x_<i only
//   (the first variable's shift and scale are bias-only). `depth` hidden layers of `hidden` units,
//   ReLU. The condition c feeds every hidden unit of the first hidden layer (an unmasked weight
//   (hidden, C), no bias of its own): exactly where pytorch-flows' MaskedLinear puts its
//   cond_linear; later layers see the condition only through the first.
// - Affine transform: u = (x - m) * exp(-a), log-det = -sum a. The log-scale is bounded by a soft
//   clamp a = B * tanh(r / B) of the MADE output r (B = scale_bound, default 5; B = 0 switches
//   the clamp off and gives pytorch-flows' MADE exactly). |a| < B keeps exp(+-a) within
//   e^5 ~ 148, so neither the density nor the inverse can overflow, and a ~ r for |r| << B.
// - Batch-normalisation flow layer (pytorch-flows BatchNormFlow): y = exp(log_gamma) * (u - mean)
//   / sqrt(var) + beta, log-det = sum(log_gamma - log(var) / 2), var = biased variance + 1e-5. In
//   training the mean and variance are those of the batch (and the gradient flows through them);
//   in evaluation they are the running statistics, which only recompute_statistics() sets: the
//   statistics of a whole data set (the training set after each epoch), as pytorch-flows' trainer
//   does with momentum 0 and one pass over the training set (CATHODE's momentum 1 never updates
//   them during an epoch). Before the first recompute they are mean 0, var 1.
// - Reverse: z_j = y_{D-1-j}, log-det 0.
// - Initial weights orthogonal (as torch.nn.init.orthogonal_, then masked), biases zero,
//   log_gamma = beta = 0.
//
// Data layout: a row of xc is [x_0 .. x_{D-1}, c_0 .. c_{C-1}] (n, D + C) float32, so that a
// conditional flow reads the same (N, D + C) arrays as every other model.
//
// Threads: every batch runs in one OpenMP parallel region with its rows split across the threads
// (OpenBLAS single-threaded inside); the batch statistics and the parameter gradients are summed
// in thread order, so a training run is bitwise reproducible for a seed and a thread count.
// log_prob(), transform() and sample() do not mix rows; their results are bitwise the same for a
// call shape and thread count, and agree to float rounding (~1e-6 relative: the GEMM's blocking
// depends on the row count) across thread counts and batch splits.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "jetml/nn/layer.hpp"
#include "jetml/nn/optim.hpp"
#include "jetml/nn/tensor.hpp"

namespace jetml::flow {

/// The architecture of a conditional MAF. Defaults: ANODE/CATHODE (15 blocks x 128 hidden units,
/// batch norm and reverse after each block).
struct maf_config {
    std::size_t dim = 4;        ///< D, variables of the density (>= 2)
    std::size_t cond = 1;       ///< C, conditional inputs (0 = unconditional)
    std::size_t blocks = 15;    ///< MADE blocks
    std::size_t hidden = 128;   ///< hidden units per MADE layer
    std::size_t depth = 2;      ///< hidden layers per MADE (pytorch-flows: 2, i.e. joiner + one)
    bool batchnorm = true;      ///< a batch-normalisation flow layer after each MADE
    bool reverse = true;        ///< a reverse permutation after each block
    double scale_bound = 5.0;   ///< B of the soft clamp a = B tanh(r/B); 0 = no clamp

    /// Usage errors for values out of range.
    void check() const;
    /// One line that recreates it, e.g. "maf(dim=4,cond=1,blocks=15,hidden=128,depth=2,bn=1,reverse=1,bound=5)".
    std::string spec() const;
};

/// The training-time settings that ANODE/CATHODE use with the default architecture.
struct maf_defaults {
    static constexpr double lr = 1e-4;            ///< Adam learning rate
    static constexpr double weight_decay = 1e-6;  ///< Adam (coupled L2) weight decay
    static constexpr std::size_t batch = 256;     ///< batch size
    /// optim_config of Adam with the values above.
    static nn::optim_config optimizer();
};

/// A conditional MAF with its parameters, buffers and passes.
class maf {
public:
    maf() = default;
    /// Builds `cfg` and initialises the parameters from jetml::rng streams of `seed`.
    maf(const maf_config& cfg, std::uint64_t seed);
    maf(const maf&) = default;
    maf& operator=(const maf&) = default;
    maf(maf&&) = default;
    maf& operator=(maf&&) = default;

    const maf_config& config() const { return cfg_; }
    std::size_t dim() const { return cfg_.dim; }
    std::size_t cond() const { return cfg_.cond; }
    /// Values per row of xc: D + C.
    std::size_t row() const { return cfg_.dim + cfg_.cond; }
    std::uint64_t seed() const { return seed_; }

    /// Every parameter in a fixed order: per block b, "made.b.l.weight" (out, in) (masked
    /// entries are zero), "made.b.l.bias", "made.b.0.cond_weight" (hidden, C) for l = 0..depth
    /// (l = depth is the output layer, (2D, hidden): rows 0..D-1 give m, D..2D-1 the raw
    /// log-scale), then "bn.b.log_gamma", "bn.b.beta" (D) and the untrained "bn.b.running_mean",
    /// "bn.b.running_var" (D, variance including 1e-5). Weights, biases and batch-norm
    /// parameters are all marked for weight decay (torch.optim.Adam decays every parameter).
    std::vector<nn::param*> parameters();
    std::vector<const nn::param*> parameters() const;
    /// The parameter named `name` (jetml::error if there is none).
    nn::param& parameter(const std::string& name);
    const nn::param& parameter(const std::string& name) const;
    /// Number of trainable scalars, masked entries included (274,800 for the defaults, as
    /// pytorch-flows counts them).
    std::size_t trainable_count() const;
    /// The 0/1 mask of MADE layer l (out, in) (the same in every block).
    const std::vector<float>& mask(std::size_t l) const { return masks_.at(l); }

    /// Allocates buffers for batches of up to n rows (done once; smaller later calls do nothing).
    void reserve(std::size_t n);

    /// Evaluation pass (running statistics): z (n, D) and the log-determinant ld (n) of x -> z;
    /// either may be null. xc (n, D + C).
    void transform(const float* xc, std::size_t n, float* z, double* ld);
    /// log p(x|c) of n rows of xc (n, D + C) into out (n), in evaluation mode.
    void log_prob(const float* xc, std::size_t n, double* out);
    /// The inverse pass x = f^-1(z; c): z (n, D), c (n, C) (null when C = 0) -> x (n, D); D
    /// sequential MADE evaluations per block.
    void inverse(const float* z, const float* c, std::size_t n, float* x);
    /// Samples x ~ p(x|c): z of row i from jetml::rng(seed, first + i) (so a row's sample does not
    /// depend on the batch or the threads), then inverse().
    void sample(const float* c, std::size_t n, std::uint64_t seed, float* x, std::uint64_t first = 0);

    /// Training-mode pass (batch statistics) of the weighted mean negative log-likelihood
    /// sum_i w_i (-log p(x_i|c_i)) / sum_i w_i over n >= 1 rows (w null: all 1; one row
    /// gets variance 1e-5, as in pytorch-flows); fills every
    /// trainable parameter's grad (masked entries zero) and returns the loss. With `opt`, the
    /// optimiser's step at learning rate lr follows in the same parallel region, unless the loss
    /// is not finite (then nothing is updated and the loss is returned; the caller reports it).
    double train_step(const float* xc, const float* w, std::size_t n, nn::optimizer* opt = nullptr, double lr = 0);
    /// The same loss without gradients (training-mode statistics, evaluation is log_prob).
    double train_loss(const float* xc, const float* w, std::size_t n);
    /// Sets every batch-norm layer's running statistics to the statistics of its input over the
    /// n rows of xc (block by block, each block seeing the data through the blocks before it
    /// with their new statistics): pytorch-flows' end-of-epoch pass. Processes `chunk` rows at a
    /// time; sums in double in row order (independent of the threads).
    void recompute_statistics(const float* xc, std::size_t n, std::size_t chunk = 4096);

private:
    struct block_params {
        std::vector<std::size_t> w, b;  // parameter indices of layer l's weight and bias
        std::size_t wc = 0, lg = 0, beta = 0, rmean = 0, rvar = 0;
    };
    void build();
    void init(std::uint64_t seed);
    void refresh_transposed();
    void eval_stats();
    int threads_for(std::size_t n) const;
    void made_net_rows(std::size_t b, const float* x, std::size_t ldx, const float* c, std::size_t ldc,
                       std::size_t r0, std::size_t r1);
    void made_rows(std::size_t b, const float* x, std::size_t ldx, const float* c, std::size_t ldc,
                   std::size_t r0, std::size_t r1);
    void bn_reverse_rows(std::size_t b, const double* mean, const double* var, std::size_t r0, std::size_t r1);
    // training pass pieces (maf_train.cpp); t of nt threads, `turn` counts this thread's reductions
    void train_forward_rows(const float* xc, std::size_t r0, std::size_t r1, std::size_t n, int t, int nt, int& turn);
    void train_backward_rows(const float* xc, const float* w, double wsum, std::size_t r0, std::size_t r1,
                             std::size_t n, int t, int nt, int& turn);
    double pass(const float* xc, const float* w, std::size_t n, bool grad, nn::optimizer* opt, double lr);
    // sums `k` doubles of every thread in thread order into total (one barrier)
    void reduce(const double* part, std::size_t k, double* total, int t, int nt, int& turn);
    float* grad_of(std::size_t param, int t);

    maf_config cfg_;
    std::uint64_t seed_ = 1;
    std::vector<nn::param> params_;
    std::vector<block_params> bp_;
    std::vector<std::vector<float>> masks_;   // per layer (out, in)
    std::vector<int> mask_of_;                // per parameter: its mask's layer, or -1
    std::vector<std::vector<float>> wt_;      // transposed weights (in, out) per parameter index
    std::vector<std::vector<float>> wct_;     // transposed cond weights (C, hidden) per block
    std::vector<std::vector<double>> emean_, evar_;  // evaluation statistics per block (D)
    // activations for `reserved_` rows
    std::size_t reserved_ = 0;
    std::vector<nn::buffer> in_;              // block inputs (n, D); in_[blocks] = z
    std::vector<std::vector<nn::buffer>> h_;  // hidden outputs per block and layer (n, H)
    std::vector<nn::buffer> o_, a_, u_, xh_;  // raw outputs (n, 2D), log-scales, MADE outputs, x-hat
    std::vector<double> ld_;                  // per-row log-determinant
    std::vector<std::vector<double>> bmean_, bvar_;  // batch statistics per block (D)
    nn::buffer g_, gu_, do_, dh_[2];          // gradients (rows split across threads)
    std::vector<std::vector<nn::buffer>> tgrad_;  // gradients of threads 1.. per parameter
    std::vector<double> red_[2];              // reduction scratch (threads x k)
};

/// Plain-loop double-precision twin of maf (jetml/flow/maf_ref.cpp): the same definitions
/// written directly, no GEMM and no threads. The mean NLL of n rows (weighted), with batch
/// statistics when `train`, else the running statistics; out (n) receives log p(x|c) if not null.
double maf_ref_nll(const maf& m, const float* xc, const float* w, std::size_t n, bool train,
                   double* out = nullptr);
/// Reference transform z (n, D) and log-det (n) in evaluation mode.
void maf_ref_transform(const maf& m, const float* xc, std::size_t n, double* z, double* ld);

}  // namespace jetml::flow
