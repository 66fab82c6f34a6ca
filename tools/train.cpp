// SPDX-License-Identifier: MIT
// train - trains a classifier (Fisher discriminant, dense net, CNN) on jet images or features.
#include <algorithm>
#include <cmath>

#include "jetml/core/cli.hpp"
#include "jetml/core/error.hpp"
#include "jetml/data/dataset.hpp"
#include "jetml/data/dataset_cli.hpp"
#include "jetml/data/labelled.hpp"
#include "jetml/data/split.hpp"
#include "jetml/io/csv.hpp"
#include "jetml/nn/loss.hpp"
#include "jetml/nn/optim.hpp"
#include "jetml/train/autoencoder_cli.hpp"
#include "jetml/train/fit.hpp"
#include "jetml/train/fit_cli.hpp"
#include "jetml/train/classifier.hpp"
#include "jetml/train/classifier_cli.hpp"
#include "jetml/trees/bdt_train.hpp"
#include "jetml/trees/booster_cli.hpp"

namespace {

using jetml::error;
using jetml::usage_error;
namespace nn = jetml::nn;
namespace data = jetml::data;
namespace train = jetml::train;

const jetml::tool_info info{
    "train",
    "train - trains a binary classifier on jet images or features and writes a model file.\n"
    "Inputs: NPY (N, D) features, (N, H, W) or (N, C, H, W) images, or CSV with --features columns.\n"
    "Labels: -l FILE (NPY or CSV --label-col), a CSV column of the input, or --signal/--background files.\n"
    "Models: --arch with a preset (wtag, deeptop, dnn, small, maxout, linear), a layer string such as\n"
    "'conv(8,4,same) relu maxpool(2) flatten dense(64) relu dense(1)', @FILE, 'fisher', or 'bdt' (boosted\n"
    "decision trees: --trees, --depth, --lr ...; NaN inputs are missing values).\n"
    "--autoencoder trains without labels on the samples of one class (anomaly scores: predict writes the\n"
    "reconstruction error): --arch ae-dense, ae-conv, vae-dense, vae-conv or a layer string.",
    "  train images.npy -l labels.npy --arch wtag --epochs 20 -o cnn.npz\n"
    "  train --signal w.npy --background qcd.npy --arch fisher -o fisher.npz\n"
    "  train features.csv --features mass,tau21 -l labels.npy --arch dnn -o dnn.npz\n"
    "  train features.csv --features mass,tau21 -l labels.npy --arch bdt --trees 200 -o bdt.npz\n"
    "  train images.npy -l labels.npy --arch wtag --checkpoint run.ckpt -o cnn.npz\n"
    "  train images.npy -l labels.npy --arch wtag --checkpoint run.ckpt -o cnn.npz --resume\n"
    "  train images.npy -l labels.npy --only-class 0 --autoencoder --arch ae-dense --epochs 5 -o ae.npz\n"
    "  train images.npy --autoencoder --arch vae-dense --loss sorted-mse --normalise sum --epochs 2 -o vae.npz"};

/// The --val samples and --val-labels (unit weights), checked against the training shape; NaN
/// values pass with allow_missing (trees).
data::labelled_set read_validation_data(const std::string& val_path, const std::string& val_labels,
                                        const std::vector<std::string>& feat, const std::vector<std::size_t>& shape,
                                        bool allow_missing) {
    data::labelled_set va;
    auto v = jetml::load_samples(val_path, feat, allow_missing);
    if (v.sample_shape != shape)
        throw error(val_path, "validation samples of shape " + jetml::format_shape(v.sample_shape) +
                                  " do not match the training samples " + jetml::format_shape(shape));
    va.shape = shape;
    va.size = v.sample_size();
    va.n = v.n;
    va.x = std::move(v.x);
    va.y = jetml::load_labels(val_labels, "");
    if (va.y.size() != va.n) throw error(val_labels, std::to_string(va.y.size()) + " labels for " + std::to_string(va.n) + " samples");
    va.w.assign(va.n, 1.0f);
    return va;
}

/// train --autoencoder: the samples (of one class) are the targets; the model kind is "autoencoder".
void train_autoencoder(jetml::tool& t, data::dataset_options& da, train::fit_options& f, train::autoencoder_cli& ae,
                      const std::string& arch, bool arch_given, const std::string& out_path, bool classifier_only) {
    if (classifier_only) throw usage_error("--side-col, --side and --shrinkage are not options of --autoencoder");
    if (f.class_weight != "none") throw usage_error("--class-weight weighs classes; --autoencoder learns one class");
    if (!t.app.count("--loss")) f.loss = "mse";
    f.check();
    ae.spec.loss = f.loss;
    ae.spec.arch = arch_given ? train::read_arch(arch) : "ae-dense";
    if (ae.spec.arch == "fisher" || ae.spec.arch == "bdt")
        throw usage_error("--arch " + ae.spec.arch + " is a classifier; --autoencoder takes ae-dense, ae-conv, "
                          "vae-dense, vae-conv or a layer string");
    ae.spec.check();
    const std::vector<std::string> feat = da.feature_list();
    data::labelled_set all = train::load_autoencoder_data(da, ae.only_class), tr, va;
    if (!f.val.empty()) {
        tr = std::move(all);
        data::dataset_options vd;
        vd.inputs = {f.val};
        vd.labels = f.val_labels;
        vd.features = da.features;
        va = train::load_autoencoder_data(vd, -1);
        if (va.shape != tr.shape)
            throw error(f.val, "validation samples of shape " + jetml::format_shape(va.shape) +
                                   " do not match the training samples " + jetml::format_shape(tr.shape));
    } else {
        auto parts = data::split(all, f.val_split, t.seed);
        tr = std::move(parts.train);
        va = std::move(parts.val);
    }
    if (tr.n == 0) throw error("no training samples left after the validation split");
    t.info("data: %zu training and %zu validation samples of shape %s", tr.n, va.n, jetml::format_shape(tr.shape).c_str());
    ae.spec.extra = {{"tool", "train"}};
    if (!feat.empty()) ae.spec.extra_after.push_back({"features", da.features});
    if (ae.only_class >= 0) ae.spec.extra_after.push_back({"only_class", std::to_string(ae.only_class)});
    train::fit_context ctx;
    ctx.t = &t;
    ctx.seed = t.seed;
    ctx.interrupt_checkpoint = out_path + ".ckpt";
    auto m = train::fit_autoencoder(ae.spec, std::move(tr), std::move(va), f, ctx);
    m.save(out_path);
    t.note("kept the autoencoder of epoch %zu (%s loss %.6g) in %s", m.result.best_epoch,
           m.result.validated ? "validation" : "training", m.result.best_loss, out_path.c_str());
}

}  // namespace

