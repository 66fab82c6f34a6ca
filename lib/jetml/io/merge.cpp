// SPDX-License-Identifier: MIT
// jetml/io/merge.cpp
#include "jetml/io/merge.hpp"

#include <memory>

#include "jetml/core/error.hpp"
#include "jetml/io/npy.hpp"

namespace jetml::io {

namespace {

/// Copies what is left of `in` to `out`; returns the byte count. `last` becomes the last byte
/// copied (unchanged if none); `newlines`, if not null, counts the '\n' bytes copied.
std::size_t copy_rest(input& in, output& out, char& last, std::size_t* newlines = nullptr) {
    std::vector<char> buf(std::size_t(1) << 20);
    std::size_t total = 0;
    while (std::size_t got = in.read(buf.data(), buf.size())) {
        out.write(buf.data(), got);
        last = buf[got - 1];
        total += got;
        if (newlines)
            for (std::size_t k = 0; k < got; ++k) *newlines += buf[k] == '\n';
    }
    return total;
}

std::vector<std::size_t> tail_of(const std::vector<std::size_t>& shape) {
    return std::vector<std::size_t>(shape.begin() + (shape.empty() ? 0 : 1), shape.end());
}

std::string shape_n(const std::vector<std::size_t>& tail) {
    std::string s = format_shape(tail);  // "(a, b)" -> "(N, a, b)"; "()" -> "(N,)"
    return tail.empty() ? "(N,)" : "(N, " + s.substr(1);
}

merge_result merge_npy(const std::vector<std::string>& inputs, output& out) {
    // pass 1: the headers, checked against the first file's
    npy_header first;
    std::size_t rows = 0;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        input in(inputs[i]);
        if (!is_npy(in, "NPY")) throw error(in.name(), "not an NPY file, but " + inputs[0] + " is; expected NPY");
        npy_reader r(in);
        const npy_header& h = r.header();
        if (h.big_endian) throw error(in.name(), "big-endian data; expected the little-endian NPY jetml writes");
        if (h.shape.empty()) throw error(in.name(), "a 0-d array has no rows to join; expected shape (N, ...)");
        if (i == 0) first = h;
        else if (h.type != first.type)
            throw error(in.name(), std::string("dtype ") + dtype_name(h.type) + " does not match " + inputs[0] + "'s " +
                                       dtype_name(first.type));
        else if (tail_of(h.shape) != tail_of(first.shape))
            throw error(in.name(), "shape " + format_shape(h.shape) + " does not match " + inputs[0] + "'s " +
                                       shape_n(tail_of(first.shape)));
        rows += h.shape[0];
    }
    // pass 2: one header, then every file's data bytes
    std::vector<std::size_t> shape = first.shape;
    shape[0] = rows;
    out.write(npy_header_bytes(first.type, shape));
    for (const auto& path : inputs) {
        input in(path);
        npy_reader r(in);
        const std::size_t want = r.header().count() * dtype_size(r.header().type);
        char last = 0;
        const std::size_t got = copy_rest(in, out, last);
        if (got < want)
            throw error(in.name(), "truncated NPY data: expected " + std::to_string(want) + " bytes for shape " +
                                       format_shape(r.header().shape) + ", got " + std::to_string(got));
        if (got > want)
            throw error(in.name(), std::to_string(got - want) + " bytes after the NPY data of shape " +
                                       format_shape(r.header().shape) + "; expected none");
    }
    return {true, rows};
}

merge_result merge_csv(const std::vector<std::string>& inputs, output& out) {
    std::string header;
    std::size_t rows = 0;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        input in(inputs[i]);
        if (in.peek(1).empty()) throw error(in.name(), "empty file; expected CSV with a header line");
        if (is_npy(in, "CSV")) throw error(in.name(), "an NPY file, but " + inputs[0] + " is CSV; expected CSV");
        std::string line;
        in.getline(line);
        if (i == 0) {
            header = line;
            out.write(header + "\n");
        } else if (line != header) {
            throw error(in.name(), "header '" + printable(line) + "' does not match " + inputs[0] + "'s '" +
                                       printable(header) + "'");
        }
        char last = '\n';
        copy_rest(in, out, last, &rows);
        if (last != '\n') throw error(in.name(), "the last line has no newline; expected a complete CSV file");
    }
    return {false, rows};
}

}  // namespace

merge_result merge_tables(const std::vector<std::string>& inputs, const std::string& out_path) {
    if (inputs.empty()) throw usage_error("no inputs to merge");
    for (const auto& p : inputs)
        if (p == "-") throw usage_error("inputs must be files: NPY headers are read before the data, so '-' cannot be one");
    bool npy = false;
    {
        input probe(inputs[0]);
        if (probe.peek(1).empty()) throw error(probe.name(), "empty file; expected NPY or CSV");
        npy = is_npy(probe);
    }
    output out(out_path, npy);
    const merge_result r = npy ? merge_npy(inputs, out) : merge_csv(inputs, out);
    out.commit();
    return r;
}

}  // namespace jetml::io
