// SPDX-License-Identifier: MIT
// jetml/io/npy.cpp - NPY header parsing/writing and dtype conversion.
#include "jetml/io/npy.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <type_traits>

#include "jetml/core/error.hpp"

namespace jetml {

std::size_t dtype_size(dtype t) {
    switch (t) {
        case dtype::f4: return 4;
        case dtype::f8: return 8;
        case dtype::i1: case dtype::u1: case dtype::b1: return 1;
        case dtype::i2: case dtype::u2: return 2;
        case dtype::i4: case dtype::u4: return 4;
        case dtype::i8: case dtype::u8: return 8;
    }
    return 0;
}

const char* dtype_descr(dtype t) {
    switch (t) {
        case dtype::f4: return "<f4";
        case dtype::f8: return "<f8";
        case dtype::i1: return "|i1";
        case dtype::u1: return "|u1";
        case dtype::i2: return "<i2";
        case dtype::u2: return "<u2";
        case dtype::i4: return "<i4";
        case dtype::u4: return "<u4";
        case dtype::i8: return "<i8";
        case dtype::u8: return "<u8";
        case dtype::b1: return "|b1";
    }
    return "?";
}

const char* dtype_name(dtype t) {
    switch (t) {
        case dtype::f4: return "float32";
        case dtype::f8: return "float64";
        case dtype::i1: return "int8";
        case dtype::u1: return "uint8";
        case dtype::i2: return "int16";
        case dtype::u2: return "uint16";
        case dtype::i4: return "int32";
        case dtype::u4: return "uint32";
        case dtype::i8: return "int64";
        case dtype::u8: return "uint64";
        case dtype::b1: return "bool";
    }
    return "?";
}

std::string format_shape(const std::vector<std::size_t>& shape) {
    std::string s = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (i) s += ", ";
        s += std::to_string(shape[i]);
    }
    if (shape.size() == 1) s += ",";
    return s + ")";
}

std::size_t npy_header::count() const {
    std::size_t n = 1;
    for (auto d : shape) n *= d;
    return n;
}
std::size_t npy_header::rows() const { return shape.empty() ? 1 : shape[0]; }
std::size_t npy_header::row_elements() const {
    std::size_t n = 1;
    for (std::size_t i = 1; i < shape.size(); ++i) n *= shape[i];
    return n;
}

// ---------------------------------------------------------------- header parsing

namespace {

/// A tiny parser for the Python dict literal numpy writes: string keys; values are
/// strings, True/False, or tuples of integers.
struct dict_parser {
    const std::string& s;
    const std::string& source;
    std::size_t i = 0;

