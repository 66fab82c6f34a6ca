// SPDX-License-Identifier: MIT
// jetml/nn/model_io.cpp - a sequential network (kinds "sequential" and "fisher") to and from a
// model file: meta.json keys, parameter entries and the stored standardisation.
#include "jetml/nn/model_io.hpp"

#include <cstring>

#include "jetml/core/error.hpp"
#include "jetml/io/io.hpp"
#include "jetml/io/json.hpp"
#include "jetml/io/npy.hpp"

namespace jetml::nn {

std::string model_meta::get(const std::string& key, const std::string& def) const {
    for (const auto& kv : extra)
        if (kv.first == key) return kv.second;
    return def;
}

std::string model_meta::resolved_kind() const {
    if (!kind.empty()) return kind;
    return get("arch_option") == "fisher" ? "fisher" : "sequential";
}

bool is_network_kind(const std::string& kind) {
    return kind == "sequential" || kind == "fisher" || kind == "autoencoder";
}

//-------------------------------------------------------------------------------- save and load
std::string model_bytes(const sequential& m, const model_meta& meta) {
    const std::string kind = meta.resolved_kind();
    if (!is_network_kind(kind))
        throw error("model kind '" + printable(kind) + "' is not a network; a sequential network is saved as "
                    "\"sequential\", \"fisher\" or \"autoencoder\"");
    std::vector<zip_entry> entries;
    const tshape& in = m.input_shape();
    std::vector<std::size_t> in_shape =
        in.spatial ? std::vector<std::size_t>{in.c, in.h, in.w} : std::vector<std::size_t>{in.size()};
    std::string params = "[";
    bool first = true;
    for (std::size_t i = 0; i < m.size(); ++i)
        for (const auto& p : m.at(i).params()) {
            const std::string entry = std::to_string(i) + "." + p.name;
            entries.push_back({entry + ".npy", npy_record(p.shape, p.value.data(), p.size())});
            params += std::string(first ? "\n    " : ",\n    ") + "{\"entry\": " + json_quote(entry) +
                      ", \"layer\": " + std::to_string(i) + ", \"spec\": " + json_quote(m.at(i).spec()) +
                      ", \"shape\": " + json_shape(p.shape) + "}";
            first = false;
        }
    params += first ? "]" : "\n  ]";
    std::string prep = "null";
    if (!meta.prep_mean.empty() || !meta.prep_std.empty()) {
        if (meta.prep_mean.size() != in.size() || meta.prep_std.size() != in.size())
            throw error("preprocessing statistics have " + std::to_string(meta.prep_mean.size()) + "/" +
                        std::to_string(meta.prep_std.size()) + " values, the input has " +
                        std::to_string(in.size()));
        entries.push_back({"prep.mean.npy", npy_record(in_shape, meta.prep_mean.data(), in.size())});
        entries.push_back({"prep.std.npy", npy_record(in_shape, meta.prep_std.data(), in.size())});
        prep = "{\"mean\": \"prep.mean\", \"std\": \"prep.std\"}";
    }
    const std::string extra = json_string_object(meta.extra);
    std::string training;
    if (!meta.training.empty()) {
        training = ",\n  \"training\": {";
        for (std::size_t i = 0; i < meta.training.size(); ++i)
            training += std::string(i ? "," : "") + "\n    " + json_quote(meta.training[i].first) + ": " +
                        json_quote(meta.training[i].second);
        training += "\n  }";
    }
    std::string json = model::meta_json_head(kind) + ",\n  \"arch\": " + json_quote(m.arch()) +
                       ",\n  \"input_shape\": " + json_shape(in_shape) + ",\n  \"input_layout\": " +
                       json_quote(in.spatial ? "NCHW" : "ND") + ",\n  \"outputs\": " +
                       std::to_string(m.outputs()) + ",\n  \"loss\": " + json_quote(meta.loss) +
                       ",\n  \"seed\": " + std::to_string(m.seed()) + ",\n  \"step\": " +
                       std::to_string(m.step()) + ",\n  \"epoch\": " + std::to_string(meta.epoch) +
                       ",\n  \"data_shape\": " + json_shape(meta.data_shape) +
                       ",\n  \"preprocessing\": " + prep + ",\n  \"params\": " + params +
                       ",\n  \"extra\": " + extra + training + "\n}\n";
    entries.insert(entries.begin(), zip_entry{"meta.json", json});
    return zip_store(entries);
}

void save_model(const std::string& path, const sequential& m, const model_meta& meta) {
    model::write_model_file(path, model_bytes(m, meta));
}

sequential load_model(const std::string& path, model_meta* meta_out) {
    return sequential_from_file(model::model_file::read(path), meta_out);
}

sequential model_from_bytes(const std::string& bytes, const std::string& src, model_meta* meta_out) {
    return sequential_from_file(model::model_file::parse(bytes, src), meta_out);
}

sequential sequential_from_file(const model::model_file& f, model_meta* meta_out) {
    const std::string& src = f.source();
    if (!is_network_kind(f.kind()))
        throw error(src, "model kind '" + printable(f.kind()) + "' is not a network (expected sequential, fisher or autoencoder)");
    model_meta meta;
    meta.format_version = f.format_version();
    meta.jetml_version = f.jetml_version();
    meta.kind = f.kind();
    const std::string arch = f.need_string("arch");
    const std::string layout = f.need_string("input_layout");
    auto in_shape = f.to_shape(f.need("input_shape", json_value::array), "input_shape");
    // the same bound as on the samples a model reads (dataset.cpp), checked before any
    // product of the dimensions can overflow
    constexpr std::size_t max_input = std::size_t(1) << 26;
    std::size_t in_values = 1;
    for (auto d : in_shape)
        if (d > max_input || (in_values *= d) > max_input)
            throw error(src, "meta.json: input_shape " + format_shape(in_shape) + " has more than " +
                                 std::to_string(max_input) + " values");
    tshape in;
    if (layout == "NCHW" && in_shape.size() == 3) in = tshape::image(in_shape[0], in_shape[1], in_shape[2]);
    else if (layout == "ND" && in_shape.size() == 1) in = tshape::vec(in_shape[0]);
    else throw error(src, "meta.json: input_shape " + format_shape(in_shape) + " does not fit layout " + printable(layout));
    const std::uint64_t seed = f.need_u64("seed");
    meta.loss = f.need_string("loss");
    meta.epoch = f.need_u64("epoch");
    if (const json_value* v = f.find("data_shape")) meta.data_shape = f.to_shape(*v, "data_shape");
    meta.extra = f.extra();
    if (const json_value* tv = f.find("training"); tv && tv->type == json_value::object)
        for (const auto& [k, v] : tv->o)
            if (v.type == json_value::string) meta.training.emplace_back(k, v.s);

    sequential m;
    try {
        m = sequential(arch, in, seed);
    } catch (const usage_error& e) {
        throw error(src, "bad architecture in meta.json: " + printable(e.what(), 300));
    }
    m.set_step(f.need_u64("step"));
    for (std::size_t i = 0; i < m.size(); ++i)
        for (auto& p : m.at(i).params()) {
            const std::string entry = std::to_string(i) + "." + p.name;
            const std::string* e = f.entry(entry + ".npy");
            if (!e)
                throw error(src, "missing entry '" + entry + "' for layer " + std::to_string(i) + " '" +
                                     m.at(i).spec() + "'");
            auto v = parse_npy_record(*e, src, entry);
            if (v.size() != p.size())
                throw error(src, "entry '" + entry + "' has " + std::to_string(v.size()) +
                                     " values, layer '" + m.at(i).spec() + "' needs " +
                                     format_shape(p.shape));
            std::memcpy(p.value.data(), v.data(), v.size() * sizeof(float));
        }
    if (const json_value* pr = f.find("preprocessing"); pr && pr->type == json_value::object) {
        for (auto [key, dst] : {std::pair<const char*, std::vector<float>*>{"mean", &meta.prep_mean},
                                {"std", &meta.prep_std}}) {
            const json_value& name = f.need(*pr, key, json_value::string);
            const std::string* e = f.entry(name.s + ".npy");
            if (!e) throw error(src, "missing preprocessing entry '" + printable(name.s) + "'");
            *dst = parse_npy_record(*e, src, printable(name.s));
            if (dst->size() != in.size())
                throw error(src, "preprocessing entry '" + printable(name.s) + "' has " + std::to_string(dst->size()) +
                                     " values, the input has " + std::to_string(in.size()));
        }
    }
    if (meta_out) *meta_out = std::move(meta);
    return m;
}

}  // namespace jetml::nn
