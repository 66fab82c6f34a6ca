// SPDX-License-Identifier: MIT
// jetml/io/json.hpp - the small JSON reader and writer helpers behind model files' meta.json.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace jetml {

/// One parsed JSON value. Numbers keep their text (s), so integers of any size reach the
/// caller unchanged; objects keep their keys in file order.
struct json_value {
    enum kind { null, boolean, number, string, array, object } type = null;
    std::string s;                                        ///< number text or string value
    bool b = false;                                       ///< boolean value
    std::vector<json_value> a;                            ///< array elements
    std::vector<std::pair<std::string, json_value>> o;    ///< object members in file order
    /// The first member named `key` of an object, or null.
    const json_value* find(const std::string& key) const;
};

/// Parses one JSON value from `text`. Errors are jetml::error "<src>: <where>: <what> at offset
/// <i>" (e.g. "m.npz: meta.json: expected ':' at offset 17"); arrays and objects nest at most 64
/// levels, so a hostile file cannot overflow the stack. \u escapes below U+10000 only.
json_value parse_json(const std::string& text, const std::string& src, const std::string& where);

/// `s` as a JSON string literal, with quotes, backslashes and control characters escaped.
std::string json_quote(const std::string& s);
/// A shape as a JSON array of integers, "[2, 6, 5]".
std::string json_shape(const std::vector<std::size_t>& s);
/// A number printed round-trip ("%.17g"); NaN and infinities, which JSON lacks, as null.
std::string json_number(double v);
/// Strings as a JSON array, "[\"a\", \"b\"]".
std::string json_strings(const std::vector<std::string>& v);
/// Numbers as a JSON array, each printed by json_number.
std::string json_numbers(const std::vector<double>& v);
/// (key, string value) pairs as a JSON object, "{\"k\": \"v\", ...}" (a model file's "extra").
std::string json_string_object(const std::vector<std::pair<std::string, std::string>>& kv);

}  // namespace jetml
