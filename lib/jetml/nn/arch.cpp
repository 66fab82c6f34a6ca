// SPDX-License-Identifier: MIT
// jetml/nn/arch.cpp - architecture-string parsing and presets.
#include "jetml/nn/arch.hpp"

#include <cctype>
#include <fstream>
#include <sstream>

#include "jetml/core/error.hpp"

namespace jetml::nn {

const std::vector<arch_preset>& arch_presets() {
    static const std::vector<arch_preset> presets = {
        {"wtag",
         "conv(32,11,same) relu maxpool(2) conv(32,3,same) relu maxpool(2) "
         "conv(32,3,same) relu maxpool(2) flatten dense(64) relu dropout(0.5) dense(1)",
         "W-tagging CNN for 25x25 jet images after de Oliveira et al., arXiv:1511.05190. "
         "Verified against the shared PyTorch peer (/work/shared/bench/torch_ref.py, 'wtag'), "
         "which is what the speed comparison uses. From the paper [read, not checked in code]: "
         "three [conv + max-pool + dropout] units with 32 filters, the first 11x11, then "
         "dense layers; assumed here: 3x3 later filters, 'same' padding, 2x2 pooling, no "
         "local response normalisation, dropout only before the output"},
        {"deeptop",
         "conv(8,4,same) relu conv(8,4,same) relu maxpool(2) conv(8,4,same) relu "
         "conv(8,4,same) relu flatten dense(64) relu dense(256) relu dense(256) relu dense(1)",
         "DeepTop CNN for 40x40 top-jet images, Kasieczka et al., arXiv:1701.08784: four conv "
         "layers of 8 filters 4x4 with one 2x2 max-pooling after the second, then dense layers "
         "64, 256, 256 (as in REFERENCE.md and the shared PyTorch peer 'deeptop'); assumed: "
         "'same' padding and ReLU everywhere, one sigmoid/logit output instead of two softmax"},
        {"dnn", "flatten dense(300) relu dense(300) relu dense(300) relu dense(1)",
         "dense net 625-300-300-300-1 on flattened 25x25 images (shared PyTorch peer 'dnn')"},
        {"small", "flatten dense(64) relu dense(64) relu dense(64) relu dense(1)",
         "dense net on a few jet features, e.g. 4-64-64-64-1 (shared PyTorch peer 'small')"},
        {"maxout", "flatten maxout(256,5) maxout(128,5) dense(64) relu dense(25) relu dense(1)",
         "MaxOut net of de Oliveira et al., arXiv:1511.05190 [assumed from memory of the paper, "
         "not verified]: two maxout layers (256 and 128 units, 5 pieces), dense 64 and 25 ReLU"},
        {"linear", "flatten dense(1)", "logistic regression (one dense unit on the flattened input)"},
        {"ae-dense",
         "flatten dense(512) relu dense(128) relu dense(32) relu dense(8) latent dense(32) relu dense(128) relu "
         "dense(512) relu dense(input) reshape(input)",
         "dense autoencoder for any input (images or features), code of 8, in the style of the dense autoencoders of "
         "Farina, Nakai, Shih, arXiv:1808.08992 [widths assumed, not taken from the paper]"},
        {"ae-conv",
         "conv(10,4,same) relu avgpool(2) conv(5,4,same) relu avgpool(2) flatten dense(400) relu dense(32) latent "
         "dense(400) relu dense(500) relu reshape(5,10,10) deconv(5,4,2,same) relu deconv(10,4,2,same) relu "
         "conv(1,4,same)",
         "convolutional autoencoder for 40x40 single-channel images (jetimg --preset deeptop), code of 32, in the "
         "style of Heimel, Kasieczka, Plehn, Thompson, arXiv:1808.08979 (10 and 5 filters of 4x4, pooling to 10x10, "
         "dense 400 and a 32-dimensional code; decoder mirrored with transposed convolutions) [filter counts from "
         "memory of the paper, not verified]"},
        {"vae-dense",
         "flatten dense(512) relu dense(128) relu dense(32) relu dense(16) vae(8,1) dense(32) relu dense(128) relu "
         "dense(512) relu dense(input) reshape(input)",
         "ae-dense with a variational bottleneck of 8 (beta 1)"},
        {"vae-conv",
         "conv(10,4,same) relu avgpool(2) conv(5,4,same) relu avgpool(2) flatten dense(400) relu dense(64) vae(32,1) "
         "dense(400) relu dense(500) relu reshape(5,10,10) deconv(5,4,2,same) relu deconv(10,4,2,same) relu "
         "conv(1,4,same)",
         "ae-conv with a variational bottleneck of 32 (beta 1), for 40x40 images"},
    };
    return presets;
}

std::string expand_preset(const std::string& text) {
    std::size_t b = text.find_first_not_of(" \t\r\n"), e = text.find_last_not_of(" \t\r\n");
    if (b == std::string::npos) return text;
    std::string t = text.substr(b, e - b + 1);
    for (const auto& p : arch_presets())
        if (t == p.name) return p.arch;
    return text;
}

std::string resolve_arch(const std::string& spec) {
    const bool forced = !spec.empty() && spec[0] == '@';
    const std::string path = forced ? spec.substr(1) : spec;
    if (forced || (path.find('(') == std::string::npos && path.find(' ') == std::string::npos &&
                   expand_preset(path) == path)) {
        std::ifstream f(path);
        if (f) {
            std::stringstream ss;
            ss << f.rdbuf();
            return expand_preset(ss.str());
        }
        if (forced) throw error(path, "cannot read architecture file");
    }
    return expand_preset(spec);
}

namespace {
std::string trim(const std::string& s) {
    std::size_t b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}
}  // namespace

std::vector<layer_token> parse_arch(const std::string& input) {
    // Strip comments.
    std::string text;
    bool comment = false;
    for (char c : input) {
        if (c == '#') comment = true;
        if (c == '\n') comment = false;
        if (!comment) text += c;
    }
    std::vector<layer_token> out;
    std::size_t i = 0, n = text.size();
    while (i < n) {
        while (i < n && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
        if (i >= n) break;
        std::size_t start = i;
        std::string name;
        while (i < n && (std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '_'))
            name += char(std::tolower(static_cast<unsigned char>(text[i++])));
        const std::string where = "architecture: token " + std::to_string(out.size() + 1);
        if (name.empty())
            throw usage_error(where + ": expected a layer name at '" + text.substr(start, 16) + "'");
        layer_token tok;
        tok.name = name;
        std::size_t j = i;
        while (j < n && (text[j] == ' ' || text[j] == '\t')) ++j;
        if (j < n && text[j] == '(') {
            std::size_t close = text.find_first_of("()", j + 1);
            if (close == std::string::npos || text[close] != ')')
                throw usage_error(where + ": unbalanced '(' in '" + text.substr(start, close - start) + "'");
            std::string inner = text.substr(j + 1, close - j - 1);
            if (!trim(inner).empty()) {
                std::size_t b = 0;
                for (;;) {
                    std::size_t e = inner.find(',', b);
                    std::string a = trim(inner.substr(b, e == std::string::npos ? std::string::npos : e - b));
                    if (a.empty())
                        throw usage_error(where + ": empty argument in '" + name + "(" + inner + ")'");
                    for (auto& c : a) c = char(std::tolower(static_cast<unsigned char>(c)));
                    tok.args.push_back(a);
                    if (e == std::string::npos) break;
                    b = e + 1;
                }
            }
            i = close + 1;
        }
        if (i < n && !std::isspace(static_cast<unsigned char>(text[i])))
            throw usage_error(where + ": unexpected '" + std::string(1, text[i]) + "' after '" +
                              text.substr(start, i - start) + "'");
        out.push_back(std::move(tok));
    }
    if (out.empty()) throw usage_error("architecture: no layers");
    return out;
}

std::string format_arch(const std::vector<layer_token>& tokens) {
    std::string s;
    for (const auto& t : tokens) {
        if (!s.empty()) s += ' ';
        s += t.name;
        if (!t.args.empty()) {
            s += '(';
            for (std::size_t i = 0; i < t.args.size(); ++i) s += (i ? "," : "") + t.args[i];
            s += ')';
        }
    }
    return s;
}

}  // namespace jetml::nn
