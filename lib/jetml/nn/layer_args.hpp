// SPDX-License-Identifier: MIT
// jetml/nn/layer_args.hpp - internal to the layer factories (layers.cpp, layers_decoder.cpp): argument
// parsing of architecture tokens, and the factory of the decoder layers.
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "jetml/nn/layer.hpp"

namespace jetml::nn {

namespace layer_args {
/// A finite number, else usage_error "LAYER: WHAT must be a number, got 'S'".
double number(const std::string& layer, const std::string& what, const std::string& s);
/// A positive integer (at most 1e9), else usage_error.
std::size_t count(const std::string& layer, const std::string& what, const std::string& s);
/// usage_error unless lo <= a.size() <= hi ("layer NAME takes USAGE, got N arguments").
void nargs(const std::string& name, const std::vector<std::string>& a, std::size_t lo, std::size_t hi,
           const char* usage);

/// The arguments of a convolution token (conv and deconv): (filters, kernel[, stride][, same|valid]).
struct conv_args {
    std::size_t filters = 0, kernel = 0, stride = 1;
    bool same = true;
};
/// Parses them for layer `name`; usage_error "layer SHOWN takes (filters, kernel[, stride][, same|valid])".
conv_args conv(const std::string& name, const std::string& shown, const std::vector<std::string>& a);
}  // namespace layer_args

/// The layers of layers_decoder.cpp (deconv, upsample, reshape, latent, vae) from a token; null if
/// `name` is none of them.
std::unique_ptr<layer> make_decoder_layer(const std::string& name, const std::vector<std::string>& a);

}  // namespace jetml::nn
