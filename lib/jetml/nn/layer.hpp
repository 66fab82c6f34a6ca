// SPDX-License-Identifier: MIT
// jetml/nn/layer.hpp - the layer interface of jetml's networks and the layer factory.
//
// A layer is built for a per-sample input shape, reserves its scratch memory for a batch size
// once, and then runs forward/backward on whole batches in buffers owned by the model.
// Layers (architecture tokens, see arch.hpp):
//   dense(units)                         y = x W^T + b; W (units, in); x flattened (H, W, C order)
//   conv(filters, k[, stride][, same|valid])  2-D convolution, square kernel, zero padding;
//                                        W (filters, k, k, in_channels); default stride 1, same
//   maxpool(k[, stride]) avgpool(k[, stride])  pooling windows, stride defaults to k, no padding
//   flatten                              (H, W, C) -> (H*W*C,)
//   dropout(p)                           inverted dropout (scale 1/(1-p) while training)
//   batchnorm[(momentum[, eps])]         per channel (per feature for vectors); running stats
//   maxout(units, pieces)                y_j = max_q (x W^T + b)_{j*pieces+q}
//   relu leakyrelu[(alpha)] elu[(alpha)] tanh sigmoid softmax
// and the decoder layers of autoencoders (layers_decoder.cpp):
//   deconv(filters, k[, stride][, same|valid])  transposed convolution, the adjoint of
//                                        conv(filters_in, k, stride, same|valid): output
//                                        H*stride (same) or (H-1)*stride+k (valid);
//                                        W (in_channels, k, k, filters)
//   upsample[(k)]                        nearest-neighbour upsampling by k (default 2)
//   reshape(C, H, W) or reshape(D)       the same values as an image or a vector (in the
//                                        (H, W, C) order flatten writes); unflatten is an alias
//   latent                               the identity; marks the code of an autoencoder
//   vae(d[, beta])                       variational bottleneck: input (2d,) = mean, log-variance;
//                                        z = mean + exp(logvar/2) eps in training, the mean in
//                                        inference; adds beta * KL(N(mean, var) | N(0, 1)) to the loss
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "jetml/nn/tensor.hpp"
#include "jetml/core/rng.hpp"

namespace jetml::nn {

/// A named parameter array of a layer with its gradient.
struct param {
    std::string name;                ///< "weight", "bias", "gamma", "running_mean", ...
    std::vector<std::size_t> shape;  ///< user-facing shape, e.g. (out, in) for a dense weight
    buffer value, grad;              ///< grad is the gradient of the last backward()
    bool trainable = true;           ///< false for running statistics (saved, not optimised)
    bool decay = true;               ///< L2 / AdamW weight decay applies (weights only)
    std::size_t size() const { return value.size(); }
};

/// Base class of all layers. Buffers x, y, dy, dx hold n samples each (n <= reserved batch).
class layer {
public:
    virtual ~layer() = default;
    /// The architecture token that recreates this layer, e.g. "conv(32,11,1,same)".
    virtual std::string spec() const = 0;
    /// Checks the input shape, sizes the parameters (zeroed) and returns the output shape.
    virtual tshape build(const tshape& in) = 0;
    /// Random initial parameters (weights and biases uniform in +-1/sqrt(fan_in), PyTorch's
    /// default); default: nothing to do.
    virtual void init(rng& r) { (void)r; }
    /// Scratch memory for batches of up to n samples; called outside the training loop.
    virtual void reserve(std::size_t n) { (void)n; }
    /// y = f(x) for n samples. `train` selects training behaviour (dropout, batch statistics).
    virtual void forward(const float* x, float* y, std::size_t n, bool train) = 0;
    /// From dL/dy: writes parameter gradients (overwriting) and dL/dx (skipped if dx is null).
    /// x and y are the input and output of the last forward() on this batch.
    virtual void backward(const float* x, const float* y, const float* dy, float* dx,
                          std::size_t n) = 0;
    /// Seeds the randomness of a training step (dropout): depends on (seed, step) only.
    virtual void set_step(std::uint64_t seed, std::uint64_t step) { (void)seed, (void)step; }
    /// Index within the batch of the first sample the next forward() gets (0 unless the batch
    /// is processed in parts): dropout keys its masks by sample, so they do not depend on the
    /// split.
    virtual void set_first_sample(std::size_t first) { (void)first; }
    /// Inference passes (forward with train = false) follow, during which the parameters do
    /// not change, until end_inference(): a layer may derive data from its parameters once
    /// (a dense layer's transposed weights) instead of on every pass. `next` is the layer whose
    /// forward follows this one's (null if none); returning true means this layer's inference
    /// passes apply `next` too (a dense or conv layer applies a following ReLU in its store),
    /// and the model then skips `next`. Default: nothing, false.
    virtual bool begin_inference(const layer* next) {
        (void)next;
        return false;
    }
    virtual void end_inference() {}
    /// True if forward(x, y, n, false) only copies x to y (flatten; dropout): inference passes
    /// x on instead.
    virtual bool copies_in_inference() const { return false; }
    /// False if a sample's output depends on the other samples of the batch (batch
    /// normalisation in training): such a model cannot split a batch across threads.
    virtual bool batch_independent() const { return true; }
    /// The number of samples the training step's loss is averaged over (the whole batch, also
    /// when a thread's forward gets only part of it); set before each training forward. Only a
    /// layer with its own loss term (vae) uses it.
    virtual void set_batch_norm(std::size_t norm) { (void)norm; }
    /// The layer's own loss term from its last training forward, over the rows that forward
    /// got: (1/norm) sum of the rows' terms, with the layer's weight (beta * KL for vae), so the
    /// shares of a split batch add up; its gradient is added by backward(). 0 for most layers.
    virtual double aux_loss() const { return 0.0; }
    /// Multiply-adds of one sample's forward pass (for GFLOP/s reports).
    virtual double flops() const { return 0.0; }

    std::vector<param>& params() { return params_; }
    const std::vector<param>& params() const { return params_; }
    const tshape& in_shape() const { return in_; }
    const tshape& out_shape() const { return out_; }

protected:
    param& add_param(const std::string& name, std::vector<std::size_t> shape, bool decay,
                     bool trainable = true);
    tshape in_, out_;
    std::vector<param> params_;
};

/// Makes one layer from a token name and its arguments (positional numbers and words, e.g.
/// name "conv", args {"32", "11", "same"}). Throws jetml::usage_error naming the token.
std::unique_ptr<layer> make_layer(const std::string& name, const std::vector<std::string>& args);

}  // namespace jetml::nn
