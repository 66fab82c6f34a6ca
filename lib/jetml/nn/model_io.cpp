// SPDX-License-Identifier: MIT
// jetml/nn/model_io.cpp - NPZ model files: a stored zip writer/reader, NPY records through
// jetml/npy, and a small JSON writer/parser for meta.json.
#include "jetml/nn/model_io.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>

#include "jetml/core/error.hpp"
#include "jetml/io/io.hpp"
#include "jetml/io/npy.hpp"
#include "jetml/version.hpp"

namespace jetml::nn {

std::string model_meta::get(const std::string& key, const std::string& def) const {
    for (const auto& kv : extra)
        if (kv.first == key) return kv.second;
    return def;
}

//------------------------------------------------------------------------------------------ zip
namespace {

std::uint32_t crc32(const std::string& s) {
    static std::uint32_t table[256];
    static bool init = false;
    if (!init) {
        for (std::uint32_t i = 0; i < 256; ++i) {
            std::uint32_t c = i;
            for (int k = 0; k < 8; ++k) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        init = true;
    }
    std::uint32_t c = 0xFFFFFFFFu;
    for (unsigned char ch : s) c = table[(c ^ ch) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

void put16(std::string& o, std::uint32_t v) {
    o += char(v & 0xFF);
    o += char((v >> 8) & 0xFF);
}
void put32(std::string& o, std::uint32_t v) {
    put16(o, v & 0xFFFF);
    put16(o, v >> 16);
}
std::uint32_t get16(const std::string& s, std::size_t at) {
    return std::uint32_t((unsigned char)s[at]) | std::uint32_t((unsigned char)s[at + 1]) << 8;
}
std::uint32_t get32(const std::string& s, std::size_t at) { return get16(s, at) | get16(s, at + 2) << 16; }

constexpr std::uint32_t dos_date = (0u << 9) | (1u << 5) | 1u;  // 1980-01-01: reproducible bytes

}  // namespace

std::string zip_store(const std::vector<zip_entry>& entries) {
    std::string out, central;
    for (const auto& e : entries) {
        if (e.data.size() >= 0xFFFFFFFFull || out.size() >= 0xFFFFFFFFull)
            throw error("model file larger than 4 GiB is not supported");
        const std::uint32_t crc = crc32(e.data), size = std::uint32_t(e.data.size());
        const std::uint32_t offset = std::uint32_t(out.size());
        put32(out, 0x04034b50);
        put16(out, 20), put16(out, 0), put16(out, 0), put16(out, 0), put16(out, dos_date);
        put32(out, crc), put32(out, size), put32(out, size);
        put16(out, std::uint32_t(e.name.size())), put16(out, 0);
        out += e.name;
        out += e.data;
        put32(central, 0x02014b50);
        put16(central, 20), put16(central, 20), put16(central, 0), put16(central, 0);
        put16(central, 0), put16(central, dos_date);
        put32(central, crc), put32(central, size), put32(central, size);
        put16(central, std::uint32_t(e.name.size())), put16(central, 0), put16(central, 0);
        put16(central, 0), put16(central, 0), put32(central, 0), put32(central, offset);
        central += e.name;
    }
    const std::uint32_t cd_offset = std::uint32_t(out.size()), cd_size = std::uint32_t(central.size());
    out += central;
    put32(out, 0x06054b50);
    put16(out, 0), put16(out, 0);
    put16(out, std::uint32_t(entries.size())), put16(out, std::uint32_t(entries.size()));
    put32(out, cd_size), put32(out, cd_offset), put16(out, 0);
    return out;
}

std::vector<zip_entry> zip_read(const std::string& b, const std::string& src) {
    if (b.size() < 22 || get32(b, 0) != 0x04034b50)
        throw error(src, "not a model file (not a zip/NPZ archive)");
    std::size_t eocd = std::string::npos;
    for (std::size_t i = b.size() - 22 + 1; i-- > 0 && b.size() - i <= 22 + 65535;)
        if (get32(b, i) == 0x06054b50) {
            eocd = i;
            break;
        }
    if (eocd == std::string::npos) throw error(src, "truncated zip archive (no end-of-directory record)");
    const std::size_t count = get16(b, eocd + 10), cd_off = get32(b, eocd + 16);
    std::vector<zip_entry> out;
    std::size_t at = cd_off;
    for (std::size_t k = 0; k < count; ++k) {
        if (at + 46 > b.size() || get32(b, at) != 0x02014b50)
            throw error(src, "corrupt zip central directory");
        const std::uint32_t method = get16(b, at + 10), crc = get32(b, at + 16);
        const std::size_t csize = get32(b, at + 20), nlen = get16(b, at + 28),
                          xlen = get16(b, at + 30), clen = get16(b, at + 32), loff = get32(b, at + 42);
        zip_entry e;
        e.name = b.substr(at + 46, nlen);
        if (method != 0)
            throw error(src, "entry '" + printable(e.name) + "' is compressed (zip method " + std::to_string(method) +
                                 "); jetml reads stored entries only (np.savez, not np.savez_compressed)");
        if (loff + 30 > b.size() || get32(b, loff) != 0x04034b50)
            throw error(src, "corrupt zip local header for '" + printable(e.name) + "'");
        const std::size_t data = loff + 30 + get16(b, loff + 26) + get16(b, loff + 28);
        if (data + csize > b.size()) throw error(src, "truncated zip entry '" + printable(e.name) + "'");
        e.data = b.substr(data, csize);
        if (crc32(e.data) != crc) throw error(src, "CRC mismatch in zip entry '" + printable(e.name) + "'");
        out.push_back(std::move(e));
        at += 46 + nlen + xlen + clen;
    }
    return out;
}

//----------------------------------------------------------------------------------------- json
namespace {

std::string jstr(const std::string& s) {
    std::string o = "\"";
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') o += '\\', o += char(c);
        else if (c == '\n') o += "\\n";
        else if (c == '\t') o += "\\t";
        else if (c < 0x20) {
            char b[8];
            std::snprintf(b, sizeof b, "\\u%04x", c);
            o += b;
        } else o += char(c);
    }
    return o + "\"";
}

std::string jshape(const std::vector<std::size_t>& s) {
    std::string o = "[";
    for (std::size_t i = 0; i < s.size(); ++i) o += (i ? ", " : "") + std::to_string(s[i]);
    return o + "]";
}

struct jval {
    enum kind { null, boolean, number, string, array, object } type = null;
    std::string s;  // number text or string value
    bool b = false;
    std::vector<jval> a;
    std::vector<std::pair<std::string, jval>> o;
    const jval* find(const std::string& k) const {
        for (const auto& kv : o)
            if (kv.first == k) return &kv.second;
        return nullptr;
    }
};

struct jparser {
    const std::string& t;
    const std::string& src;
    std::size_t i = 0;
    [[noreturn]] void fail(const std::string& what) {
        throw error(src, "meta.json: " + what + " at offset " + std::to_string(i));
    }
    void ws() {
        while (i < t.size() && (t[i] == ' ' || t[i] == '\n' || t[i] == '\r' || t[i] == '\t')) ++i;
    }
    bool eat(char c) {
        ws();
        if (i < t.size() && t[i] == c) return ++i, true;
        return false;
    }
    std::string str() {
        if (!eat('"')) fail("expected a string");
        std::string o;
        while (i < t.size() && t[i] != '"') {
            char c = t[i++];
            if (c == '\\') {
                if (i >= t.size()) fail("bad escape");
                char e = t[i++];
                if (e == 'n') o += '\n';
                else if (e == 't') o += '\t';
                else if (e == 'r') o += '\r';
                else if (e == 'b') o += '\b';
                else if (e == 'f') o += '\f';
                else if (e == 'u') {
                    if (i + 4 > t.size() || !std::all_of(t.begin() + std::ptrdiff_t(i), t.begin() + std::ptrdiff_t(i + 4),
                                                         [](unsigned char h) { return std::isxdigit(h) != 0; }))
                        fail("bad \\u escape (expected 4 hex digits)");
                    unsigned v = unsigned(std::stoul(t.substr(i, 4), nullptr, 16));
                    i += 4;
                    if (v < 0x80) o += char(v);
                    else if (v < 0x800) o += char(0xC0 | (v >> 6)), o += char(0x80 | (v & 0x3F));
                    else o += char(0xE0 | (v >> 12)), o += char(0x80 | ((v >> 6) & 0x3F)), o += char(0x80 | (v & 0x3F));
                } else o += e;
            } else o += c;
        }
        if (i >= t.size()) fail("unterminated string");
        ++i;
        return o;
    }
    std::size_t depth = 0;
    jval value() {
        ws();
        jval v;
        if (i >= t.size()) fail("unexpected end");
        char c = t[i];
        // meta.json nests 3 levels; a bound keeps a hostile file from overflowing the stack
        if ((c == '{' || c == '[') && depth >= 64) fail("nesting deeper than 64 levels");
        struct nest {
            std::size_t& d;
            explicit nest(std::size_t& x) : d(++x) {}
            ~nest() { --d; }
        } guard(depth);
        if (c == '{') {
            ++i;
            v.type = jval::object;
            if (eat('}')) return v;
            do {
                std::string k = str();
                if (!eat(':')) fail("expected ':'");
                v.o.emplace_back(k, value());
            } while (eat(','));
            if (!eat('}')) fail("expected '}'");
        } else if (c == '[') {
            ++i;
            v.type = jval::array;
            if (eat(']')) return v;
            do v.a.push_back(value());
            while (eat(','));
            if (!eat(']')) fail("expected ']'");
        } else if (c == '"') {
            v.type = jval::string;
            v.s = str();
        } else if (t.compare(i, 4, "null") == 0) {
            i += 4;
        } else if (t.compare(i, 4, "true") == 0) {
            i += 4, v.type = jval::boolean, v.b = true;
        } else if (t.compare(i, 5, "false") == 0) {
            i += 5, v.type = jval::boolean;
        } else {
            std::size_t b = i;
            while (i < t.size() && (std::isdigit((unsigned char)t[i]) || std::strchr("+-.eE", t[i]))) ++i;
            if (b == i) fail("unexpected character");
            v.type = jval::number;
            v.s = t.substr(b, i - b);
        }
        return v;
    }
};

const jval& need(const jval& o, const std::string& key, jval::kind k, const std::string& src) {
    const jval* v = o.find(key);
    if (!v) throw error(src, "meta.json: missing key '" + key + "'");
    if (v->type != k) throw error(src, "meta.json: key '" + key + "' has the wrong type");
    return *v;
}

std::uint64_t to_u64(const jval& v, const std::string& key, const std::string& src) {
    if (v.type != jval::number || v.s.empty() || v.s.find_first_not_of("0123456789") != std::string::npos)
        throw error(src, "meta.json: '" + key + "' must be a non-negative integer");
    std::uint64_t x = 0;
    for (char c : v.s) {
        const auto d = std::uint64_t(c - '0');
        if (x > (UINT64_MAX - d) / 10)
            throw error(src, "meta.json: '" + key + "' value " + v.s.substr(0, 30) + " does not fit 64 bits");
        x = x * 10 + d;
    }
    return x;
}

std::vector<std::size_t> to_shape(const jval& v, const std::string& key, const std::string& src) {
    if (v.type != jval::array) throw error(src, "meta.json: '" + key + "' must be an array");
    std::vector<std::size_t> s;
    for (const auto& e : v.a) s.push_back(std::size_t(to_u64(e, key, src)));
    return s;
}

}  // namespace

std::string npy_record(const std::vector<std::size_t>& shape, const float* data, std::size_t n) {
    std::string o = npy_header_bytes(dtype::f4, shape);
    o.append(reinterpret_cast<const char*>(data), n * sizeof(float));  // little-endian host
    return o;
}

// Parses an in-memory NPY record into float32 values of the expected shape.
std::vector<float> parse_npy_record(const std::string& rec, const std::string& src,
                                    const std::string& entry) {
    const std::string where = entry;
    if (rec.size() < 10 || rec.compare(0, 6, "\x93NUMPY") != 0)
        throw error(src, "entry '" + where + "' is not an NPY record");
    const int major = (unsigned char)rec[6];
    std::size_t hlen, off;
    if (major == 1) hlen = get16(rec, 8), off = 10;
    else if (major == 2 || major == 3) hlen = get32(rec, 8), off = 12;
    else throw error(src, "entry '" + where + "': unsupported NPY version " + std::to_string(major));
    if (off + hlen > rec.size()) throw error(src, "entry '" + where + "': truncated NPY header");
    npy_header h = parse_npy_dict(rec.substr(off, hlen), src + ": " + where);
    const std::size_t n = h.count(), es = dtype_size(h.type), data = off + hlen;
    if (h.big_endian) throw error(src, "entry '" + where + "': big-endian data is not supported");
    if (rec.size() - data != n * es)
        throw error(src, "entry '" + where + "': NPY data has " + std::to_string(rec.size() - data) +
                             " bytes, expected " + std::to_string(n * es));
    std::vector<float> v(n);
    if (h.type == dtype::f4) std::memcpy(v.data(), rec.data() + data, n * 4);
    else if (h.type == dtype::f8)
        for (std::size_t i = 0; i < n; ++i) {
            double d;
            std::memcpy(&d, rec.data() + data + 8 * i, 8);
            v[i] = float(d);
        }
    else
        throw error(src, "entry '" + where + "': expected float32, got " + dtype_name(h.type));
    return v;
}


//-------------------------------------------------------------------------------- save and load
std::string model_bytes(const sequential& m, const model_meta& meta) {
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
            params += std::string(first ? "\n    " : ",\n    ") + "{\"entry\": " + jstr(entry) +
                      ", \"layer\": " + std::to_string(i) + ", \"spec\": " + jstr(m.at(i).spec()) +
                      ", \"shape\": " + jshape(p.shape) + "}";
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
    std::string extra = "{";
    for (std::size_t i = 0; i < meta.extra.size(); ++i)
        extra += (i ? ", " : "") + jstr(meta.extra[i].first) + ": " + jstr(meta.extra[i].second);
    extra += "}";
    std::string json = "{\n  \"format\": \"jetml-model\",\n  \"format_version\": " +
                       std::to_string(model_format_version) + ",\n  \"jetml_version\": " +
                       jstr(JETML_VERSION) + ",\n  \"arch\": " + jstr(m.arch()) +
                       ",\n  \"input_shape\": " + jshape(in_shape) + ",\n  \"input_layout\": " +
                       jstr(in.spatial ? "NCHW" : "ND") + ",\n  \"outputs\": " +
                       std::to_string(m.outputs()) + ",\n  \"loss\": " + jstr(meta.loss) +
                       ",\n  \"seed\": " + std::to_string(m.seed()) + ",\n  \"step\": " +
                       std::to_string(m.step()) + ",\n  \"epoch\": " + std::to_string(meta.epoch) +
                       ",\n  \"data_shape\": " + jshape(meta.data_shape) +
                       ",\n  \"preprocessing\": " + prep + ",\n  \"params\": " + params +
                       ",\n  \"extra\": " + extra + "\n}\n";
    entries.insert(entries.begin(), zip_entry{"meta.json", json});
    return zip_store(entries);
}

void save_model(const std::string& path, const sequential& m, const model_meta& meta) {
    const std::string bytes = model_bytes(m, meta);
    output out(path, true);
    out.write(bytes);
    out.commit();
}

sequential load_model(const std::string& path, model_meta* meta_out) {
    std::string bytes;
    input in(path);
    char buf[1 << 16];
    std::size_t n;
    while ((n = in.read(buf, sizeof buf)) > 0) bytes.append(buf, n);
    return model_from_bytes(bytes, in.name(), meta_out);
}

sequential model_from_bytes(const std::string& bytes, const std::string& src, model_meta* meta_out) {
    auto entries = zip_read(bytes, src);
    std::map<std::string, const std::string*> by_name;
    for (const auto& e : entries) by_name[e.name] = &e.data;
    auto it = by_name.find("meta.json");
    if (it == by_name.end()) throw error(src, "not a jetml model (no meta.json entry)");
    jparser jp{*it->second, src};
    jval root = jp.value();
    if (root.type != jval::object) throw error(src, "meta.json: not a JSON object");
    const jval* fmt = root.find("format");
    if (!fmt || fmt->type != jval::string || fmt->s != "jetml-model")
        throw error(src, "not a jetml model (meta.json has no \"format\": \"jetml-model\")");
    const std::uint64_t version = to_u64(need(root, "format_version", jval::number, src), "format_version", src);
    if (version > std::uint64_t(model_format_version))
        throw error(src, "model file format version " + std::to_string(version) +
                             " is newer than this jetml " + JETML_VERSION + " reads (up to " +
                             std::to_string(model_format_version) + "); use a newer jetml");
    if (version < 1)
        throw error(src, "model file format version " + std::to_string(version) + " is not supported");
    // format version 1: the only one so far; later versions add a conversion step here.
    model_meta meta;
    meta.format_version = int(version);
    if (const jval* v = root.find("jetml_version"); v && v->type == jval::string) meta.jetml_version = v->s;
    const std::string arch = need(root, "arch", jval::string, src).s;
    const std::string layout = need(root, "input_layout", jval::string, src).s;
    auto in_shape = to_shape(need(root, "input_shape", jval::array, src), "input_shape", src);
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
    const std::uint64_t seed = to_u64(need(root, "seed", jval::number, src), "seed", src);
    meta.loss = need(root, "loss", jval::string, src).s;
    meta.epoch = to_u64(need(root, "epoch", jval::number, src), "epoch", src);
    if (const jval* v = root.find("data_shape")) meta.data_shape = to_shape(*v, "data_shape", src);
    if (const jval* v = root.find("extra"); v && v->type == jval::object)
        for (const auto& kv : v->o)
            if (kv.second.type == jval::string) meta.extra.emplace_back(kv.first, kv.second.s);

    sequential m;
    try {
        m = sequential(arch, in, seed);
    } catch (const usage_error& e) {
        throw error(src, "bad architecture in meta.json: " + printable(e.what(), 300));
    }
    m.set_step(to_u64(need(root, "step", jval::number, src), "step", src));
    for (std::size_t i = 0; i < m.size(); ++i)
        for (auto& p : m.at(i).params()) {
            const std::string entry = std::to_string(i) + "." + p.name;
            auto e = by_name.find(entry + ".npy");
            if (e == by_name.end())
                throw error(src, "missing entry '" + entry + "' for layer " + std::to_string(i) + " '" +
                                     m.at(i).spec() + "'");
            auto v = parse_npy_record(*e->second, src, entry);
            if (v.size() != p.size())
                throw error(src, "entry '" + entry + "' has " + std::to_string(v.size()) +
                                     " values, layer '" + m.at(i).spec() + "' needs " +
                                     format_shape(p.shape));
            std::memcpy(p.value.data(), v.data(), v.size() * sizeof(float));
        }
    if (const jval* pr = root.find("preprocessing"); pr && pr->type == jval::object) {
        for (auto [key, dst] : {std::pair<const char*, std::vector<float>*>{"mean", &meta.prep_mean},
                                {"std", &meta.prep_std}}) {
            const jval& name = need(*pr, key, jval::string, src);
            auto e = by_name.find(name.s + ".npy");
            if (e == by_name.end()) throw error(src, "missing preprocessing entry '" + printable(name.s) + "'");
            *dst = parse_npy_record(*e->second, src, printable(name.s));
            if (dst->size() != in.size())
                throw error(src, "preprocessing entry '" + printable(name.s) + "' has " + std::to_string(dst->size()) +
                                     " values, the input has " + std::to_string(in.size()));
        }
    }
    if (meta_out) *meta_out = std::move(meta);
    return m;
}

}  // namespace jetml::nn
