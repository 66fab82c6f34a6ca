// SPDX-License-Identifier: MIT
// train - trains a classifier (Fisher discriminant, dense net, CNN) on jet images or features.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstring>
#include <fstream>
#include <map>
#include <numeric>
#include <optional>
#include <sstream>

#include "jetml/core/cli.hpp"
#include "jetml/io/csv.hpp"
#include "jetml/data/dataset.hpp"
#include "jetml/core/error.hpp"
#include "jetml/stats/metrics.hpp"
#include "jetml/nn/arch.hpp"
#include "jetml/nn/fisher.hpp"
#include "jetml/nn/loss.hpp"
#include "jetml/nn/model.hpp"
#include "jetml/nn/model_io.hpp"
#include "jetml/nn/optim.hpp"
#include "jetml/core/progress.hpp"
#include "jetml/core/rng.hpp"
#include "jetml/version.hpp"

namespace {

using jetml::error;
using jetml::usage_error;
namespace nn = jetml::nn;

const jetml::tool_info info{
    "train",
    "train - trains a binary classifier on jet images or features and writes a model file.\n"
    "Inputs: NPY (N, D) features, (N, H, W) or (N, C, H, W) images, or CSV with --features columns.\n"
    "Labels: -l FILE (NPY or CSV --label-col), a CSV column of the input, or --signal/--background files.\n"
    "Models: --arch with a preset (wtag, deeptop, dnn, small, maxout, linear), a layer string such as\n"
    "'conv(8,4,same) relu maxpool(2) flatten dense(64) relu dense(1)', @FILE, or 'fisher'.",
    "  train images.npy -l labels.npy --arch wtag --epochs 20 -o cnn.npz\n"
    "  train --signal w.npy --background qcd.npy --arch fisher -o fisher.npz\n"
    "  train features.csv --features mass,tau21 --label-col label --arch dnn -o dnn.npz\n"
    "  train images.npy -l labels.npy --arch wtag --checkpoint run.ckpt   # resume with --resume"};

std::atomic<int> g_signal{0};
extern "C" void on_signal(int s) { g_signal.store(s); }

/// Training data in memory: x (n, sample) with labels y and weights w.
struct data {
    std::vector<std::size_t> shape;
    std::vector<float> x, y, w;
    std::size_t n = 0, size = 0;
};

nn::tshape to_tshape(const std::vector<std::size_t>& s) {
    return s.size() == 1 ? nn::tshape::vec(s[0]) : nn::tshape::image(s[0], s[1], s[2]);
}

void append(data& d, const jetml::sample_set& s, const std::string& name) {
    if (d.n == 0) d.shape = s.sample_shape, d.size = s.sample_size();
    else if (d.shape != s.sample_shape)
        throw error(name, "samples of shape " + jetml::format_shape(s.sample_shape) + " do not match the earlier " +
                              jetml::format_shape(d.shape));
    d.x.insert(d.x.end(), s.x.begin(), s.x.end());
    d.n += s.n;
}

/// Everything a resumed run needs to continue exactly where the checkpoint was taken.
struct train_state {
    std::size_t next_epoch = 0, best_epoch = 0, bad_epochs = 0;
    double best_loss = INFINITY;
    std::uint64_t opt_steps = 0;
    std::string signature;  // options and data that must match on --resume
};

using snapshot = std::vector<std::vector<float>>;
snapshot take_snapshot(nn::sequential& m) {
    snapshot s;
    for (auto* p : m.parameters()) s.emplace_back(p->value.begin(), p->value.end());
    return s;
}
void restore(nn::sequential& m, const snapshot& s) {
    auto ps = m.parameters();
    for (std::size_t i = 0; i < ps.size(); ++i) std::copy(s[i].begin(), s[i].end(), ps[i]->value.begin());
}

std::string checkpoint_bytes(nn::sequential& m, const snapshot& best, nn::optimizer& opt,
                             const nn::model_meta& meta, const train_state& st) {
    std::string current = nn::model_bytes(m, meta);
    snapshot cur = take_snapshot(m);
    restore(m, best);
    std::string best_bytes = nn::model_bytes(m, meta);
    restore(m, cur);
    std::vector<float> ms;
    for (auto& b : opt.state_m()) ms.insert(ms.end(), b.begin(), b.end());
    for (auto& b : opt.state_v()) ms.insert(ms.end(), b.begin(), b.end());
    std::ostringstream s;
    s << "format=jetml-checkpoint\nversion=1\nnext_epoch=" << st.next_epoch << "\nbest_epoch=" << st.best_epoch
      << "\nbad_epochs=" << st.bad_epochs << "\nbest_loss=" << jetml::format_double(st.best_loss)
      << "\nopt_steps=" << opt.steps() << "\nsignature=" << st.signature << "\n";
    return nn::zip_store({{"state.txt", s.str()},
                          {"model.npz", current},
                          {"best.npz", best_bytes},
                          {"optimizer.npy", nn::npy_record({ms.size()}, ms.data(), ms.size())}});
}

void write_file(const std::string& path, const std::string& bytes) {
    jetml::output out(path, true);
    out.write(bytes);
    out.commit();
}

std::string signature_of(const std::string& arch, const data& d, std::uint64_t seed, std::size_t batch, double lr,
                         const std::string& optim, double val) {
    std::ostringstream s;
    s << "arch:" << arch << ";shape:" << jetml::format_shape(d.shape) << ";n:" << d.n << ";seed:" << seed
      << ";batch:" << batch << ";lr:" << lr << ";optim:" << optim << ";val:" << val;
    std::string r = s.str();
    for (auto& c : r)
        if (c == '\n') c = ' ';
    return r;
}

}  // namespace