    [[noreturn]] void fail(const std::string& what) const {
        std::string_view h(s);
        while (!h.empty() && std::isspace(static_cast<unsigned char>(h.back()))) h.remove_suffix(1);
        throw error(source, "invalid NPY header: " + what + " (header: " + printable(h, 120) + ")");
    }
    void skip() {
        while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    }
    bool eat(char c) {
        skip();
        if (i < s.size() && s[i] == c) {
            ++i;
            return true;
        }
        return false;
    }
    void expect(char c) {
        if (!eat(c)) fail(std::string("expected '") + c + "'");
    }
    std::string str() {
        skip();
        if (i >= s.size() || (s[i] != '\'' && s[i] != '"')) fail("expected a quoted string");
        char q = s[i++];
        auto end = s.find(q, i);
        if (end == std::string::npos) fail("unterminated string");
        std::string out = s.substr(i, end - i);
        i = end + 1;
        return out;
    }
    bool boolean() {
        skip();
        if (s.compare(i, 4, "True") == 0) {
            i += 4;
            return true;
        }
        if (s.compare(i, 5, "False") == 0) {
            i += 5;
            return false;
        }
        fail("expected True or False");
    }
    std::vector<std::size_t> tuple() {
        std::vector<std::size_t> out;
        expect('(');
        for (;;) {
            if (eat(')')) break;
            skip();
            std::size_t start = i;
            while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
            if (i == start) fail("expected a non-negative integer in shape");
            std::size_t j = i;
            while (j < s.size() && s[j] == 'L') ++j;  // Python 2 longs
            std::size_t d = 0;
            for (std::size_t k = start; k < i; ++k) {
                std::size_t digit = static_cast<std::size_t>(s[k] - '0');
                if (d > (std::numeric_limits<std::size_t>::max() - digit) / 10)
                    fail("shape dimension " + s.substr(start, std::min<std::size_t>(i - start, 30)) +
                         (i - start > 30 ? "..." : "") + " is too large");
                d = d * 10 + digit;
            }
            out.push_back(d);
            i = j;
            if (eat(')')) break;
            expect(',');
        }
        return out;
    }
};

bool parse_descr(const std::string& d, dtype& t, bool& big, const std::string& source) {
    if (d.size() < 2) return false;
    char order = d[0];
    std::string code = d.substr(1);
    if (order != '<' && order != '>' && order != '|' && order != '=') code = d, order = '=';
    big = order == '>';
    static const struct { const char* code; dtype t; } table[] = {
        {"f4", dtype::f4}, {"f8", dtype::f8}, {"i1", dtype::i1}, {"u1", dtype::u1},
        {"i2", dtype::i2}, {"u2", dtype::u2}, {"i4", dtype::i4}, {"u4", dtype::u4},
        {"i8", dtype::i8}, {"u8", dtype::u8}, {"b1", dtype::b1}, {"?", dtype::b1}};
    for (auto& e : table) {
        if (code == e.code) {
            t = e.t;
            if (dtype_size(t) == 1) big = false;
            return true;
        }
    }
    (void)source;
    return false;
}

}  // namespace

npy_header parse_npy_dict(const std::string& dict, const std::string& source) {
    dict_parser p{dict, source};
    npy_header h;
    bool have_descr = false, have_order = false, have_shape = false, fortran = false;
    p.expect('{');
    for (;;) {
        if (p.eat('}')) break;
        std::string key = p.str();
        p.expect(':');
        if (key == "descr") {
            p.skip();
            if (p.i < dict.size() && dict[p.i] == '[')
                throw error(source, "structured (record) dtypes are not supported; expected a plain numeric array");
            std::string d = p.str();
            if (!parse_descr(d, h.type, h.big_endian, source))
                throw error(source, "unsupported NPY dtype '" + printable(d, 40) +
                                        "'; expected one of f4 f8 i1 u1 i2 u2 i4 u4 i8 u8 b1");
            have_descr = true;
        } else if (key == "fortran_order") {
            fortran = p.boolean();
            have_order = true;
        } else if (key == "shape") {
            h.shape = p.tuple();
            have_shape = true;
        } else {
            p.fail("unexpected key '" + printable(key, 40) + "'");
        }
        if (p.eat('}')) break;
        p.expect(',');
    }
    if (!have_descr || !have_order || !have_shape)
        p.fail("missing key (descr, fortran_order and shape are required)");
    std::size_t non_trivial = 0;
    for (auto d : h.shape) non_trivial += d > 1;
    if (fortran && non_trivial > 1)
        throw error(source, "Fortran-ordered NPY arrays are not supported; save with np.ascontiguousarray(a)");
    // the byte count must fit a signed 64-bit size (numpy's own limit), so that no size
    // computation below overflows
    std::size_t bytes = dtype_size(h.type);
    const auto limit = static_cast<std::size_t>(std::numeric_limits<std::ptrdiff_t>::max());
    bool empty = false;
    for (auto d : h.shape) empty = empty || d == 0;
    for (auto d : h.shape)
        if (!empty && d > limit / bytes)
            throw error(source, "NPY shape " + format_shape(h.shape) + " of " + dtype_name(h.type) +
                                    " is too large (more than 2^63 bytes)");
        else
            bytes *= d;
    return h;
}

