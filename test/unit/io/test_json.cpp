// SPDX-License-Identifier: MIT
// Unit tests of jetml/io/json: the parser behind meta.json and the writer helpers.
#include <doctest/doctest.h>

#include <string>

#include "jetml/core/error.hpp"
#include "jetml/io/json.hpp"

using jetml::json_value;
using jetml::parse_json;

TEST_CASE("json: parses objects, arrays, strings, numbers as text, booleans and null") {
    auto v = parse_json(R"( {"a": [1, -2.5e3, 18446744073709551616], "b": {"c": "x\ny\u00e9\"", "d": true},
                            "e": null, "f": false, "a": "second"} )",
                        "m.npz", "meta.json");
    REQUIRE(v.type == json_value::object);
    REQUIRE(v.o.size() == 5);
    const json_value* a = v.find("a");  // the first of two equal keys
    REQUIRE(a);
    REQUIRE(a->type == json_value::array);
    CHECK(a->a[0].s == "1");
    CHECK(a->a[1].s == "-2.5e3");
    CHECK(a->a[2].s == "18446744073709551616");  // kept as text: no rounding through double
    const json_value* c = v.find("b")->find("c");
    REQUIRE(c);
    CHECK(c->s == "x\ny\xc3\xa9\"");
    CHECK(v.find("b")->find("d")->b);
    CHECK(v.find("e")->type == json_value::null);
    CHECK(v.find("f")->type == json_value::boolean);
    CHECK_FALSE(v.find("f")->b);
    CHECK(v.find("zz") == nullptr);
}

TEST_CASE("json: errors say where, what and the offset") {
    CHECK_THROWS_WITH_AS(parse_json("{\"a\" 1}", "m.npz", "meta.json"), "m.npz: meta.json: expected ':' at offset 5",
                         jetml::error);
    CHECK_THROWS_WITH_AS(parse_json("\"abc", "m.npz", "meta.json"), "m.npz: meta.json: unterminated string at offset 4",
                         jetml::error);
    CHECK_THROWS_WITH_AS(parse_json("[1, @]", "s", "w"), "s: w: unexpected character at offset 4", jetml::error);
    CHECK_THROWS_WITH_AS(parse_json("", "s", "w"), "s: w: unexpected end at offset 0", jetml::error);
    CHECK_THROWS_WITH_AS(parse_json(std::string(65, '['), "s", "w"), doctest::Contains("nesting deeper than 64 levels"),
                         jetml::error);
    CHECK_NOTHROW(parse_json(std::string(64, '[') + std::string(64, ']'), "s", "w"));
}

TEST_CASE("json: json_quote escapes what the parser reads back; json_shape writes integer arrays") {
    const std::string s = std::string("quote \" backslash \\ tab \t newline \n bell \x07 end");
    const std::string q = jetml::json_quote(s);
    CHECK(q.find('\n') == std::string::npos);
    CHECK(q.find("\\u0007") != std::string::npos);
    CHECK(parse_json(q, "s", "w").s == s);
    CHECK(jetml::json_shape({2, 6, 5}) == "[2, 6, 5]");
    CHECK(jetml::json_shape({}) == "[]");
}
