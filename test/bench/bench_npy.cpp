// SPDX-License-Identifier: MIT
// bench_npy: streams an NPY array from stdin to stdout through jetml's reader and writer in
// batches (what a jetimg/predict-style tool does around its work). `make bench` compares its
// throughput through a pipe with cat's. Usage: bench_npy [BATCH_ROWS] < in.npy > out.npy
#include <cstdlib>
#include <vector>

#include "jetml/core/cli.hpp"
#include "jetml/core/error.hpp"
#include "jetml/io/npy.hpp"

int main(int argc, char** argv) {
    return jetml::run_tool({"bench_npy", "stream NPY stdin -> stdout", ""}, argc, argv, [](jetml::tool& t) {
        std::size_t batch = 1024;
        t.app.add_option("batch", batch, "rows per batch");
        t.parse();
        jetml::input in("-");
        jetml::npy_reader r(in);
        jetml::output out("-", true);
        jetml::npy_writer w(out, r.header().type, r.header().shape);
        std::vector<float> buf(batch * r.header().row_elements());
        if (r.header().type != jetml::dtype::f4) throw jetml::error("bench_npy expects float32 input");
        while (std::size_t got = r.read_rows(buf.data(), batch)) w.write_rows(buf.data(), got);
        w.finish();
    });
}
