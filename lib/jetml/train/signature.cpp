// SPDX-License-Identifier: MIT
// jetml/train/signature.cpp - the data digest and the fit signature's storage and comparison.
#include "jetml/train/signature.hpp"

#include <algorithm>
#include <cstring>

#include "jetml/core/error.hpp"
#include "jetml/version.hpp"

namespace jetml::train {

namespace {

// odd 64-bit constants with well-mixed bits (the golden ratio and three arbitrary primes)
constexpr std::uint64_t k0 = 0x9E3779B97F4A7C15ull, k1 = 0xC2B2AE3D27D4EB4Full, k2 = 0x165667B19E3779F9ull,
                        k3 = 0xD6E8FEB86659FD93ull;

inline std::uint64_t rotl(std::uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
inline std::uint64_t load64(const unsigned char* p) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
}
inline std::uint64_t lane_step(std::uint64_t acc, std::uint64_t w) { return rotl(acc ^ (w * k1), 29) * k0; }
// splitmix64's finaliser: every input bit moves about half of the output bits
inline std::uint64_t avalanche(std::uint64_t h) {
    h ^= h >> 30;
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 27;
    h *= 0x94D049BB133111EBull;
    return h ^ (h >> 31);
}

std::string hex64(std::uint64_t v) {
    static const char* d = "0123456789abcdef";
    std::string s(16, '0');
    for (int i = 15; i >= 0; --i, v >>= 4) s[std::size_t(i)] = d[v & 15];
    return s;
}

std::string quoted(const std::string& v) {
    if (v.empty()) return "''";
    return v.find(' ') == std::string::npos ? v : "'" + v + "'";
}

}  // namespace

digest64::digest64(std::uint64_t seed) {
    lane_[0] = seed + k0 + k1;
    lane_[1] = seed + k1;
    lane_[2] = seed;
    lane_[3] = seed - k0;
}

digest64& digest64::update(const void* data, std::size_t n) {
    if (n == 0) return *this;  // an empty vector's data() may be null: no memcpy from it
    auto p = static_cast<const unsigned char*>(data);
    total_ += n;
    if (buffered_) {
        const std::size_t take = std::min(n, sizeof buf_ - buffered_);
        std::memcpy(buf_ + buffered_, p, take);
        buffered_ += take, p += take, n -= take;
        if (buffered_ < sizeof buf_) return *this;
        for (int i = 0; i < 4; ++i) lane_[i] = lane_step(lane_[i], load64(buf_ + 8 * i));
        buffered_ = 0;
    }
    std::uint64_t a = lane_[0], b = lane_[1], c = lane_[2], d = lane_[3];
    for (; n >= 32; p += 32, n -= 32) {
        a = lane_step(a, load64(p));
        b = lane_step(b, load64(p + 8));
        c = lane_step(c, load64(p + 16));
        d = lane_step(d, load64(p + 24));
    }
    lane_[0] = a, lane_[1] = b, lane_[2] = c, lane_[3] = d;
    std::memcpy(buf_, p, n);
    buffered_ = n;
    return *this;
}

std::uint64_t digest64::value() const {
    std::uint64_t h = total_ * k2;
    for (int i = 0; i < 4; ++i) h = rotl(h ^ avalanche(lane_[i]), 27) * k0 + k3;
    std::size_t i = 0;
    for (; i + 8 <= buffered_; i += 8) h = rotl(h ^ avalanche(load64(buf_ + i)), 31) * k1;
    for (; i < buffered_; ++i) h = rotl(h ^ (std::uint64_t(buf_[i]) * k2), 11) * k0;
    return avalanche(h);
}

std::string digest64::hex() const { return hex64(value()); }

data_digest digest_data(const data::labelled_set& d) {
    data_digest r;
    digest64 in(1), lab(2), wt(3), side(4);
    in.update_u64(d.shape.size());
    for (auto s : d.shape) in.update_u64(s);
    in.update_u64(d.n).update(d.x.data(), d.x.size() * sizeof(float));
    lab.update(d.y.data(), d.y.size() * sizeof(float));
    wt.update(d.w.data(), d.w.size() * sizeof(float));
    side.update_u64(d.side.size());
    for (const auto& [name, v] : d.side)
        side.update_u64(name.size()).update(name).update_u64(v.size()).update(v.data(), v.size() * sizeof(float));
    r.inputs = in.hex(), r.labels = lab.hex(), r.weights = wt.hex(), r.side = side.hex();
    r.all = digest64(5).update(r.inputs).update(r.labels).update(r.weights).update(r.side).hex();
    return r;
}

void fit_signature::set(const std::string& key, const std::string& label, const std::string& value,
                        std::vector<std::pair<std::string, std::string>> parts) {
    std::string v = value;
    for (auto& c : v)
        if (c == '\n' || c == '\r') c = ' ';
    for (auto& f : fields_)
        if (f.key == key) {
            f.label = label, f.value = std::move(v), f.parts = std::move(parts);
            return;
        }
    fields_.push_back({key, label, std::move(v), std::move(parts)});
}

const signature_field* fit_signature::find(const std::string& key) const {
    for (const auto& f : fields_)
        if (f.key == key) return &f;
    return nullptr;
}

std::vector<std::pair<std::string, std::string>> fit_signature::state_keys() const {
    std::vector<std::pair<std::string, std::string>> kv;
    for (const auto& f : fields_) {
        kv.emplace_back("sig." + f.key, f.value);
        for (const auto& [p, v] : f.parts) kv.emplace_back("sig." + f.key + "." + p, v);
    }
    return kv;
}

fit_signature fit_signature::from_state_keys(const std::map<std::string, std::string>& kv) {
    fit_signature s;
    // std::map orders "sig.a" before "sig.a.part", so a field exists before its parts
    for (const auto& [k, v] : kv) {
        if (k.rfind("sig.", 0) != 0) continue;
        const std::string rest = k.substr(4);
        const auto dot = rest.find('.');
        if (dot == std::string::npos) {
            s.set(rest, rest, v);
        } else {
            for (auto& f : s.fields_)
                if (f.key == rest.substr(0, dot)) f.parts.emplace_back(rest.substr(dot + 1), v);
        }
    }
    return s;
}

std::vector<std::string> fit_signature::compare(const fit_signature& saved) const {
    std::vector<std::string> out;
    for (const auto& f : fields_) {
        const signature_field* o = saved.find(f.key);
        if (!o) {
            out.push_back(f.label + " (none) vs " + quoted(f.value));
            continue;
        }
        if (o->value == f.value) continue;
        std::string d = f.label + " " + quoted(o->value) + " vs " + quoted(f.value);
        std::string which;
        for (const auto& [p, v] : f.parts)
            for (const auto& [op, ov] : o->parts)
                if (op == p && ov != v) which += (which.empty() ? "" : ", ") + p;
        if (!which.empty()) d += " (" + which + " changed)";
        out.push_back(d);
    }
    for (const auto& o : saved.fields_)
        if (!find(o.key)) out.push_back(o.label + " " + quoted(o.value) + " vs (none)");
    return out;
}

std::vector<std::pair<std::string, std::string>> fit_signature::record() const {
    std::vector<std::pair<std::string, std::string>> r{{"jetml_version", JETML_VERSION}};
    for (const auto& f : fields_) {
        r.emplace_back(f.key, f.value);
        for (const auto& [p, v] : f.parts) r.emplace_back(f.key + "." + p, v);
    }
    return r;
}

}  // namespace jetml::train
