// SPDX-License-Identifier: MIT
// jetml/io/json.cpp - a recursive-descent JSON parser with bounded nesting, and string/shape writers.
#include "jetml/io/json.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "jetml/core/error.hpp"

namespace jetml {

const json_value* json_value::find(const std::string& k) const {
    for (const auto& kv : o)
        if (kv.first == k) return &kv.second;
    return nullptr;
}

std::string json_quote(const std::string& s) {
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

std::string json_shape(const std::vector<std::size_t>& s) {
    std::string o = "[";
    for (std::size_t i = 0; i < s.size(); ++i) o += (i ? ", " : "") + std::to_string(s[i]);
    return o + "]";
}

namespace {

struct parser {
    const std::string& t;
    const std::string& src;
    const std::string& where;
    std::size_t i = 0;
    std::size_t depth = 0;
    [[noreturn]] void fail(const std::string& what) {
        throw error(src, where + ": " + what + " at offset " + std::to_string(i));
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
    json_value value() {
        ws();
        json_value v;
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
            v.type = json_value::object;
            if (eat('}')) return v;
            do {
                std::string k = str();
                if (!eat(':')) fail("expected ':'");
                v.o.emplace_back(k, value());
            } while (eat(','));
            if (!eat('}')) fail("expected '}'");
        } else if (c == '[') {
            ++i;
            v.type = json_value::array;
            if (eat(']')) return v;
            do v.a.push_back(value());
            while (eat(','));
            if (!eat(']')) fail("expected ']'");
        } else if (c == '"') {
            v.type = json_value::string;
            v.s = str();
        } else if (t.compare(i, 4, "null") == 0) {
            i += 4;
        } else if (t.compare(i, 4, "true") == 0) {
            i += 4, v.type = json_value::boolean, v.b = true;
        } else if (t.compare(i, 5, "false") == 0) {
            i += 5, v.type = json_value::boolean;
        } else {
            std::size_t b = i;
            while (i < t.size() && (std::isdigit((unsigned char)t[i]) || std::strchr("+-.eE", t[i]))) ++i;
            if (b == i) fail("unexpected character");
            v.type = json_value::number;
            v.s = t.substr(b, i - b);
        }
        return v;
    }
};

}  // namespace

json_value parse_json(const std::string& text, const std::string& src, const std::string& where) {
    parser p{text, src, where};
    return p.value();
}

std::string json_number(double v) {
    if (!std::isfinite(v)) return "null";
    char b[40];
    std::snprintf(b, sizeof b, "%.17g", v);
    return b;
}

std::string json_strings(const std::vector<std::string>& v) {
    std::string s = "[";
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + json_quote(v[i]);
    return s + "]";
}

std::string json_numbers(const std::vector<double>& v) {
    std::string s = "[";
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + json_number(v[i]);
    return s + "]";
}

std::string json_string_object(const std::vector<std::pair<std::string, std::string>>& kv) {
    std::string s = "{";
    for (std::size_t i = 0; i < kv.size(); ++i) s += (i ? ", " : "") + json_quote(kv[i].first) + ": " + json_quote(kv[i].second);
    return s + "}";
}

}  // namespace jetml