std::string npy_header_bytes(dtype type, const std::vector<std::size_t>& shape) {
    std::string dict = std::string("{'descr': '") + dtype_descr(type) +
                       "', 'fortran_order': False, 'shape': " + format_shape(shape) + ", }";
    // numpy pads so that magic + version + length + dict + '\n' is a multiple of 64
    std::size_t total = 10 + dict.size() + 1;
    int major = 1;
    if (total + (64 - total % 64) % 64 - 10 > 65535) {
        major = 2;
        total = 12 + dict.size() + 1;
    }
    std::size_t pad = (64 - total % 64) % 64;
    dict.append(pad, ' ');
    dict.push_back('\n');
    std::string out("\x93NUMPY", 6);
    out.push_back(static_cast<char>(major));
    out.push_back(0);
    std::size_t len = dict.size();
    if (major == 1) {
        out.push_back(static_cast<char>(len & 0xff));
        out.push_back(static_cast<char>((len >> 8) & 0xff));
    } else {
        for (int k = 0; k < 4; ++k) out.push_back(static_cast<char>((len >> (8 * k)) & 0xff));
    }
    return out + dict;
}

// ---------------------------------------------------------------- conversion

namespace {

template <class Src, class Dst>
void convert_block(const char* raw, Dst* dst, std::size_t n, const std::string& source) {
    for (std::size_t k = 0; k < n; ++k) {
        Src v;
        std::memcpy(&v, raw + k * sizeof(Src), sizeof(Src));
        if constexpr (std::is_same_v<Dst, bool>) {
            dst[k] = v != Src(0);
        } else if constexpr (std::is_floating_point_v<Src> && std::is_integral_v<Dst>) {
            if (!(std::trunc(v) == v) || v < static_cast<Src>(std::numeric_limits<Dst>::lowest()) ||
                v > static_cast<Src>(std::numeric_limits<Dst>::max()))
                throw error(source, "value " + std::to_string(static_cast<double>(v)) + " at element " +
                                        std::to_string(k) + " is not an integer that fits " +
                                        dtype_name(dtype_of<Dst>()));
            dst[k] = static_cast<Dst>(v);
        } else if constexpr (std::is_integral_v<Src> && std::is_integral_v<Dst> &&
                             !std::is_same_v<Src, bool>) {
            bool bad = false;
            if constexpr (std::is_signed_v<Src> && !std::is_signed_v<Dst>) bad = v < 0;
            if (!bad && static_cast<long double>(v) > static_cast<long double>(std::numeric_limits<Dst>::max()))
                bad = true;
            if (!bad && static_cast<long double>(v) < static_cast<long double>(std::numeric_limits<Dst>::lowest()))
                bad = true;
            if (bad)
                throw error(source, "value " + std::to_string(v) + " does not fit " +
                                        dtype_name(dtype_of<Dst>()));
            dst[k] = static_cast<Dst>(v);
        } else {
            dst[k] = static_cast<Dst>(v);
        }
    }
}

template <class Dst>
void convert_from(dtype src, const char* raw, Dst* dst, std::size_t n, const std::string& source) {
    switch (src) {
        case dtype::f4: return convert_block<float>(raw, dst, n, source);
        case dtype::f8: return convert_block<double>(raw, dst, n, source);
        case dtype::i1: return convert_block<std::int8_t>(raw, dst, n, source);
        case dtype::u1: return convert_block<std::uint8_t>(raw, dst, n, source);
        case dtype::i2: return convert_block<std::int16_t>(raw, dst, n, source);
        case dtype::u2: return convert_block<std::uint16_t>(raw, dst, n, source);
        case dtype::i4: return convert_block<std::int32_t>(raw, dst, n, source);
        case dtype::u4: return convert_block<std::uint32_t>(raw, dst, n, source);
        case dtype::i8: return convert_block<std::int64_t>(raw, dst, n, source);
        case dtype::u8: return convert_block<std::uint64_t>(raw, dst, n, source);
        case dtype::b1: return convert_block<std::uint8_t>(raw, dst, n, source);
    }
}

/// Writes n values of T as dtype `to` into raw.
template <class T> void convert_to(dtype to, const T* src, char* raw, std::size_t n) {
    auto put = [&](auto tag) {
        using D = decltype(tag);
        for (std::size_t k = 0; k < n; ++k) {
            D v = static_cast<D>(src[k]);
            std::memcpy(raw + k * sizeof(D), &v, sizeof(D));
        }
    };
    switch (to) {
        case dtype::f4: return put(float{});
        case dtype::f8: return put(double{});
        case dtype::i1: return put(std::int8_t{});
        case dtype::u1: return put(std::uint8_t{});
        case dtype::i2: return put(std::int16_t{});
        case dtype::u2: return put(std::uint16_t{});
        case dtype::i4: return put(std::int32_t{});
        case dtype::u4: return put(std::uint32_t{});
        case dtype::i8: return put(std::int64_t{});
        case dtype::u8: return put(std::uint64_t{});
        case dtype::b1:
            for (std::size_t k = 0; k < n; ++k) raw[k] = src[k] != T(0);
            return;
    }
}

void byteswap(char* raw, std::size_t n, std::size_t size) {
    for (std::size_t k = 0; k < n; ++k) {
        char* p = raw + k * size;
        for (std::size_t a = 0, b = size - 1; a < b; ++a, --b) std::swap(p[a], p[b]);
    }
}

}  // namespace

