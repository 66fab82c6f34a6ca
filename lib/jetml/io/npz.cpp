// SPDX-License-Identifier: MIT
// jetml/io/npz.cpp - a stored-zip writer/reader with CRC-32 checks, and NPY records through jetml/npy.
#include "jetml/io/npz.hpp"

#include <array>
#include <cstdint>
#include <cmath>
#include <cstring>

#include "jetml/core/error.hpp"
#include "jetml/io/npy.hpp"

namespace jetml {

//------------------------------------------------------------------------------------------ zip
namespace {

std::uint32_t crc32(const std::string& s) {
    // the table is built once, thread-safely (a function-local static)
    static const auto table = [] {
        std::array<std::uint32_t, 256> t{};
        for (std::uint32_t i = 0; i < 256; ++i) {
            std::uint32_t c = i;
            for (int k = 0; k < 8; ++k) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        return t;
    }();
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
    if (h.type == dtype::f4) {
        if (n) std::memcpy(v.data(), rec.data() + data, n * 4);  // an empty vector's data() may be null
    } else if (h.type == dtype::f8)
        for (std::size_t i = 0; i < n; ++i) {
            double d;
            std::memcpy(&d, rec.data() + data + 8 * i, 8);
            v[i] = float(d);
        }
    else
        throw error(src, "entry '" + where + "': expected float32, got " + dtype_name(h.type));
    // a NaN or infinite weight would score every sample NaN (or saturate it) without a word
    for (std::size_t i = 0; i < n; ++i)
        if (!std::isfinite(v[i]))
            throw error(src, "weight '" + where + "' holds " + (std::isnan(v[i]) ? "NaN" : v[i] > 0 ? "inf" : "-inf") +
                                 " at index " + std::to_string(i) + "; expected finite values");
    return v;
}

}  // namespace jetml
