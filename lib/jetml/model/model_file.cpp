// SPDX-License-Identifier: MIT
// jetml/model/model_file.cpp - reads a model file's archive and meta.json once: format, version, kind.
#include "jetml/model/model_file.hpp"

#include <cstdint>

#include "jetml/core/error.hpp"
#include "jetml/io/io.hpp"
#include "jetml/version.hpp"

namespace jetml::model {

void write_model_file(const std::string& path, const std::string& bytes) {
    output out(path, true);
    out.write(bytes);
    out.commit();
}

int kind_format_version(const std::string& kind) { return kind == "sequential" || kind == "fisher" ? 1 : 2; }

std::string meta_json_head(const std::string& kind) {
    return "{\n  \"format\": \"jetml-model\",\n  \"format_version\": " + std::to_string(kind_format_version(kind)) +
           ",\n  \"kind\": " + json_quote(kind) + ",\n  \"jetml_version\": " + json_quote(JETML_VERSION);
}

const json_value& model_file::need(const json_value& obj, const std::string& key, json_value::kind t) const {
    const json_value* v = obj.find(key);
    if (!v) throw error(src_, "meta.json: missing key '" + key + "'");
    if (v->type != t) throw error(src_, "meta.json: key '" + key + "' has the wrong type");
    return *v;
}

std::uint64_t model_file::to_u64(const json_value& v, const std::string& key) const {
    if (v.type != json_value::number || v.s.empty() || v.s.find_first_not_of("0123456789") != std::string::npos)
        throw error(src_, "meta.json: '" + key + "' must be a non-negative integer");
    std::uint64_t x = 0;
    for (char c : v.s) {
        const auto d = std::uint64_t(c - '0');
        if (x > (UINT64_MAX - d) / 10)
            throw error(src_, "meta.json: '" + key + "' value " + v.s.substr(0, 30) + " does not fit 64 bits");
        x = x * 10 + d;
    }
    return x;
}

std::uint64_t model_file::need_u64(const std::string& key) const {
    return to_u64(need(key, json_value::number), key);
}

std::vector<std::size_t> model_file::to_shape(const json_value& v, const std::string& key) const {
    if (v.type != json_value::array) throw error(src_, "meta.json: '" + key + "' must be an array");
    std::vector<std::size_t> s;
    for (const auto& e : v.a) s.push_back(std::size_t(to_u64(e, key)));
    return s;
}

const std::string* model_file::entry(const std::string& name) const {
    auto it = by_name_.find(name);
    return it == by_name_.end() ? nullptr : &entries_[it->second].data;
}

model_file model_file::read(const std::string& path) {
    std::string bytes;
    input in(path);
    char buf[1 << 16];
    std::size_t n;
    while ((n = in.read(buf, sizeof buf)) > 0) bytes.append(buf, n);
    return parse(bytes, in.name());
}

model_file model_file::parse(const std::string& bytes, const std::string& src) {
    model_file f;
    f.src_ = src;
    f.entries_ = zip_read(bytes, src);
    for (std::size_t i = 0; i < f.entries_.size(); ++i) f.by_name_[f.entries_[i].name] = i;
    const std::string* json = f.entry("meta.json");
    if (!json) throw error(src, "not a jetml model (no meta.json entry)");
    f.meta_ = parse_json(*json, src, "meta.json");
    if (f.meta_.type != json_value::object) throw error(src, "meta.json: not a JSON object");
    const json_value* fmt = f.meta_.find("format");
    if (!fmt || fmt->type != json_value::string || fmt->s != "jetml-model")
        throw error(src, "not a jetml model (meta.json has no \"format\": \"jetml-model\")");
    const std::uint64_t version = f.need_u64("format_version");
    if (version > std::uint64_t(newest_format_version))
        throw error(src, "model file format version " + std::to_string(version) + " is newer than this jetml " +
                             JETML_VERSION + " reads (up to " + std::to_string(newest_format_version) +
                             "); use a newer jetml");
    if (version < 1) throw error(src, "model file format version " + std::to_string(version) + " is not supported");
    f.version_ = int(version);
    if (const json_value* v = f.meta_.find("jetml_version"); v && v->type == json_value::string)
        f.jetml_version_ = v->s;
    if (const json_value* v = f.meta_.find("extra"); v && v->type == json_value::object)
        for (const auto& kv : v->o)
            if (kv.second.type == json_value::string) f.extra_.emplace_back(kv.first, kv.second.s);
    if (f.meta_.find("kind") || version >= 2) {
        f.kind_ = f.need_string("kind");
        if (f.kind_.empty() || f.kind_.find_first_of(" \t\r\n") != std::string::npos)
            throw error(src, "meta.json: 'kind' must be a name such as \"sequential\", got \"" + printable(f.kind_) + "\"");
    } else {
        // format version 1 before kinds: a network, a Fisher discriminant if train said so
        f.kind_ = "sequential";
        for (const auto& kv : f.extra_)
            if (kv.first == "arch_option") {  // the first of equal keys, as model_meta::get reads it
                if (kv.second == "fisher") f.kind_ = "fisher";
                break;
            }
    }
    return f;
}

}  // namespace jetml::model
