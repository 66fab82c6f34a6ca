// SPDX-License-Identifier: MIT
// jetml/train/fit.cpp - the training engine's epoch loop, early stopping and checkpoints.
#include "jetml/train/fit.hpp"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <numeric>
#include <sstream>

#include <unistd.h>

#include "jetml/core/cli.hpp"
#include "jetml/core/error.hpp"
#include "jetml/core/progress.hpp"
#include "jetml/core/rng.hpp"
#include "jetml/core/threads.hpp"
#include "jetml/data/dataset.hpp"
#include "jetml/data/split.hpp"
#include "jetml/io/csv.hpp"
#include "jetml/io/io.hpp"
#include "jetml/io/npz.hpp"
#include "jetml/nn/loss.hpp"
#include "jetml/nn/model_io.hpp"
#include "jetml/nn/optim.hpp"
#include "jetml/version.hpp"

namespace jetml::train {

void fit_options::check() const {
    if (batch == 0) throw usage_error("--batch must be positive");
    if (resume && checkpoint.empty()) throw usage_error("--resume needs --checkpoint FILE");
    if (!(val_split >= 0 && val_split < 1)) throw usage_error("--val-split must be in [0, 1)");
    if (!(lr > 0)) throw usage_error("--lr must be positive");
    if (!val.empty() && val_labels.empty()) throw usage_error("--val needs --val-labels");
    if (standardize != "auto" && standardize != "on" && standardize != "off")
        throw usage_error("--standardise must be auto, on or off, got '" + standardize + "'");
    nn::parse_optim(optimizer);
    nn::make_loss(loss);
    nn::lr_schedule::parse(schedule, lr, epochs);
    data::check_class_weight(class_weight);
}

bool fit_options::standardises(const std::vector<std::size_t>& shape) const {
    return standardize == "on" || (standardize == "auto" && shape.size() == 1);
}

fit_signature data_signature(const data::labelled_set& tr, const data::labelled_set& va, const fit_options& f,
                             std::uint64_t seed, bool standardised) {
    fit_signature s;
    s.set("seed", "--seed", std::to_string(seed));
    s.set("val_split", "--val-split", f.val.empty() ? jetml::format_double(f.val_split) : "none (--val)");
    s.set("standardise", "--standardise", standardised ? "on" : "off");
    s.set("class_weight", "--class-weight", f.class_weight);
    s.set("shape", "sample shape", jetml::format_shape(tr.shape));
    s.set("samples", "samples", std::to_string(tr.n) + " training + " + std::to_string(va.n) + " validation");
    for (const auto* d : {&tr, &va}) {
        const data_digest g = digest_data(*d);
        const bool t = d == &tr;
        s.set(t ? "train_data" : "val_data", t ? "training data digest" : "validation data digest", g.all,
              {{"inputs", g.inputs}, {"labels", g.labels}, {"weights", g.weights}, {"side", g.side}});
    }
    return s;
}

fit_signature make_signature(const trainable& m, const data::labelled_set& tr, const data::labelled_set& va,
                             const fit_options& f, const fit_context& ctx) {
    fit_signature s = data_signature(tr, va, f, ctx.seed, f.standardises(tr.shape));
    s.set("batch", "--batch", std::to_string(f.batch));
    s.set("lr", "--lr", jetml::format_double(f.lr));
    const nn::optim_kind ok = nn::parse_optim(f.optimizer);
    s.set("optimiser", "--optimiser", nn::optim_name(ok));
    if (ok == nn::optim_kind::sgd) s.set("momentum", "--momentum", jetml::format_double(f.momentum));
    s.set("weight_decay", "--weight-decay", jetml::format_double(f.weight_decay));
    const auto sched = nn::lr_schedule::parse(f.schedule, f.lr, f.epochs);
    s.set("schedule", "--schedule",
          sched.type == nn::lr_schedule::kind::cosine ? f.schedule + " over " + std::to_string(f.epochs) + " epochs"
                                                      : f.schedule);
    s.set("loss", "--loss", nn::make_loss(f.loss)->name());
    s.set("patience", "--patience", std::to_string(f.patience));
    s.set("threads", "--threads", std::to_string(jetml::max_threads()));
    m.signature(s);
    return s;
}

std::vector<std::pair<std::string, std::string>> training_record(const fit_result& r, const fit_options& f) {
    auto rec = r.signature.record();
    rec.insert(rec.begin() + 1, {{"epochs", std::to_string(f.epochs)}, {"epochs_done", std::to_string(r.epochs_done)}});
    return rec;
}

namespace {

std::atomic<int> g_signal{0};
extern "C" void on_signal(int s) { g_signal.store(s); }

// Catches SIGTERM/SIGINT for the epoch loop (a checkpoint is written, then fit throws), and
// puts back the handlers it found (run_tool's temporary-output cleanup, core/cleanup) when fit()
// returns or throws.
struct signal_scope {
    struct sigaction old_term {}, old_int {};
    signal_scope() {
        g_signal.store(0);
        struct sigaction sa {};
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESTART;
        ::sigaction(SIGTERM, &sa, &old_term);
        ::sigaction(SIGINT, &sa, &old_int);
    }
    ~signal_scope() {
        ::sigaction(SIGTERM, &old_term, nullptr);
        ::sigaction(SIGINT, &old_int, nullptr);
    }
    signal_scope(const signal_scope&) = delete;
    signal_scope& operator=(const signal_scope&) = delete;
};

// The engine's counters, saved in state.txt.
struct loop_state {
    std::size_t next_epoch = 0, best_epoch = 0, bad_epochs = 0;
    double best_loss = INFINITY;
};

constexpr int checkpoint_version = 2;

std::string checkpoint_bytes(trainable& m, const std::string& best, const loop_state& st, const fit_signature& sig) {
    saved_state ss = m.save_state(best);
    std::ostringstream s;
    s << "format=jetml-checkpoint\nversion=" << checkpoint_version << "\njetml_version=" << JETML_VERSION
      << "\nnext_epoch=" << st.next_epoch << "\nbest_epoch=" << st.best_epoch
      << "\nbad_epochs=" << st.bad_epochs << "\nbest_loss=" << jetml::format_double(st.best_loss) << "\n";
    for (const auto& [k, v] : ss.keys) s << k << "=" << v << "\n";
    for (const auto& [k, v] : sig.state_keys()) s << k << "=" << v << "\n";
    std::vector<jetml::zip_entry> entries{{"state.txt", s.str()}};
    for (auto& [name, bytes] : ss.entries) entries.push_back({name, std::move(bytes)});
    return jetml::zip_store(entries);
}

void write_file(const std::string& path, const std::string& bytes) {
    jetml::output out(path, true);
    out.write(bytes);
    out.commit();
}

// Reads a checkpoint into the trainable and the loop state; returns the best snapshot.
std::string read_checkpoint(trainable& m, const std::string& path, const fit_signature& sig, loop_state& st) {
    std::string bytes;
    {
        std::ifstream f(path, std::ios::binary);
        std::ostringstream s;
        s << f.rdbuf();
        bytes = s.str();
    }
    std::map<std::string, std::string> e;
    for (auto& z : jetml::zip_read(bytes, path)) e[z.name] = std::move(z.data);
    if (!e.count("state.txt")) throw error(path, "not a jetml checkpoint (no state.txt)");
    std::map<std::string, std::string> kv;
    std::istringstream s(e["state.txt"]);
    for (std::string line; std::getline(s, line);) {
        auto eq = line.find('=');
        if (eq != std::string::npos) kv[line.substr(0, eq)] = line.substr(eq + 1);
    }
    if (kv["format"] != "jetml-checkpoint") throw error(path, "not a jetml checkpoint (state.txt has no format=jetml-checkpoint)");
    if (kv["version"] == "1")
        throw usage_error(path + ": the checkpoint was written by an older jetml (checkpoint format 1, without the "
                          "data digest and the training options), so this run cannot be checked against it; "
                          "train again without --resume");
    if (kv["version"] != std::to_string(checkpoint_version))
        throw usage_error(path + ": checkpoint format " + printable(kv["version"], 20) + " is not the format " +
                          std::to_string(checkpoint_version) + " this jetml " + JETML_VERSION +
                          " writes; resume with the jetml that wrote it");
    const std::vector<std::string> diff = sig.compare(fit_signature::from_state_keys(kv));
    if (!diff.empty()) {
        std::string msg = path + ": checkpoint does not match this run (checkpoint vs now): ";
        for (std::size_t i = 0; i < diff.size(); ++i) msg += (i ? ", " : "") + diff[i];
        throw usage_error(msg + "; more --epochs is the only change that may continue");
    }
    try {
        st.next_epoch = std::stoull(kv["next_epoch"]);
        st.best_epoch = std::stoull(kv["best_epoch"]);
        st.bad_epochs = std::stoull(kv["bad_epochs"]);
    } catch (const std::exception&) {
        throw error(path, "malformed state.txt");
    }
    jetml::parse_double(kv["best_loss"], st.best_loss);
    return m.load_state(kv, e, path);
}

}  // namespace

fit_result fit(trainable& m, const data::labelled_set& tr, const data::labelled_set& va, const fit_options& f,
               const fit_context& ctx) {
    const jetml::tool* t = ctx.t;
    const auto sched = nn::lr_schedule::parse(f.schedule, f.lr, f.epochs);
    fit_result res;
    const auto t_sig = std::chrono::steady_clock::now();
    res.signature = make_signature(m, tr, va, f, ctx);
    if (t)
        t->info("data digests of %zu + %zu samples in %.1f ms", tr.n, va.n,
                1e3 * std::chrono::duration<double>(std::chrono::steady_clock::now() - t_sig).count());
    const fit_signature& sig = res.signature;
    std::string best = m.snapshot();
    loop_state st;
    if (f.resume && ::access(f.checkpoint.c_str(), F_OK) == 0) {
        best = read_checkpoint(m, f.checkpoint, sig, st);
        if (st.next_epoch > f.epochs)
            throw usage_error(f.checkpoint + ": the checkpoint has done " + std::to_string(st.next_epoch) +
                              " epochs, more than --epochs " + std::to_string(f.epochs) +
                              "; resume with --epochs " + std::to_string(st.next_epoch) + " or more");
        if (t) t->note("resuming from %s at epoch %zu", f.checkpoint.c_str(), st.next_epoch + 1);
        // a run whose patience ran out at the checkpoint stops there, whatever --epochs says,
        // as the uninterrupted run with that --epochs would have
        if (f.patience > 0 && st.bad_epochs >= f.patience) {
            res.stopped_early = true;
            if (t) t->note("early stop: the checkpoint's patience had run out at epoch %zu", st.next_epoch);
        }
    } else if (f.resume && t) {
        t->warn("checkpoint %s does not exist yet; starting from scratch", f.checkpoint.c_str());
    }
    const std::string ckpt_path = f.checkpoint.empty() ? ctx.interrupt_checkpoint : f.checkpoint;
    std::string last_ckpt = checkpoint_bytes(m, best, st, sig);
    res.validated = va.n > 0;
    {
        const signal_scope signals;
        const std::size_t size = tr.size, nside = tr.side.size();
        std::vector<float> xb(m.uses_batches() ? f.batch * size : 0), yb(f.batch), wb(f.batch);
        std::vector<std::vector<float>> sb(nside, std::vector<float>(f.batch));
        batch b;
        b.x = xb.data(), b.y = yb.data(), b.w = wb.data();
        for (auto& c : sb) b.side.push_back(c.data());
        std::vector<std::size_t> order(tr.n);
        for (std::size_t epoch = st.next_epoch; epoch < f.epochs && !res.stopped_early; ++epoch) {
            const double lr_e = sched.at(epoch);
            double sum = 0, wsum = 0;
            const auto t0 = std::chrono::steady_clock::now();
            m.begin_epoch(epoch, lr_e);
            if (m.uses_batches()) {
                std::iota(order.begin(), order.end(), 0);
                jetml::rng r(ctx.seed, 0xE90C0000ull + epoch);
                for (std::size_t i = tr.n; i > 1; --i) std::swap(order[i - 1], order[r.below(i)]);
                jetml::progress_bar bar(t && t->show_progress(), std::string(t ? t->name() : "fit") + ": epoch " +
                                                                     std::to_string(epoch + 1),
                                        tr.n, "samples");
                std::size_t nb = 0;
                for (std::size_t start = 0; start < tr.n; start += f.batch, ++nb) {
                    const std::size_t n = std::min(f.batch, tr.n - start);
                    for (std::size_t k = 0; k < n; ++k) {
                        const std::size_t i = order[start + k];
                        std::memcpy(&xb[k * size], &tr.x[i * size], size * sizeof(float));
                        yb[k] = tr.y[i];
                        wb[k] = tr.w[i];
                        for (std::size_t c = 0; c < nside; ++c) sb[c][k] = tr.side[c].second[i];
                    }
                    b.n = n;
                    double l;
                    try {
                        l = m.train_batch(b, lr_e);
                    } catch (const error& e) {
                        throw error(std::string(e.what()) + " (epoch " + std::to_string(epoch + 1) + ", batch " +
                                    std::to_string(nb + 1) + "); " + ctx.diverge_hint);
                    }
                    if (!std::isfinite(l))
                        throw error("loss is " + std::string(std::isnan(l) ? "NaN" : "infinite") + " at epoch " +
                                    std::to_string(epoch + 1) + ", batch " + std::to_string(nb + 1) +
                                    "; " + ctx.diverge_hint);
                    sum += l * double(n);
                    wsum += double(n);
                    bar.advance(n);
                    if (const int s = g_signal.load()) {
                        bar.finish();
                        write_file(ckpt_path, last_ckpt);
                        throw error(std::string("interrupted by ") + (s == SIGTERM ? "SIGTERM" : "SIGINT") +
                                    " in epoch " + std::to_string(epoch + 1) + "; checkpoint of epoch " +
                                    std::to_string(st.next_epoch) + " saved to " + ckpt_path +
                                    " (continue with --checkpoint " + ckpt_path + " --resume)");
                    }
                }
                bar.finish();
            }
            const double own = m.end_epoch(epoch);
            const double train_loss = std::isnan(own) ? sum / wsum : own;
            const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            const evaluation ev = va.n ? m.validate(va) : evaluation{};
            const double crit = va.n ? ev.loss : train_loss;
            const bool better = m.keeps_last() || crit < st.best_loss;
            if (better) {
                st.best_loss = crit;
                st.best_epoch = epoch + 1;
                st.bad_epochs = 0;
                best = m.snapshot();
            } else {
                ++st.bad_epochs;
            }
            if (t)
                t->note("epoch %zu/%zu  loss %.5f  val_loss %.5f  val_auc %.5f  lr %.3g  %s samples/s%s", epoch + 1,
                        f.epochs, train_loss, ev.loss, ev.auc, lr_e, jetml::human_count(double(tr.n) / secs).c_str(),
                        better ? "  *" : "");
            st.next_epoch = epoch + 1;
            last_ckpt = checkpoint_bytes(m, best, st, sig);
            if (!f.checkpoint.empty()) write_file(f.checkpoint, last_ckpt);
            if (f.patience > 0 && st.bad_epochs >= f.patience) {
                if (t) t->note("early stop: no better validation loss for %zu epochs", f.patience);
                res.stopped_early = true;
                break;
            }
        }
    }
    m.restore(best);
    res.best_epoch = st.best_epoch;
    res.best_loss = st.best_loss;
    res.epochs_done = st.next_epoch;
    return res;
}

}  // namespace jetml::train
