// SPDX-License-Identifier: MIT
// jetml/nn/arch.hpp - readable architecture strings and named presets.
//
// An architecture is a whitespace-separated list of layer tokens, `name` or `name(a, b, ...)`,
// e.g. "conv(32,11,same) relu maxpool(2) flatten dense(64) relu dropout(0.5) dense(1)".
// '#' starts a comment to the end of the line, so an architecture file can be annotated.
// A whole string that equals a preset name (e.g. "wtag") stands for that preset.
// The argument `input` stands for the model's input (resolved when a model is built): dense(input)
// has as many units as a sample has values and reshape(input) restores a sample's shape, so one
// autoencoder string fits any input.
#pragma once
#include <string>
#include <vector>

namespace jetml::nn {

/// One parsed token: its name (lower case) and its comma-separated arguments.
struct layer_token {
    std::string name;
    std::vector<std::string> args;
};

/// Tokenises an architecture (after preset expansion). Throws usage_error on syntax errors,
/// naming the position ("architecture: unbalanced '(' in token 3 'conv(32,11'").
std::vector<layer_token> parse_arch(const std::string& text);

/// The preset's architecture if `text` (trimmed) is a preset name, otherwise `text` itself.
std::string expand_preset(const std::string& text);

/// Resolves what a user gave as an architecture: "@FILE" or an existing file name reads the
/// file (tokens over several lines, '#' comments); a preset name gives the preset; anything
/// else is taken as the architecture string itself. Throws jetml::error if "@FILE" is unreadable.
std::string resolve_arch(const std::string& spec);

/// A named architecture with where it comes from.
struct arch_preset {
    const char* name;
    const char* arch;
    const char* about;  ///< source, and which parts are verified vs assumed
};
/// All presets: wtag, deeptop, dnn, small, maxout, linear, and the autoencoders ae-dense, ae-conv,
/// vae-dense, vae-conv.
const std::vector<arch_preset>& arch_presets();

/// Canonical one-line form of an architecture (tokens joined by single spaces).
std::string format_arch(const std::vector<layer_token>& tokens);

}  // namespace jetml::nn
