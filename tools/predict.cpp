// SPDX-License-Identifier: MIT
// predict - applies a model file written by train to samples, streaming, and writes scores.
#include <memory>
#include <optional>

#include "jetml/core/cli.hpp"
#include "jetml/core/error.hpp"
#include "jetml/core/progress.hpp"
#include "jetml/data/dataset.hpp"
#include "jetml/data/dataset_cli.hpp"
#include "jetml/io/csv.hpp"
#include "jetml/io/npy.hpp"
#include "jetml/io/table.hpp"
#include "jetml/model/scorer.hpp"

namespace {
using jetml::error;
using jetml::usage_error;

const jetml::tool_info info{
    "predict",
    "predict - scores samples with a model written by train.\n"
    "Reads NPY (N, D), (N, H, W) or (N, C, H, W), or CSV with the model's feature columns, in batches\n"
    "(memory does not grow with N), applies the model's stored standardisation and writes one score per\n"
    "sample: float32 NPY (N,) or, for a .csv output, CSV with one named column. Scores are sigmoid(logit)\n"
    "in [0, 1] for models trained with bce (--logit writes the logit). Every model kind this build\n"
    "knows is scored the same way (sequential networks and Fisher discriminants); -v names the kind.",
    "  predict -m cnn.npz images.npy -o scores.npy\n"
    "  jetimg --preset deoliveira jets.npy | predict -m cnn.npz - | roc -l labels.npy -\n"
    "  predict -m dnn.npz features.csv --features mass,tau21 -o scores.csv --column dnn"};
}  // namespace

int main(int argc, char** argv) {
    return jetml::run_tool(info, argc, argv, [](jetml::tool& t) {
        std::string model_path, in_path = "-", out_path = "-", format, column = "score";
        jetml::data::dataset_options data;
        std::size_t batch = 1024;
        bool logit = false;
        t.app.add_option("-m,--model", model_path, "model file written by train")->required()->check(jetml::readable_or_dash);
        t.app.add_option("input", in_path, "samples: NPY or CSV; '-' = stdin")->capture_default_str();
        t.app.add_option("-o,--output", out_path, "scores; '-' = stdout; *.csv writes CSV")->capture_default_str();
        t.app.add_option("--format", format, "output format (npy or csv), overriding the extension")
            ->check(CLI::IsMember({"npy", "csv"}));
        jetml::data::add_dataset_options(t.app, data, jetml::data::dataset_parts::features);
        t.app.get_option("--features")->description("comma-separated CSV feature columns (default: the model's, if stored)");
        t.app.add_option("--column", column, "name of the score column in CSV output")->capture_default_str();
        t.app.add_option("--batch", batch, "samples per batch")->capture_default_str()->check(jetml::whole_number(1, 1u << 30));
        t.app.add_flag("--logit", logit, "write the raw model output (the logit) instead of sigmoid(output)");
        t.add_shard_option("samples");
        t.parse();
        format = jetml::format_from_extension(format, out_path, "npy");

        //-- model ----------------------------------------------------------------------------
        jetml::model::score_options so;
        so.raw = logit;
        auto model = jetml::model::load_scorer(model_path, so);
        if (model->outputs() != 1)
            throw error(model_path, "model has " + std::to_string(model->outputs()) + " outputs; predict writes one score per sample");
        t.info("model %s: kind %s: %s", model_path.c_str(), model->kind().c_str(), model->description().c_str());

        //-- input ----------------------------------------------------------------------------
        jetml::sample_stream in(in_path, data.features.empty() ? model->features() : data.feature_list(), true, t.shard);
        in.allow_missing(model->accepts_missing());
        jetml::model::check_sample_shape(*model, in.sample_shape(), in.name(), model_path);

        //-- stream ---------------------------------------------------------------------------
        jetml::output out(out_path, format == "npy");
        std::unique_ptr<jetml::io::npy_table> npy;  // CSV input: N known only at the end, rows spooled
        std::unique_ptr<jetml::csv_writer> csv;
        if (format == "npy")
            npy = std::make_unique<jetml::io::npy_table>(
                out, jetml::dtype::f4, std::vector<std::size_t>{},
                in.rows_hint() >= 0 ? std::optional<std::size_t>(in.rows_hint()) : std::nullopt);
        if (format == "csv") csv = std::make_unique<jetml::csv_writer>(out, std::vector<std::string>{column});
        model->reserve(batch);
        std::vector<float> x = in.batch_buffer(batch), z(batch);
        jetml::progress_bar bar(t.show_progress(), "predict", in.rows_hint() > 0 ? std::size_t(in.rows_hint()) : 0, "samples");
        while (std::size_t got = in.read(x.data(), batch)) {
            model->score(x.data(), got, z.data());
            if (npy) npy->write_rows(z.data(), got);
            else
                for (std::size_t i = 0; i < got; ++i) *csv << z[i], csv->end_row();
            bar.advance(got);
        }
        bar.finish();
        if (npy) npy->finish();
        else csv->finish();
    });
}