int main(int argc, char** argv) {
    return jetml::run_tool(info, argc, argv, [](jetml::tool& t) {
        data::dataset_options da;
        train::fit_options f;
        train::classifier_spec spec;
        std::string out_path, side_col, side_path;
        data::add_dataset_options(t.app, da, data::dataset_parts::training);
        t.app.add_option("-o,--output", out_path, "model file to write (NPZ)")->required();
        train::add_classifier_options(t.app, spec);
        jetml::trees::booster_options bo;
        jetml::trees::add_booster_options(t.app, bo);
        t.app.add_option("--side-col", side_col,
                         "side variable of a batch-level loss (--loss disco:LAMBDA): a column of the CSV input, "
                         "or of --side FILE");
        t.app.add_option("--side", side_path, "file with the side variable: NPY (N,) or CSV (with --side-col)");
        train::add_fit_options(t.app, f);
        train::autoencoder_cli ae;
        train::add_autoencoder_options(t.app, ae);
        t.parse();
        if (ae.on)
            return train_autoencoder(t, da, f, ae, spec.arch, t.app.count("--arch") > 0, out_path,
                                     !side_col.empty() || !side_path.empty() || t.app.count("--shrinkage"));
        if (ae.only_class >= 0 || t.app.count("--normalise"))
            throw usage_error("--only-class and --normalise are options of --autoencoder");

        //-- check options -----------------------------------------------------------------
        data::check_dataset_options(da);
        f.check();
        train::check_classifier_spec(spec);
        spec.arch = train::read_arch(spec.arch);
        const bool fisher = spec.arch == "fisher", bdt = spec.arch == "bdt";
        const auto bp = bdt ? jetml::trees::booster_from_options(bo, t.app, f.lr, f.patience, t.seed)
                            : jetml::trees::booster_params();
        if (!bdt)
            for (const auto& o : jetml::trees::given_booster_options(t.app))
                t.warn("%s is ignored because --arch is %s, not bdt", o.c_str(), spec.arch.c_str());
        if (bdt && (f.loss != "bce" || !side_col.empty() || !side_path.empty()))
            throw usage_error("--arch bdt boosts the log-loss (bce); it takes no --loss " + f.loss + " or --side-col/--side");
        if (bdt && (!f.checkpoint.empty() || f.resume)) throw usage_error("--arch bdt has no --checkpoint/--resume");
        da.allow_missing = bdt;
        std::shared_ptr<const nn::loss> loss = nn::make_loss(f.loss);
        if (loss->name() == "cce") throw usage_error("--loss cce needs one-hot targets; train does binary classification (bce or mse)");
        if (loss->name() == "llp") throw usage_error("--loss llp learns from bags of known signal fractions; train reads 0/1 labels");
        const bool use_side = !side_col.empty() || !side_path.empty();
        if (loss->side_columns() > 0 && !use_side)
            throw usage_error("--loss " + f.loss + " needs a side variable: give --side-col NAME or --side FILE");
        if (loss->side_columns() == 0 && use_side)
            throw usage_error("--side-col/--side are for a batch-level loss such as --loss disco:LAMBDA");
        if (use_side && fisher) throw usage_error("--arch fisher is a closed form; it takes no --side-col/--side");
        if (use_side && !f.val.empty())
            throw usage_error("--side-col/--side need the validation set from --val-split, not --val");
        const std::vector<std::string> feat = da.feature_list();

        //-- read, weight by class, split ----------------------------------------------------
        data::labelled_set all = data::load_labelled(da);
        if (use_side) {
            const std::string src = side_path.empty() ? (da.inputs.size() == 1 ? da.inputs[0] : "") : side_path;
            if (src.empty()) throw usage_error("--side-col without --side reads the side variable from the single CSV input");
            auto v = jetml::load_column(src, side_col);
            if (v.size() != all.n)
                throw error(src, std::to_string(v.size()) + " side values for " + std::to_string(all.n) + " samples");
            std::vector<float> c(v.begin(), v.end());
            for (std::size_t i = 0; i < all.n; ++i)
                if (!std::isfinite(c[i])) throw error(src, "side value at row " + std::to_string(i) + " is not finite");
            all.side.emplace_back(side_col.empty() ? "side" : side_col, std::move(c));
        }
        data::apply_class_weight(all, f.class_weight);
        data::labelled_set tr, va;
        if (!f.val.empty()) {
            tr = std::move(all);
            va = read_validation_data(f.val, f.val_labels, feat, tr.shape, bdt);
        } else {
            auto parts = data::split(all, f.val_split, t.seed);
            all = data::labelled_set();
            tr = std::move(parts.train);
            va = std::move(parts.val);
        }
        if (tr.n == 0) throw error("no training samples left after the validation split");
        t.info("data: %zu training and %zu validation samples of shape %s", tr.n, va.n,
               jetml::format_shape(tr.shape).c_str());

        if (bdt) {
            std::vector<std::pair<std::string, std::string>> extra{{"tool", "train"}};
            if (!feat.empty()) extra.push_back({"features", da.features});
            return jetml::trees::train_bdt(t, bp, tr, va, feat, out_path, extra);
        }

        //-- fit (standardisation stored in the model; Fisher or a network), write ------------
        spec.loss = loss;
        spec.extra = {{"tool", "train"}};
        if (!feat.empty()) spec.extra_after.push_back({"features", da.features});
        if (use_side) spec.extra_after.push_back({"side", side_col.empty() ? side_path : side_col});
        train::fit_context ctx;
        ctx.t = &t;
        ctx.seed = t.seed;
        ctx.interrupt_checkpoint = out_path + ".ckpt";
        auto c = train::fit_classifier(spec, std::move(tr), std::move(va), f, ctx);
        c.save(out_path);
        if (!fisher)
            t.note("kept the model of epoch %zu (%s loss %.5f) in %s", c.result.best_epoch,
                   c.result.validated ? "validation" : "training", c.result.best_loss, out_path.c_str());
    });
}