// ---------------------------------------------------------------- reader

npy_reader::npy_reader(input& in) : in_(in) {
    const std::string_view head = in_.peek(4);
    if (head == std::string_view("PK\x03\x04", 4) || head == std::string_view("PK\x05\x06", 4))
        throw error(in_.name(), "this is a zip archive (an .npz model file?), expected an NPY file");
    unsigned char pre[8];
    std::size_t got = in_.read(pre, 8);
    if (got == 0) throw error(in_.name(), "empty input, expected an NPY file");
    if (got < 8 || std::memcmp(pre, "\x93NUMPY", 6) != 0)
        throw error(in_.name(), "not an NPY file (missing the \\x93NUMPY magic)");
    int major = pre[6];
    if (major < 1 || major > 3)
        throw error(in_.name(), "unsupported NPY format version " + std::to_string(major) + "." +
                                    std::to_string(pre[7]) + ", expected 1.0, 2.0 or 3.0");
    std::size_t len = 0;
    if (major == 1) {
        unsigned char l[2];
        in_.read_exact(l, 2, "NPY header");
        len = std::size_t(l[0]) | (std::size_t(l[1]) << 8);
    } else {
        unsigned char l[4];
        in_.read_exact(l, 4, "NPY header");
        len = std::size_t(l[0]) | (std::size_t(l[1]) << 8) | (std::size_t(l[2]) << 16) |
              (std::size_t(l[3]) << 24);
    }
    if (len > (std::size_t(1) << 24)) throw error(in_.name(), "NPY header length " + std::to_string(len) + " is implausible");
    std::string dict(len, '\0');
    in_.read_exact(dict.data(), len, "NPY header");
    header_ = parse_npy_dict(dict, in_.name());
    header_.major_version = major;
    rows_left_ = header_.rows();
    // a regular file must hold what its header claims: checked before anybody allocates for it
    // (a forged 4 KB header must not cost gigabytes); pipes fail as they run short
    const long long left = in_.bytes_left();
    const std::size_t claimed = header_.count() * dtype_size(header_.type);  // < 2^63 (parse_npy_dict)
    if (left >= 0 && claimed > static_cast<std::size_t>(left))
        throw error(in_.name(), "truncated NPY data: the header claims shape " + format_shape(header_.shape) + " of " +
                                    dtype_name(header_.type) + " (" + std::to_string(claimed) +
                                    " bytes) but the file holds " + std::to_string(left) + " bytes");
}

