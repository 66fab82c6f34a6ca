// SPDX-License-Identifier: MIT
// jetmerge - joins the outputs of `--shard K/N` jobs (NPY along axis 0, CSV under one header)
// into the bytes one job over the whole input writes.
#include "jetml/core/cli.hpp"
#include "jetml/io/merge.hpp"

namespace {
const jetml::tool_info info{
    "jetmerge",
    "jetmerge - concatenates NPY arrays (along axis 0) or CSV tables (one header) in the order given.\n"
    "Made for the outputs of jobs run with --shard 1/N ... N/N: joined in shard order they are byte for\n"
    "byte the output of one job over the whole input. NPY inputs must share dtype and the shape after\n"
    "axis 0; CSV inputs the header line. Exit status: 0 ok, 1 data error (the first mismatch, named),\n"
    "2 usage error.",
    "  jetmerge part-1.npy part-2.npy part-3.npy -o images.npy\n"
    "  jetmerge features-*.csv -o features.csv    # shell globs sort 1..9 before 10: name parts 01, 02, ...\n"
    "  for k in 1 2 3; do jetgen -n 3000 --shard $k/3 -o jets-$k.npy; done; jetmerge jets-?.npy -o jets.npy"};
}  // namespace

int main(int argc, char** argv) {
    return jetml::run_tool(info, argc, argv, [](jetml::tool& t) {
        std::vector<std::string> inputs;
        std::string out_path = "-";
        t.app.add_option("inputs", inputs, "NPY or CSV files, in order (not '-')")->required()->check(jetml::readable_or_dash);
        t.app.add_option("-o,--output", out_path, "joined file; '-' = stdout")->capture_default_str();
        t.parse();
        const auto r = jetml::io::merge_tables(inputs, out_path);
        t.info("%zu files, %zu rows of %s", inputs.size(), r.rows, r.npy ? "NPY" : "CSV");
    });
}