int main(int argc, char** argv) {
    return jetml::run_tool(info, argc, argv, [](jetml::tool& t) {
        std::vector<std::string> inputs;
        std::string labels_path, label_col, weights_path, weight_col, features, signal, background, out_path;
        std::string val_path, val_labels, arch = "dnn", optim = "adam", schedule = "constant", standardize = "auto";
        std::string class_weight = "none", checkpoint, loss_name = "bce";
        double val_split = 0.2, lr = 1e-3, weight_decay = 0, momentum = 0.9;
        std::vector<double> shrinkages{1e-3};
        std::size_t epochs = 20, batch = 128, patience = 5;
        bool resume = false;
        t.app.add_option("inputs", inputs, "training samples: NPY or CSV; '-' = stdin");
        t.app.add_option("-o,--output", out_path, "model file to write (NPZ)")->required();
        t.app.add_option("-l,--labels", labels_path, "labels 0/1: NPY (N,) or CSV (with --label-col)");
        t.app.add_option("--label-col", label_col, "label column of a CSV labels file, or of the CSV input itself");
        t.app.add_option("--signal", signal, "signal samples (label 1), instead of inputs + labels");
        t.app.add_option("--background", background, "background samples (label 0)");
        t.app.add_option("--features", features, "comma-separated CSV feature columns");
        t.app.add_option("-w,--weights", weights_path, "per-event weights: NPY (N,) or CSV (with --weight-col)");
        t.app.add_option("--weight-col", weight_col, "weight column of a CSV weights file or of the CSV input");
        t.app.add_option("--class-weight", class_weight,
                         "none, balanced (equal total weight per class) or S:B (multiply signal by S, background by B)")
            ->capture_default_str();
        t.app.add_option("--arch", arch, "architecture: preset name, layer string, @FILE, or fisher")->capture_default_str();
        t.app.add_option("--shrinkage", shrinkages,
                         "Fisher: covariance shrinkage towards the identity, in [0, 1]; a comma list keeps "
                         "the value with the best validation AUC")
            ->delimiter(',')->capture_default_str();
        t.app.add_option("--epochs", epochs, "maximum number of epochs")->capture_default_str();
        t.app.add_option("--batch", batch, "mini-batch size")->capture_default_str()->check(CLI::PositiveNumber);
        t.app.add_option("--lr", lr, "learning rate")->capture_default_str();
        t.app.add_option("--optimizer", optim, "sgd, adam or adamw")->capture_default_str();
        t.app.add_option("--momentum", momentum, "SGD momentum")->capture_default_str();
        t.app.add_option("--weight-decay", weight_decay, "L2 weight decay (decoupled for adamw)")->capture_default_str();
        t.app.add_option("--schedule", schedule, "learning-rate schedule: constant, step:SIZE[:GAMMA], cosine[:MIN_LR]")
            ->capture_default_str();
        t.app.add_option("--loss", loss_name, "bce (binary cross-entropy from logits) or mse")->capture_default_str();
        t.app.add_option("--val-split", val_split, "fraction of the samples held out for validation")
            ->capture_default_str();
        t.app.add_option("--val", val_path, "validation samples (instead of --val-split)");
        t.app.add_option("--val-labels", val_labels, "labels of --val");
        t.app.add_option("--patience", patience, "stop after this many epochs without a better validation loss (0 = never)")
            ->capture_default_str();
        t.app.add_option("--standardize", standardize,
                         "input standardisation fitted on the training set: auto (features yes, images no), on, off")
            ->capture_default_str()->check(CLI::IsMember({"auto", "on", "off"}));
        t.app.add_option("--checkpoint", checkpoint, "checkpoint file written (atomically) after every epoch");
        t.app.add_flag("--resume", resume, "continue from --checkpoint");
        t.parse();

        //-- check options -----------------------------------------------------------------
        const bool sb = !signal.empty() || !background.empty();
        if (sb && (signal.empty() || background.empty())) throw usage_error("--signal and --background go together");
        if (sb && !inputs.empty()) throw usage_error("give either input files or --signal/--background, not both");
        if (!sb && inputs.empty()) throw usage_error("no training samples: give input files or --signal/--background");
        if (!sb && labels_path.empty() && label_col.empty())
            throw usage_error("no labels: give -l FILE, --label-col NAME, or --signal/--background");
        if (resume && checkpoint.empty()) throw usage_error("--resume needs --checkpoint FILE");
        if (!(val_split >= 0 && val_split < 1)) throw usage_error("--val-split must be in [0, 1)");
        if (!(lr > 0)) throw usage_error("--lr must be positive");
        for (double a : shrinkages)
            if (!(a >= 0 && a <= 1)) throw usage_error("--shrinkage values must be in [0, 1]");
        if (!val_path.empty() && val_labels.empty()) throw usage_error("--val needs --val-labels");
        if (!arch.empty() && arch[0] == '@') {
            std::ifstream f(arch.substr(1));
            if (!f) throw usage_error("cannot read architecture file " + arch.substr(1));
            std::ostringstream s;
            s << f.rdbuf();
            arch = s.str();
        }
        const bool fisher = arch == "fisher";
        const nn::loss_kind loss = nn::parse_loss(loss_name);
        if (loss == nn::loss_kind::cce_logits) throw usage_error("--loss cce needs one-hot targets; train does binary classification (bce or mse)");
        nn::optim_config ocfg;
        ocfg.kind = nn::parse_optim(optim);
        ocfg.lr = lr;
        ocfg.momentum = momentum;
        ocfg.weight_decay = weight_decay;
        auto sched = nn::lr_schedule::parse(schedule, lr, epochs);
        std::vector<std::string> feat = jetml::split_list(features);

        //-- read ----------------------------------------------------------------------------
        data all;
        std::vector<float> extra_w;
        if (sb) {
            auto s = jetml::load_samples(signal, feat), b = jetml::load_samples(background, feat);
            append(all, s, signal);
            append(all, b, background);
            all.y.assign(s.n, 1.0f);
            all.y.insert(all.y.end(), b.n, 0.0f);
        } else {
            for (auto& p : inputs) append(all, jetml::load_samples(p, feat), p);
            if (!labels_path.empty()) {
                all.y = jetml::load_labels(labels_path, label_col);
            } else {
                if (inputs.size() != 1) throw usage_error("--label-col without -l reads labels from the single CSV input");
                all.y = jetml::load_labels(inputs[0], label_col);
            }
            if (all.y.size() != all.n)
                throw error((labels_path.empty() ? inputs[0] : labels_path),
                            std::to_string(all.y.size()) + " labels for " + std::to_string(all.n) + " samples");
        }
        if (!weights_path.empty() || !weight_col.empty()) {
            std::string src = weights_path.empty() ? (inputs.size() == 1 ? inputs[0] : "") : weights_path;
            if (src.empty()) throw usage_error("--weight-col without -w reads weights from the single CSV input");
            auto w = jetml::load_column(src, weight_col);
            if (w.size() != all.n)
                throw error(src, std::to_string(w.size()) + " weights for " + std::to_string(all.n) + " samples");
            all.w.assign(w.begin(), w.end());
            for (std::size_t i = 0; i < all.n; ++i)
                if (!std::isfinite(all.w[i]) || all.w[i] < 0)
                    throw error(src, "weight " + jetml::format_double(w[i]) + " at row " + std::to_string(i) +
                                         "; expected finite and >= 0");
        } else {
            all.w.assign(all.n, 1.0f);
        }
        {
            double sw[2] = {0, 0};
            for (std::size_t i = 0; i < all.n; ++i) sw[all.y[i] > 0.5f] += all.w[i];
            if (sw[0] <= 0 || sw[1] <= 0)
                throw error(std::string("no ") + (sw[1] <= 0 ? "signal (label 1)" : "background (label 0)") +
                            " samples with positive weight; both classes are needed");
            double fs = 1, fb = 1;
            if (class_weight == "balanced") {
                fs = 0.5 * (sw[0] + sw[1]) / sw[1];
                fb = 0.5 * (sw[0] + sw[1]) / sw[0];
            } else if (class_weight != "none") {
                auto parts = jetml::split_list(class_weight, ':');
                if (parts.size() != 2 || !jetml::parse_double(parts[0], fs) || !jetml::parse_double(parts[1], fb) ||
                    !(fs > 0) || !(fb > 0))
                    throw usage_error("--class-weight must be none, balanced or S:B with positive numbers, got '" +
                                      class_weight + "'");
            }
            for (std::size_t i = 0; i < all.n; ++i) all.w[i] *= all.y[i] > 0.5f ? float(fs) : float(fb);
        }

        //-- split -----------------------------------------------------------------------------
        data tr, va;
        tr.shape = va.shape = all.shape;
        tr.size = va.size = all.size;
        auto take = [&](data& d, const std::vector<std::size_t>& idx) {
            d.n = idx.size();
            d.x.resize(d.n * all.size);
            d.y.resize(d.n);
            d.w.resize(d.n);
            for (std::size_t k = 0; k < idx.size(); ++k) {
                std::memcpy(&d.x[k * all.size], &all.x[idx[k] * all.size], all.size * sizeof(float));
                d.y[k] = all.y[idx[k]];
                d.w[k] = all.w[idx[k]];
            }
        };
        if (!val_path.empty()) {
            tr = std::move(all);
            auto v = jetml::load_samples(val_path, feat);
            if (v.sample_shape != tr.shape)
                throw error(val_path, "validation samples of shape " + jetml::format_shape(v.sample_shape) +
                                          " do not match the training samples " + jetml::format_shape(tr.shape));
            va.n = v.n;
            va.x = std::move(v.x);
            va.y = jetml::load_labels(val_labels, "");
            if (va.y.size() != va.n) throw error(val_labels, std::to_string(va.y.size()) + " labels for " + std::to_string(va.n) + " samples");
            va.w.assign(va.n, 1.0f);
        } else {
            std::vector<std::size_t> idx(all.n);
            std::iota(idx.begin(), idx.end(), 0);
            jetml::rng r(t.seed, 0x5EED5917ull);
            for (std::size_t i = all.n; i > 1; --i) std::swap(idx[i - 1], idx[r.below(i)]);
            std::size_t nv = static_cast<std::size_t>(std::floor(val_split * double(all.n)));
            std::vector<std::size_t> vi(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(nv));
            std::vector<std::size_t> ti(idx.begin() + static_cast<std::ptrdiff_t>(nv), idx.end());
            std::sort(vi.begin(), vi.end());
            std::sort(ti.begin(), ti.end());
            take(tr, ti);
            take(va, vi);
            all = data();
        }
        if (tr.n == 0) throw error("no training samples left after the validation split");
        t.info("data: %zu training and %zu validation samples of shape %s", tr.n, va.n,
               jetml::format_shape(tr.shape).c_str());

        //-- standardise with training-set statistics ----------------------------------------------
        nn::model_meta meta;
        meta.loss = nn::loss_name(loss);
        meta.data_shape = {tr.n};
        meta.data_shape.insert(meta.data_shape.end(), tr.shape.begin(), tr.shape.end());
        const bool do_std = standardize == "on" || (standardize == "auto" && tr.shape.size() == 1);
        if (do_std && !fisher) {
            std::vector<double> mean(tr.size, 0.0), var(tr.size, 0.0);
            for (std::size_t i = 0; i < tr.n; ++i)
                for (std::size_t j = 0; j < tr.size; ++j) mean[j] += tr.x[i * tr.size + j];
            for (auto& m : mean) m /= double(tr.n);
            for (std::size_t i = 0; i < tr.n; ++i)
                for (std::size_t j = 0; j < tr.size; ++j) {
                    double d = tr.x[i * tr.size + j] - mean[j];
                    var[j] += d * d;
                }
            meta.prep_mean.resize(tr.size);
            meta.prep_std.resize(tr.size);
            for (std::size_t j = 0; j < tr.size; ++j) {
                double s = std::sqrt(var[j] / double(tr.n));
                meta.prep_mean[j] = float(mean[j]);
                meta.prep_std[j] = s > 0 ? float(s) : 1.0f;  // constant inputs (e.g. empty pixels) pass unscaled
            }
            for (data* d : {&tr, &va})
                for (std::size_t i = 0; i < d->n; ++i)
                    for (std::size_t j = 0; j < d->size; ++j)
                        d->x[i * d->size + j] = (d->x[i * d->size + j] - meta.prep_mean[j]) / meta.prep_std[j];
        }
        meta.extra = {{"tool", "train"}, {"arch_option", fisher ? "fisher" : nn::expand_preset(arch)}};
        if (!feat.empty()) meta.extra.push_back({"features", features});

        auto validate = [&](nn::sequential& m, double& vloss, double& vauc) {
            vloss = vauc = NAN;
            if (va.n == 0) return;
            std::vector<float> z(va.n * m.outputs());
            m.predict(va.x.data(), va.n, z.data(), std::max<std::size_t>(batch, 256));
            vloss = nn::loss_eval(loss, z.data(), va.y.data(), va.w.data(), va.n, 1, nullptr);
            bool both = std::count(va.y.begin(), va.y.end(), 1.0f) > 0 && std::count(va.y.begin(), va.y.end(), 0.0f) > 0;
            if (both) vauc = jetml::auc(z.data(), va.y.data(), va.n, va.w.data());
        };

        //-- Fisher: closed form ------------------------------------------------------------------
        if (fisher) {
            if (shrinkages.size() > 1 && va.n == 0)
                throw usage_error("several --shrinkage values are chosen between on a validation set: "
                                  "give --val or a --val-split above 0");
            std::optional<nn::sequential> best;
            double best_auc = -1, best_a = 0;
            for (double a : shrinkages) {
                t.info("model: Fisher linear discriminant, shrinkage %g", a);
                auto m = nn::fisher_fit(tr.x.data(), tr.y.data(), tr.w.data(), tr.n, to_tshape(tr.shape), a, t.seed);
                double vloss, vauc;
                validate(m, vloss, vauc);
                t.note("fisher: shrinkage %g: validation AUC %.5f", a, vauc);
                // the first of equal AUCs wins; a NaN AUC (one class in validation) keeps the first
                if (!best || vauc > best_auc) best.emplace(std::move(m)), best_auc = vauc, best_a = a;
            }
            if (shrinkages.size() > 1) t.note("fisher: kept shrinkage %g (validation AUC %.5f)", best_a, best_auc);
            meta.extra.emplace_back("shrinkage", jetml::format_double(best_a));
            meta.epoch = 0;
            nn::save_model(out_path, *best, meta);
            return;
        }

        //-- network ----------------------------------------------------------------------------
        nn::sequential model(arch, to_tshape(tr.shape), t.seed);
        if (model.outputs() != 1)
            throw usage_error("the architecture has " + std::to_string(model.outputs()) +
                              " outputs; binary classification needs 1 (end with dense(1))");
        nn::optimizer opt(ocfg);
        snapshot best = take_snapshot(model);
        train_state st;
        st.signature = signature_of(model.arch(), tr, t.seed, batch, lr, optim, val_split);
        if (resume && ::access(checkpoint.c_str(), F_OK) == 0) {
            std::string bytes;
            {
                std::ifstream f(checkpoint, std::ios::binary);
                std::ostringstream s;
                s << f.rdbuf();
                bytes = s.str();
            }
            auto entries = nn::zip_read(bytes, checkpoint);
            std::map<std::string, std::string> e;
            for (auto& z : entries) e[z.name] = std::move(z.data);
            for (const char* k : {"state.txt", "model.npz", "best.npz", "optimizer.npy"})
                if (!e.count(k)) throw error(checkpoint, std::string("not a jetml checkpoint (no ") + k + ")");
            std::map<std::string, std::string> kv;
            std::istringstream s(e["state.txt"]);
            for (std::string line; std::getline(s, line);) {
                auto eq = line.find('=');
                if (eq != std::string::npos) kv[line.substr(0, eq)] = line.substr(eq + 1);
            }
            if (kv["format"] != "jetml-checkpoint" || kv["version"] != "1")
                throw error(checkpoint, "not a jetml checkpoint of version 1");
            if (kv["signature"] != st.signature)
                throw usage_error(checkpoint + ": the checkpoint was made with other options or data (" + kv["signature"] +
                                  "); resume with the same command");
            st.next_epoch = std::stoull(kv["next_epoch"]);
            st.best_epoch = std::stoull(kv["best_epoch"]);
            st.bad_epochs = std::stoull(kv["bad_epochs"]);
            jetml::parse_double(kv["best_loss"], st.best_loss);
            model = nn::model_from_bytes(e["model.npz"], checkpoint + ": model.npz");
            {
                auto b = nn::model_from_bytes(e["best.npz"], checkpoint + ": best.npz");
                best = take_snapshot(b);
            }
            auto ms = nn::parse_npy_record(e["optimizer.npy"], checkpoint, "optimizer.npy");
            auto ps = model.parameters();
            std::size_t total = 0;
            for (auto* p : ps) total += p->size();
            bool has_v = ocfg.kind != nn::optim_kind::sgd;
            if (!ms.empty()) {
                if (ms.size() != total * (has_v ? 2 : 1)) throw error(checkpoint, "optimizer state does not match the model");
                opt.state_m().assign(ps.size(), nn::buffer());
                opt.state_v().assign(ps.size(), nn::buffer());
                std::size_t off = 0;
                for (std::size_t i = 0; i < ps.size(); ++i) {
                    opt.state_m()[i].resize(ps[i]->size());
                    std::memcpy(opt.state_m()[i].data(), ms.data() + off, ps[i]->size() * 4);
                    off += ps[i]->size();
                }
                for (std::size_t i = 0; has_v && i < ps.size(); ++i) {
                    opt.state_v()[i].resize(ps[i]->size());
                    std::memcpy(opt.state_v()[i].data(), ms.data() + off, ps[i]->size() * 4);
                    off += ps[i]->size();
                }
            }
            opt.set_steps(std::stoull(kv["opt_steps"]));
            t.note("resuming from %s at epoch %zu", checkpoint.c_str(), st.next_epoch + 1);
        } else if (resume) {
            t.warn("checkpoint %s does not exist yet; starting from scratch", checkpoint.c_str());
        }
        t.info("model: %s; %zu trainable parameters; %.3g MFLOP per sample; optimizer %s, lr %g, batch %zu",
               model.arch().c_str(), model.trainable_count(), model.flops() / 1e6, optim.c_str(), lr, batch);

        std::string ckpt_path = checkpoint.empty() ? out_path + ".ckpt" : checkpoint;
        std::string last_ckpt = checkpoint_bytes(model, best, opt, meta, st);
        std::signal(SIGTERM, on_signal);
        std::signal(SIGINT, on_signal);

        //-- epochs ------------------------------------------------------------------------------
        model.reserve(batch);
        std::vector<float> xb(batch * tr.size), yb(batch), wb(batch);
        std::vector<std::size_t> order(tr.n);
        bool stopped_early = false;
        for (std::size_t epoch = st.next_epoch; epoch < epochs; ++epoch) {
            std::iota(order.begin(), order.end(), 0);
            jetml::rng r(t.seed, 0xE90C0000ull + epoch);
            for (std::size_t i = tr.n; i > 1; --i) std::swap(order[i - 1], order[r.below(i)]);
            double lr_e = sched.at(epoch), sum = 0, wsum = 0;
            auto t0 = std::chrono::steady_clock::now();
            jetml::progress_bar bar(t.show_progress(), "train: epoch " + std::to_string(epoch + 1), tr.n, "samples");
            std::size_t nb = 0;
            for (std::size_t start = 0; start < tr.n; start += batch, ++nb) {
                std::size_t m = std::min(batch, tr.n - start);
                for (std::size_t k = 0; k < m; ++k) {
                    std::size_t i = order[start + k];
                    std::memcpy(&xb[k * tr.size], &tr.x[i * tr.size], tr.size * sizeof(float));
                    yb[k] = tr.y[i];
                    wb[k] = tr.w[i];
                }
                double l;
                try {
                    l = model.train_step(xb.data(), yb.data(), wb.data(), m, loss, opt, lr_e);
                } catch (const error& e) {
                    throw error(std::string(e.what()) + " (epoch " + std::to_string(epoch + 1) + ", batch " +
                                std::to_string(nb + 1) + "); try a lower --lr or --standardize on");
                }
                if (!std::isfinite(l))
                    throw error("loss is " + std::string(std::isnan(l) ? "NaN" : "infinite") + " at epoch " +
                                std::to_string(epoch + 1) + ", batch " + std::to_string(nb + 1) +
                                "; try a lower --lr or --standardize on");
                sum += l * double(m);
                wsum += double(m);
                bar.advance(m);
                if (int s = g_signal.load()) {
                    bar.finish();
                    write_file(ckpt_path, last_ckpt);
                    throw error(std::string("interrupted by ") + (s == SIGTERM ? "SIGTERM" : "SIGINT") + " in epoch " +
                                std::to_string(epoch + 1) + "; checkpoint of epoch " + std::to_string(st.next_epoch) +
                                " saved to " + ckpt_path + " (continue with --checkpoint " + ckpt_path + " --resume)");
                }
            }
            bar.finish();
            double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            double vloss, vauc;
            validate(model, vloss, vauc);
            double crit = va.n ? vloss : sum / wsum;
            bool better = crit < st.best_loss;
            if (better) {
                st.best_loss = crit;
                st.best_epoch = epoch + 1;
                st.bad_epochs = 0;
                best = take_snapshot(model);
            } else {
                ++st.bad_epochs;
            }
            t.note("epoch %zu/%zu  loss %.5f  val_loss %.5f  val_auc %.5f  lr %.3g  %s samples/s%s", epoch + 1, epochs,
                   sum / wsum, vloss, vauc, lr_e, jetml::human_count(double(tr.n) / secs).c_str(), better ? "  *" : "");
            st.next_epoch = epoch + 1;
            last_ckpt = checkpoint_bytes(model, best, opt, meta, st);
            if (!checkpoint.empty()) write_file(checkpoint, last_ckpt);
            if (patience > 0 && st.bad_epochs >= patience) {
                t.note("early stop: no better validation loss for %zu epochs", patience);
                stopped_early = true;
                break;
            }
        }
        (void)stopped_early;
        std::signal(SIGTERM, SIG_DFL);
        std::signal(SIGINT, SIG_DFL);

        //-- write the best model ----------------------------------------------------------------
        meta.epoch = st.best_epoch;
        restore(model, best);
        nn::save_model(out_path, model, meta);
        t.note("kept the model of epoch %zu (%s loss %.5f) in %s", st.best_epoch, va.n ? "validation" : "training",
               st.best_loss, out_path.c_str());
    });
}