void npy_reader::batch_out_of_memory(std::size_t rows, std::size_t bytes) const {
    auto row = header_.shape;
    if (!row.empty()) row[0] = rows;
    throw error(in_.name(), "out of memory for a batch of " + std::to_string(rows) + " rows of shape " +
                                format_shape(row) + " (" + std::to_string(bytes) + " bytes); the header claims shape " +
                                format_shape(header_.shape));
}

void npy_reader::read_raw(void* dst, std::size_t rows) {
    std::size_t bytes = rows * header_.row_elements() * dtype_size(header_.type);
    if (bytes == 0) {  // rows of zero elements: nothing to read (and dst may be null)
        rows_left_ -= rows;
        return;
    }
    std::size_t got = in_.read(dst, bytes);
    if (got != bytes) {
        std::size_t total = header_.count() * dtype_size(header_.type);
        std::size_t done_before = (header_.rows() - tail_ - rows_left_) * header_.row_elements() * dtype_size(header_.type);
        throw error(in_.name(), "truncated NPY data: expected " + std::to_string(total) + " bytes for shape " +
                                    format_shape(header_.shape) + ", got " + std::to_string(done_before + got));
    }
    if (header_.big_endian) byteswap(static_cast<char*>(dst), rows * header_.row_elements(), dtype_size(header_.type));
    rows_left_ -= rows;
}

void npy_reader::select_rows(std::size_t begin, std::size_t end) {
    if (rows_left_ != header_.rows() || begin > end || end > rows_left_)
        throw std::logic_error("npy_reader::select_rows: rows outside the file, or called after reading");
    const std::size_t row_bytes = header_.row_elements() * dtype_size(header_.type);
    const std::size_t chunk = row_bytes ? std::max<std::size_t>(1, (std::size_t(1) << 20) / row_bytes) : begin;
    for (std::size_t left = begin; left > 0;) {
        const std::size_t r = std::min(chunk, left);
        staging_.resize(r * row_bytes);
        read_raw(staging_.data(), r);
        left -= r;
    }
    tail_ = rows_left_ - (end - begin);
    rows_left_ = end - begin;
}

template <class T> std::size_t npy_reader::read_rows(T* dst, std::size_t max_rows) {
    std::size_t rows = std::min(max_rows, rows_left_);
    if (rows == 0) return 0;
    std::size_t n = rows * header_.row_elements();
    if (header_.type == dtype_of<T>() && !std::is_same_v<T, bool>) {
        read_raw(dst, rows);
    } else {
        staging_.resize(n * dtype_size(header_.type));
        read_raw(staging_.data(), rows);
        convert_from(header_.type, staging_.data(), dst, n, in_.name());
    }
    return rows;
}

template <class T> std::vector<T> npy_reader::read_all() {
    const std::size_t n = rows_left_ * header_.row_elements();
    const std::size_t size = dtype_size(header_.type);
    // A header may promise more than the input holds: beyond 64 MiB, memory grows with the
    // data actually read, so a truncated (or forged) file fails with "truncated NPY data"
    // instead of one huge allocation up front.
    const std::size_t chunk = (std::size_t(64) << 20) / std::max(sizeof(T), size);
    std::vector<T> out;
    if (n <= chunk) {
        out.resize(n);
        read_rows(out.data(), rows_left_);
        return out;
    }
    std::vector<char> raw;
    for (std::size_t at = 0; at < n;) {
        std::size_t m = std::min(chunk, n - at);
        out.resize(at + m);
        const bool direct = header_.type == dtype_of<T>();
        if (!direct) raw.resize(m * size);
        char* dst = direct ? reinterpret_cast<char*>(out.data() + at) : raw.data();
        std::size_t got = in_.read(dst, m * size);
        if (got != m * size)
            throw error(in_.name(), "truncated NPY data: expected " + std::to_string(n * size) + " bytes for shape " +
                                        format_shape(header_.shape) + ", got " + std::to_string(at * size + got));
        if (header_.big_endian) byteswap(dst, m, size);
        if (!direct) convert_from(header_.type, raw.data(), out.data() + at, m, in_.name());
        at += m;
    }
    rows_left_ = 0;
    return out;
}

