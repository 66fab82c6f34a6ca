// SPDX-License-Identifier: MIT
// predict - applies a model file written by train to samples, streaming, and writes scores.
#include <cmath>
#include <memory>

#include "jetml/core/cli.hpp"
#include "jetml/io/csv.hpp"
#include "jetml/data/dataset.hpp"
#include "jetml/core/error.hpp"
#include "jetml/nn/model.hpp"
#include "jetml/nn/model_io.hpp"
#include "jetml/io/npy.hpp"
#include "jetml/core/progress.hpp"

namespace {
using jetml::error;
using jetml::usage_error;
namespace nn = jetml::nn;

const jetml::tool_info info{
    "predict",
    "predict - scores samples with a model written by train.\n"
    "Reads NPY (N, D), (N, H, W) or (N, C, H, W), or CSV with the model's feature columns, in batches\n"
    "(memory does not grow with N), applies the model's stored standardisation and writes one score per\n"
    "sample: float32 NPY (N,) or, for a .csv output, CSV with one named column. Scores are sigmoid(logit)\n"
    "in [0, 1] for models trained with bce (--logit writes the logit).",
    "  predict -m cnn.npz images.npy -o scores.npy\n"
    "  jetimg jets.npy | predict -m cnn.npz - | roc -l labels.npy -\n"
    "  predict -m dnn.npz features.csv --features mass,tau21 -o scores.csv --column dnn"};

float sigmoid(float z) { return z >= 0 ? 1.0f / (1.0f + std::exp(-z)) : std::exp(z) / (1.0f + std::exp(z)); }
}  // namespace

int main(int argc, char** argv) {
    return jetml::run_tool(info, argc, argv, [](jetml::tool& t) {
        std::string model_path, in_path = "-", out_path = "-", features, format, column = "score";
        std::size_t batch = 1024;
        bool logit = false;
        t.app.add_option("-m,--model", model_path, "model file written by train")->required()->check(jetml::readable_or_dash);
        t.app.add_option("input", in_path, "samples: NPY or CSV; '-' = stdin")->capture_default_str();
        t.app.add_option("-o,--output", out_path, "scores; '-' = stdout; *.csv writes CSV")->capture_default_str();
        t.app.add_option("--format", format, "output format (npy or csv), overriding the extension")
            ->check(CLI::IsMember({"npy", "csv"}));
        t.app.add_option("--features", features, "comma-separated CSV feature columns (default: the model's, if stored)");
        t.app.add_option("--column", column, "name of the score column in CSV output")->capture_default_str();
        t.app.add_option("--batch", batch, "samples per batch")->capture_default_str()->check(CLI::PositiveNumber);
        t.app.add_flag("--logit", logit, "write the raw network output instead of sigmoid(output)");
        t.parse();
        if (format.empty()) format = jetml::extension(out_path) == "csv" ? "csv" : "npy";

        //-- model ----------------------------------------------------------------------------
        nn::model_meta meta;
        nn::sequential model = nn::load_model(model_path, &meta);
        if (model.outputs() != 1)
            throw error(model_path, "model has " + std::to_string(model.outputs()) + " outputs; predict writes one score per sample");
        const bool squash = !logit && meta.loss == "bce";
        if (features.empty()) features = meta.get("features");
        t.info("model %s: %s, input %s, trained %llu epochs", model_path.c_str(), model.arch().c_str(),
               model.input_shape().str().c_str(), static_cast<unsigned long long>(meta.epoch));

        //-- input ----------------------------------------------------------------------------
        jetml::sample_stream in(in_path, jetml::split_list(features), true);
        const auto& s = in.sample_shape();
        const nn::tshape& want = model.input_shape();
        bool ok = want.spatial ? (s.size() == 3 && s[0] == want.c && s[1] == want.h && s[2] == want.w)
                               : (s.size() == 1 && s[0] == want.size());
        if (!ok) {
            auto with_n = [](std::vector<std::size_t> v) {
                v.insert(v.begin(), 0);
                std::string f = jetml::format_shape(v);
                return "(N" + f.substr(2);
            };
            std::vector<std::size_t> w = want.spatial ? std::vector<std::size_t>{want.c, want.h, want.w}
                                                      : std::vector<std::size_t>{want.size()};
            // (N, M, 4) is how jetgen and subjet's inputs hold jet constituents
            const bool constituents = want.spatial && s.size() == 3 && s[0] == 1 && s[2] == 4;
            throw error(in.name(), "model " + model_path + " expects samples of shape " + with_n(w) + ", got " +
                                       (constituents ? "(N, " + std::to_string(s[1]) + ", 4): jet constituents; make images with jetimg first"
                                                     : with_n(s)));
        }
        const std::size_t d = in.sample_size();
        if (!meta.prep_mean.empty() && (meta.prep_mean.size() != d || meta.prep_std.size() != d))
            throw error(model_path, "stored standardisation does not match the model input");

        //-- stream ---------------------------------------------------------------------------
        jetml::output out(out_path, format == "npy");
        std::unique_ptr<jetml::npy_writer> npy;
        std::unique_ptr<jetml::csv_writer> csv;
        std::vector<float> held;  // NPY output of CSV input: the row count is known only at the end
        if (format == "npy" && in.rows_hint() >= 0)
            npy = std::make_unique<jetml::npy_writer>(out, jetml::dtype::f4,
                                                      std::vector<std::size_t>{static_cast<std::size_t>(in.rows_hint())});
        if (format == "csv") csv = std::make_unique<jetml::csv_writer>(out, std::vector<std::string>{column});
        model.reserve(batch);
        std::vector<float> x(batch * d), z(batch);
        jetml::progress_bar bar(t.show_progress(), "predict", in.rows_hint() > 0 ? std::size_t(in.rows_hint()) : 0, "samples");
        while (std::size_t got = in.read(x.data(), batch)) {
            if (!meta.prep_mean.empty())
                for (std::size_t i = 0; i < got; ++i)
                    for (std::size_t j = 0; j < d; ++j)
                        x[i * d + j] = (x[i * d + j] - meta.prep_mean[j]) / meta.prep_std[j];
            model.predict(x.data(), got, z.data(), batch);
            if (squash)
                for (std::size_t i = 0; i < got; ++i) z[i] = sigmoid(z[i]);
            if (npy) npy->write_rows(z.data(), got);
            else if (csv)
                for (std::size_t i = 0; i < got; ++i) *csv << z[i], csv->end_row();
            else held.insert(held.end(), z.begin(), z.begin() + static_cast<std::ptrdiff_t>(got));
            bar.advance(got);
        }
        bar.finish();
        if (npy) npy->finish();
        else if (csv) csv->finish();
        else {
            jetml::npy_writer w(out, jetml::dtype::f4, {held.size()});
            w.write_rows(held.data(), held.size());
            w.finish();
        }
    });
}
