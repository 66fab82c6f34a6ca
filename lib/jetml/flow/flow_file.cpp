// SPDX-License-Identifier: MIT
// jetml/flow/flow_file.cpp - the flow model kind: write, read, score.
#include "jetml/flow/flow_file.hpp"

#include <algorithm>
#include <cstring>

#include "jetml/core/error.hpp"
#include "jetml/io/io.hpp"
#include "jetml/io/json.hpp"
#include "jetml/io/npz.hpp"

namespace jetml::flow {

namespace {
std::string num(double v) { return json_number(v); }
}  // namespace

std::string flow_model_bytes(const maf& m, const flow_meta& meta) {
    const maf_config& c = m.config();
    if (!meta.features.empty() && meta.features.size() != c.dim)
        throw error("flow: " + std::to_string(meta.features.size()) + " feature names for " + std::to_string(c.dim) +
                    " variables");
    if (!meta.conditions.empty() && meta.conditions.size() != c.cond)
        throw error("flow: " + std::to_string(meta.conditions.size()) + " condition names for " +
                    std::to_string(c.cond) + " conditional inputs");
    std::vector<zip_entry> entries;
    std::string params = "[";
    for (const nn::param* p : m.parameters()) {
        params += std::string(entries.empty() ? "" : ", ") + "{\"entry\": " + json_quote(p->name) +
                  ", \"shape\": " + json_shape(p->shape) + "}";
        entries.push_back({p->name + ".npy", npy_record(p->shape, p->value.data(), p->size())});
    }
    params += "]";
    const std::string extra = json_string_object(meta.extra);
    std::string prep = "null";
    if (meta.prep.fitted()) {
        const preprocessing& p = meta.prep;
        if (p.dim != c.dim || p.cond != c.cond) throw error("flow: the preprocessing was fitted for other dimensions");
        prep = "{\"kind\": \"minmax-logit-standardise\", \"eps\": " + num(p.eps) + ", \"lo\": " + json_numbers(p.lo) +
               ", \"hi\": " + json_numbers(p.hi) + ", \"mean\": " + json_numbers(p.mean) +
               ", \"std\": " + json_numbers(p.std);
        if (p.cmean.size() == p.cond)
            prep += ", \"cond_lo\": " + json_numbers(p.clo) + ", \"cond_hi\": " + json_numbers(p.chi) +
                    ", \"cond_mean\": " + json_numbers(p.cmean) + ", \"cond_std\": " + json_numbers(p.cstd);
        prep += "}";
    }
    const std::string json =
        model::meta_json_head("flow") + ",\n  \"config\": {\"dim\": " + std::to_string(c.dim) +
        ", \"cond\": " + std::to_string(c.cond) + ", \"blocks\": " + std::to_string(c.blocks) +
        ", \"hidden\": " + std::to_string(c.hidden) + ", \"depth\": " + std::to_string(c.depth) +
        ", \"batchnorm\": " + (c.batchnorm ? "true" : "false") + ", \"reverse\": " + (c.reverse ? "true" : "false") +
        ", \"scale_bound\": " + num(c.scale_bound) + "},\n  \"seed\": " + std::to_string(m.seed()) +
        ",\n  \"epoch\": " + std::to_string(meta.epoch) + ",\n  \"features\": " + json_strings(meta.features) +
        ",\n  \"conditions\": " + json_strings(meta.conditions) +
        ",\n  \"input_layout\": \"ND\",\n  \"outputs\": [\"log_p\"],\n  \"params\": " + params +
        ",\n  \"extra\": " + extra + ",\n  \"preprocessing\": " + prep + "\n}\n";
    entries.insert(entries.begin(), zip_entry{"meta.json", json});
    return zip_store(entries);
}

void save_flow(const std::string& path, const maf& m, const flow_meta& meta) {
    model::write_model_file(path, flow_model_bytes(m, meta));
}

maf flow_from_file(const model::model_file& f, flow_meta* meta_out) {
    flow_meta local;
    flow_meta* meta = meta_out ? meta_out : &local;
    const std::string& src = f.source();
    if (f.kind() != "flow") throw error(src, "model kind '" + f.kind() + "' is not a flow");
    const json_value& cj = f.need("config", json_value::object);
    maf_config c;
    c.dim = f.to_u64(f.need(cj, "dim", json_value::number), "config.dim");
    c.cond = f.to_u64(f.need(cj, "cond", json_value::number), "config.cond");
    c.blocks = f.to_u64(f.need(cj, "blocks", json_value::number), "config.blocks");
    c.hidden = f.to_u64(f.need(cj, "hidden", json_value::number), "config.hidden");
    c.depth = f.to_u64(f.need(cj, "depth", json_value::number), "config.depth");
    c.batchnorm = f.need(cj, "batchnorm", json_value::boolean).b;
    c.reverse = f.need(cj, "reverse", json_value::boolean).b;
    const std::string& bound = f.need(cj, "scale_bound", json_value::number).s;
    try {
        c.scale_bound = std::stod(bound);
    } catch (const std::exception&) {
        throw error(src, "meta.json: 'config.scale_bound' is not a number");
    }
    if (c.dim > 4096 || c.cond > 4096 || c.blocks > 4096 || c.hidden > 65536 || c.depth > 64)
        throw error(src, "meta.json: flow configuration out of range");
    try {
        c.check();
    } catch (const usage_error& e) {
        throw error(src, std::string("meta.json: ") + e.what());
    }
    maf m(c, f.need_u64("seed"));
    for (nn::param* p : m.parameters()) {
        const std::string* e = f.entry(p->name + ".npy");
        if (!e) throw error(src, "missing entry '" + p->name + ".npy'");
        const std::vector<float> v = parse_npy_record(*e, src, p->name + ".npy");
        if (v.size() != p->size())
            throw error(src, "entry '" + p->name + ".npy' has " + std::to_string(v.size()) + " values, expected " +
                                 std::to_string(p->size()));
        std::memcpy(p->value.data(), v.data(), v.size() * sizeof(float));
    }
    // masked weights stay masked whatever the file holds
    for (std::size_t b = 0; b < c.blocks; ++b)
        for (std::size_t l = 0; l <= c.depth; ++l) {
            nn::param& w = m.parameter("made." + std::to_string(b) + "." + std::to_string(l) + ".weight");
            const auto& mk = m.mask(l);
            for (std::size_t e = 0; e < w.size(); ++e) w.value[e] *= mk[e];
        }
    if (meta) {
        meta->epoch = f.need_u64("epoch");
        auto strings = [&](const char* key) {
            std::vector<std::string> v;
            for (const auto& s : f.need(key, json_value::array).a) {
                if (s.type != json_value::string) throw error(src, std::string("meta.json: '") + key + "' must hold strings");
                v.push_back(s.s);
            }
            return v;
        };
        meta->features = strings("features");
        meta->conditions = strings("conditions");
        meta->extra = f.extra();
        meta->prep = preprocessing();
        const json_value* pj = f.find("preprocessing");
        if (pj && pj->type == json_value::object) {
            if (f.need(*pj, "kind", json_value::string).s != "minmax-logit-standardise")
                throw error(src, "meta.json: unknown preprocessing '" + printable(pj->find("kind")->s) + "'");
            preprocessing& p = meta->prep;
            auto number = [&](const json_value& v, const char* key) {
                try {
                    if (v.type == json_value::number) return std::stod(v.s);
                } catch (const std::exception&) {
                }
                throw error(src, std::string("meta.json: preprocessing '") + key + "' must hold numbers");
            };
            auto numbers = [&](const char* key, std::size_t k = 0) {
                if (k == 0) k = c.dim;
                std::vector<double> v;
                for (const auto& e : f.need(*pj, key, json_value::array).a) v.push_back(number(e, key));
                if (v.size() != k) throw error(src, std::string("meta.json: preprocessing '") + key + "' needs " +
                                                        std::to_string(k) + " values");
                return v;
            };
            p.eps = number(f.need(*pj, "eps", json_value::number), "eps");
            p.lo = numbers("lo"), p.hi = numbers("hi"), p.mean = numbers("mean"), p.std = numbers("std");
            p.dim = c.dim, p.cond = c.cond;
            if (c.cond > 0 && pj->find("cond_mean")) {
                p.clo = numbers("cond_lo", c.cond), p.chi = numbers("cond_hi", c.cond);
                p.cmean = numbers("cond_mean", c.cond), p.cstd = numbers("cond_std", c.cond);
                for (double v : p.cstd)
                    if (!(v > 0)) throw error(src, "meta.json: preprocessing 'cond_std' must be positive");
            }
        }
    }
    return m;
}

maf flow_from_bytes(const std::string& bytes, const std::string& src, flow_meta* meta) {
    return flow_from_file(model::model_file::parse(bytes, src), meta);
}

maf load_flow(const std::string& path, flow_meta* meta) { return flow_from_file(model::model_file::read(path), meta); }

flow_scorer::flow_scorer(maf m, flow_meta meta, const std::string& source) : m_(std::move(m)), meta_(std::move(meta)) {
    kind_ = "flow";
    source_ = source;
    input_shape_ = {m_.row()};
    output_names_ = {"log_p"};
    features_ = meta_.features;
    features_.insert(features_.end(), meta_.conditions.begin(), meta_.conditions.end());
    if (features_.size() != m_.row()) features_.clear();
}

std::string flow_scorer::description() const {
    const maf_config& c = m_.config();
    return "conditional MAF " + c.spec() + ", trained " + std::to_string(meta_.epoch) + " epochs, input rows [x(" +
           std::to_string(c.dim) + ") | c(" + std::to_string(c.cond) + ")], " +
           (meta_.prep.fitted() ? "min-max/logit/standardise preprocessing with its Jacobian (NaN outside the fitted range), "
                                : "") +
           "scores log p(x|c) in nats";
}

void flow_scorer::reserve(std::size_t batch) {
    batch_ = std::max<std::size_t>(batch, 1);
    m_.reserve(std::min<std::size_t>(batch_, 1024));
}

void flow_scorer::score(const float* x, std::size_t n, float* out) {
    lp_.resize(std::min(n, batch_));
    for (std::size_t s = 0; s < n; s += batch_) {
        const std::size_t k = std::min(batch_, n - s);
        if (meta_.prep.fitted()) preprocessed_log_prob(m_, meta_.prep, x + s * m_.row(), k, lp_.data());
        else m_.log_prob(x + s * m_.row(), k, lp_.data());
        for (std::size_t i = 0; i < k; ++i) out[s + i] = float(lp_[i]);
    }
}

std::unique_ptr<model::scorer> load_flow_scorer(const model::model_file& file, const model::score_options&) {
    flow_meta meta;
    maf m = flow_from_file(file, &meta);
    return std::make_unique<flow_scorer>(std::move(m), std::move(meta), file.source());
}

}  // namespace jetml::flow