// ---------------------------------------------------------------- writer

npy_writer::npy_writer(output& out, dtype type, std::vector<std::size_t> shape)
    : out_(out), type_(type), shape_(std::move(shape)) {
    for (std::size_t i = 1; i < shape_.size(); ++i) row_elements_ *= shape_[i];
    out_.write(npy_header_bytes(type_, shape_));
}

template <class T> void npy_writer::write_rows(const T* src, std::size_t rows) {
    std::size_t expected = shape_.empty() ? 1 : shape_[0];
    if (written_ + rows > expected)
        throw error(out_.name(), "internal: more rows written than the NPY header promised");
    std::size_t n = rows * row_elements_;
    if (type_ == dtype_of<T>() && !std::is_same_v<T, bool>) {
        out_.write(src, n * sizeof(T));
    } else {
        staging_.resize(n * dtype_size(type_));
        convert_to(type_, src, staging_.data(), n);
        out_.write(staging_.data(), staging_.size());
    }
    written_ += rows;
}

void npy_writer::finish() {
    std::size_t expected = shape_.empty() ? 1 : shape_[0];
    if (written_ != expected)
        throw error(out_.name(), "internal: wrote " + std::to_string(written_) + " rows, the NPY header promised " +
                                     std::to_string(expected));
    out_.commit();
}

// ---------------------------------------------------------------- whole arrays

template <class T> ndarray<T> read_npy(input& in) {
    npy_reader r(in);
    ndarray<T> a;
    a.shape = r.header().shape;
    a.data = r.read_all<T>();
    return a;
}

template <class T> ndarray<T> load_npy(const std::string& path) {
    input in(path);
    return read_npy<T>(in);
}

template <class T>
void save_npy(const std::string& path, const std::vector<std::size_t>& shape, const T* data) {
    output out(path, true);
    npy_writer w(out, dtype_of<T>(), shape);
    w.write_rows(data, shape.empty() ? 1 : shape[0]);
    w.finish();
}

template <class T> void save_npy(const std::string& path, const ndarray<T>& a) {
    save_npy(path, a.shape, a.data.data());
}

#define JETML_NPY_INSTANTIATE(T)                                                         \
    template std::size_t npy_reader::read_rows<T>(T*, std::size_t);                      \
    template std::vector<T> npy_reader::read_all<T>();                                   \
    template void npy_writer::write_rows<T>(const T*, std::size_t);                      \
    template ndarray<T> read_npy<T>(input&);                                             \
    template ndarray<T> load_npy<T>(const std::string&);                                 \
    template void save_npy<T>(const std::string&, const ndarray<T>&);                    \
    template void save_npy<T>(const std::string&, const std::vector<std::size_t>&, const T*);
JETML_NPY_INSTANTIATE(float)
JETML_NPY_INSTANTIATE(double)
JETML_NPY_INSTANTIATE(std::int8_t)
JETML_NPY_INSTANTIATE(std::uint8_t)
JETML_NPY_INSTANTIATE(std::int16_t)
JETML_NPY_INSTANTIATE(std::uint16_t)
JETML_NPY_INSTANTIATE(std::int32_t)
JETML_NPY_INSTANTIATE(std::uint32_t)
JETML_NPY_INSTANTIATE(std::int64_t)
JETML_NPY_INSTANTIATE(std::uint64_t)
#undef JETML_NPY_INSTANTIATE

}  // namespace jetml
