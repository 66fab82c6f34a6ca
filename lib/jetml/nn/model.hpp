// SPDX-License-Identifier: MIT
// jetml/nn/model.hpp - a sequential network: layers built from an architecture string,
// activation/gradient buffers allocated once per batch size, train_step and predict.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "jetml/nn/layer.hpp"
#include "jetml/nn/loss.hpp"
#include "jetml/nn/optim.hpp"
#include "jetml/nn/tensor.hpp"

namespace jetml::nn {

/// A feed-forward stack of layers.
///
/// Inputs are given in the user layout: images (N, C, H, W) as jetimg writes them, feature
/// vectors (N, D). Images with C > 1 are transposed once to the internal (N, H, W, C).
/// Outputs are (N, outputs()) raw values (logits for the bce/cce losses).
/// Everything random (initial weights, dropout masks) comes from jetml::rng streams keyed by
/// (seed, layer, step), so a run is reproducible for a seed; with the same thread count it is
/// bitwise identical.
class sequential {
public:
    sequential() = default;
    /// Builds `arch` (a preset name or a layer string, see arch.hpp) for samples of shape `in`
    /// and initialises the parameters from `seed`. Throws usage_error for a bad architecture.
    sequential(const std::string& arch, const tshape& in, std::uint64_t seed);
    sequential(sequential&&) = default;
    sequential& operator=(sequential&&) = default;

    /// Canonical architecture string (every argument explicit), e.g. "conv(32,11,1,same) relu".
    std::string arch() const;
    const tshape& input_shape() const { return in_; }
    const tshape& output_shape() const;
    std::size_t outputs() const { return output_shape().size(); }
    std::uint64_t seed() const { return seed_; }
    std::size_t size() const { return layers_.size(); }
    layer& at(std::size_t i) { return *layers_.at(i); }
    const layer& at(std::size_t i) const { return *layers_.at(i); }
    /// Every parameter (trainable or not) in layer order.
    std::vector<param*> parameters();
    std::vector<const param*> parameters() const;
    /// Number of trainable scalars.
    std::size_t trainable_count() const;
    /// Multiply-adds of one sample's forward pass.
    double flops() const;

    /// Allocates activations and scratch for batches of up to n samples (done once; later
    /// calls with n <= the reserved size do nothing).
    void reserve(std::size_t n);
    /// Forward pass of n samples; returns the (n, outputs()) output buffer (valid until the next call).
    const float* forward(const float* x, std::size_t n, bool train);
    /// The layers' own loss terms (a vae layer's beta * KL) of the last forward(x, n, true),
    /// averaged over its n samples; 0 without such layers.
    double aux_loss() const;
    /// Output of layer i for the samples of the last forward() (its (n, size) rows in the
    /// internal channels-last layout), valid until the next call. Not for predict(), which
    /// skips layers that only copy.
    const float* activation(std::size_t i) const;
    /// Backward pass from dL/doutput (n, outputs()) of the last forward(); fills every
    /// parameter's grad. The input given to that forward() must still be alive.
    void backward(const float* dout, std::size_t n);
    /// The same backward pass, which also writes dL/dinput (n, input size) into `dx`, e.g. for
    /// an adversary whose input is another network's output. Feature-vector or one-channel
    /// inputs only (usage of a C > 1 image input throws jetml::error).
    void backward_input(const float* dout, std::size_t n, float* dx);
    /// One optimisation step: forward (training mode), loss, backward, optimiser update at
    /// learning rate lr. y (n, outputs()), w (n) or null. Returns the batch loss (with the layers'
    /// own terms, aux_loss()).
    /// With several threads and enough work per step, the batch is split into one contiguous
    /// share per thread, each running the whole forward and backward pass on its own copy of
    /// the layers (one parallel region and three barriers per step instead of one region per
    /// layer); the parameter gradients are then summed in thread order and the optimiser
    /// updates every array split across the team. Results are reproducible for a given
    /// thread count (the float sums depend on the split, the dropout masks do not).
    double train_step(const float* x, const float* y, const float* w, std::size_t n, loss_kind loss,
                      optimizer& opt, double lr);
    /// The same step with any loss and the batch's side columns (n values each, passed to the
    /// loss). A separable loss is evaluated on each thread's share as above; a batch-level one
    /// runs once over the whole batch output between the forward and backward shares (one
    /// parallel region, two more barriers), so its result is the one-thread result up to the
    /// float rounding of the split and bitwise the same for a fixed thread count.
    double train_step(const float* x, const float* y, const float* w, const std::vector<const float*>& side,
                      std::size_t n, const loss& l, optimizer& opt, double lr);
    /// Inference outputs (n, outputs()) of n samples, processed in chunks of at most `batch`.
    /// With several threads (when that pays) each thread takes whole chunks and runs them
    /// through its own copy of the layers, with no barrier. For the length of the call the
    /// layers may prepare derived data (a dense layer transposes its weights once), flatten
    /// and dropout pass their input on, and a ReLU after a dense or conv layer is applied in
    /// that layer's store. Every output equals forward(x, n, false) bitwise, whatever the batch and
    /// the thread count.
    void predict(const float* x, std::size_t n, float* out, std::size_t batch = 256);

    /// Training steps taken (seeds the dropout masks); saved with the model.
    std::uint64_t step() const { return step_; }
    void set_step(std::uint64_t s) { step_ = s; }

private:
    double train_step_split(const float* x, const float* y, const float* w, const std::vector<const float*>& side,
                            std::size_t n, const loss& l, optimizer& opt, double lr, int nth);
    int split_threads(std::size_t n, double passes) const;
    void make_replicas(int nth);
    const float* forward_part(std::vector<std::unique_ptr<layer>>& ls, const float* x, std::size_t r0,
                              std::size_t r1, bool train, const std::vector<char>* skip = nullptr);
    void backward_part(std::vector<std::unique_ptr<layer>>& ls, float* ga, float* gb,
                       std::size_t r0, std::size_t r1);

    tshape in_;
    std::uint64_t seed_ = 1, step_ = 0;
    std::size_t norm_ = 0;  // samples the current training step's loss is averaged over
    std::vector<std::unique_ptr<layer>> layers_;
    std::vector<std::vector<std::unique_ptr<layer>>> reps_;  // layer copies of threads 1, 2, ...
    std::vector<buffer> act_;  // act_[i] = input of layer i (act_[0] only if transposed)
    buffer ga_, gb_;           // ping-pong gradient buffers
    std::vector<float> dzall_; // dL/doutput of a whole batch (batch-level losses in the split step)
    const float* input_ = nullptr;
    std::size_t reserved_ = 0;
};

/// Copies (N, C, H, W) to (N, H, W, C).
void nchw_to_nhwc(const float* src, float* dst, std::size_t n, std::size_t c, std::size_t h, std::size_t w);

}  // namespace jetml::nn
