// SPDX-License-Identifier: MIT
// Helpers shared by the layer unit tests (test_layers.cpp, test_layers_decoder.cpp).
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "jetml/core/rng.hpp"
#include "jetml/nn/arch.hpp"
#include "jetml/nn/layer.hpp"

namespace layer_test {

/// The layer of one architecture token (e.g. "conv(4,3)"), built for input `in` and initialised
/// from jetml::rng(seed).
inline std::unique_ptr<jetml::nn::layer> make(const std::string& token, const jetml::nn::tshape& in,
                                              std::uint64_t seed = 7) {
    auto t = jetml::nn::parse_arch(token).at(0);
    auto l = jetml::nn::make_layer(t.name, t.args);
    l->build(in);
    jetml::rng r(seed);
    l->init(r);
    return l;
}

}  // namespace layer_test
