// SPDX-License-Identifier: MIT
// jetml/trees/bdt_file.cpp - the bdt model kind: write, read, fast scoring.
#include "jetml/trees/bdt_file.hpp"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "jetml/core/error.hpp"
#include "jetml/io/csv.hpp"
#include "jetml/io/io.hpp"
#include "jetml/io/json.hpp"
#include "jetml/io/npy.hpp"
#include "jetml/io/npz.hpp"

namespace jetml::trees {

namespace {
const char* const node_arrays[] = {"feature", "threshold", "left", "right", "default_left", "value", "gain", "cover"};

std::string record(const std::vector<float>& v) { return npy_record({v.size()}, v.data(), v.size()); }
}  // namespace

std::string bdt_model_bytes(const ensemble& m, const bdt_meta& meta) {
    std::size_t total = 0;
    for (const tree& t : m.trees) total += t.size();
    if (total >= (std::size_t(1) << 24))
        throw error("the ensemble has " + std::to_string(total) + " nodes; a bdt model file holds fewer than 2^24");
    std::vector<std::vector<float>> a(8);
    std::vector<float> start{0};
    for (const tree& t : m.trees) {
        for (const tree_node& nd : t) {
            a[0].push_back(float(nd.feature));
            a[1].push_back(nd.feature >= 0 ? nd.threshold : 0.0f);
            a[2].push_back(float(nd.left));
            a[3].push_back(float(nd.right));
            a[4].push_back(nd.default_left ? 1.0f : 0.0f);
            a[5].push_back(nd.value);
            a[6].push_back(float(nd.gain));
            a[7].push_back(float(nd.cover));
        }
        start.push_back(float(start.back() + float(t.size())));
    }
    std::vector<zip_entry> entries;
    entries.push_back({"tree_start.npy", record(start)});
    for (std::size_t k = 0; k < 8; ++k) entries.push_back({std::string(node_arrays[k]) + ".npy", record(a[k])});
    const std::vector<float> ig(m.importance_gain.begin(), m.importance_gain.end()),
        is(m.importance_splits.begin(), m.importance_splits.end());
    entries.push_back({"importance_gain.npy", record(ig)});
    entries.push_back({"importance_splits.npy", record(is)});
    const booster_params& p = meta.params;
    const std::string extra = json_string_object(meta.extra);
    const std::string json =
        model::meta_json_head("bdt") + ",\n  \"input_shape\": " + json_shape(meta.input_shape) +
        ",\n  \"features\": " + json_strings(meta.features) +
        ",\n  \"outputs\": [\"score\"],\n  \"loss\": \"bce\",\n  \"output_transform\": \"sigmoid\",\n  \"base_score\": " +
        json_number(m.base_score) + ",\n  \"trees\": " + std::to_string(m.trees.size()) +
        ",\n  \"nodes\": " + std::to_string(total) + ",\n  \"booster\": " + json_quote(p.description()) +
        ",\n  \"params\": {\"trees\": " + std::to_string(p.trees) + ", \"max_depth\": " + std::to_string(p.max_depth) +
        ", \"max_leaves\": " + std::to_string(p.max_leaves) + ", \"growth\": \"" +
        (p.grow == growth::depthwise ? "depthwise" : "leafwise") + "\", \"max_bins\": " + std::to_string(p.max_bins) +
        ", \"learning_rate\": " + json_number(p.learning_rate) + ", \"lambda\": " + json_number(p.lambda) +
        ", \"min_child_weight\": " + json_number(p.min_child_weight) +
        ", \"min_split_gain\": " + json_number(p.min_split_gain) + ", \"subsample\": " + json_number(p.subsample) +
        ", \"colsample\": " + json_number(p.colsample) + ", \"patience\": " + std::to_string(p.patience) +
        ", \"seed\": " + std::to_string(p.seed) + "},\n  \"training\": {\"rounds_done\": " +
        std::to_string(meta.rounds_done) + ", \"best_round\": " + std::to_string(meta.best_round) +
        ", \"stopped_early\": " + (meta.stopped_early ? "true" : "false") +
        ", \"best_val_loss\": " + json_number(meta.best_val_loss) + "},\n  \"importance\": {\"gain\": " +
        json_numbers(m.importance_gain) + ", \"splits\": " + json_numbers(m.importance_splits) +
        "},\n  \"extra\": " + extra + "\n}\n";
    entries.insert(entries.begin(), zip_entry{"meta.json", json});
    return zip_store(entries);
}

void save_bdt(const std::string& path, const ensemble& m, const bdt_meta& meta) {
    model::write_model_file(path, bdt_model_bytes(m, meta));
}

ensemble bdt_from_file(const model::model_file& f, bdt_meta* meta) {
    const std::string& src = f.source();
    if (f.kind() != "bdt") throw error(src, "model kind '" + printable(f.kind()) + "' is not a tree ensemble (bdt)");
    auto array = [&](const std::string& name) {
        const std::string* e = f.entry(name + ".npy");
        if (!e) throw error(src, "missing entry '" + name + ".npy'");
        return parse_npy_record(*e, src, name + ".npy");
    };
    auto number = [&](const json_value& v, const std::string& key) {
        try {
            if (v.type == json_value::number) return std::stod(v.s);
        } catch (const std::exception&) {
        }
        throw error(src, "meta.json: '" + key + "' must be a number");
    };
    ensemble m;
    const std::vector<std::size_t> shape = f.to_shape(f.need("input_shape", json_value::array), "input_shape");
    m.features = 1;
    for (auto s : shape) m.features *= s;
    if (shape.empty() || m.features == 0 || m.features > (std::size_t(1) << 26))
        throw error(src, "meta.json: 'input_shape' " + format_shape(shape) + " is not a sample shape");
    m.base_score = number(f.need("base_score", json_value::number), "base_score");
    const std::vector<float> start = array("tree_start");
    std::vector<std::vector<float>> a;
    for (const char* k : node_arrays) a.push_back(array(k));
    const std::size_t total = a[0].size();
    for (const auto& v : a)
        if (v.size() != total) throw error(src, "the node arrays have different lengths");
    if (start.empty() || start.front() != 0 || std::size_t(start.back()) != total)
        throw error(src, "'tree_start.npy' does not cover the " + std::to_string(total) + " nodes");
    const auto is_index = [](float v, std::size_t lo, std::size_t hi) {
        return v == std::floor(v) && v >= float(lo) && v < float(hi);
    };
    for (std::size_t t = 0; t + 1 < start.size(); ++t) {
        if (!is_index(start[t], 0, total) || !(start[t + 1] > start[t]))
            throw error(src, "'tree_start.npy' is not increasing at tree " + std::to_string(t));
        const std::size_t b = std::size_t(start[t]), e = std::size_t(start[t + 1]);
        tree tr(e - b);
        for (std::size_t k = 0; k < e - b; ++k) {
            tree_node& nd = tr[k];
            const std::size_t j = b + k;
            const std::string where = "tree " + std::to_string(t) + " node " + std::to_string(k);
            if (a[0][j] == -1.0f) {
                nd.value = a[5][j];
            } else {
                if (!is_index(a[0][j], 0, m.features))
                    throw error(src, where + ": feature " + format_double(a[0][j]) + " is not an input index");
                // children after their parent: every walk ends
                if (!is_index(a[2][j], k + 1, e - b) || !is_index(a[3][j], k + 1, e - b))
                    throw error(src, where + ": children are not later nodes of the tree");
                nd.feature = std::int32_t(a[0][j]);
                nd.threshold = a[1][j];
                nd.left = std::int32_t(a[2][j]);
                nd.right = std::int32_t(a[3][j]);
                nd.default_left = a[4][j] != 0;
                nd.value = a[5][j];
            }
            nd.gain = a[6][j];
            nd.cover = a[7][j];
        }
        m.trees.push_back(std::move(tr));
    }
    m.compute_importance();
    // the stored importance (double, in meta.json) replaces the float32 recomputation
    if (const json_value* imp = f.find("importance"); imp && imp->type == json_value::object) {
        const json_value* g = imp->find("gain");
        if (g && g->type == json_value::array && g->a.size() == m.features)
            for (std::size_t k = 0; k < m.features; ++k) m.importance_gain[k] = number(g->a[k], "importance.gain");
    }
    if (meta) {
        meta->input_shape = shape;
        meta->features.clear();
        for (const auto& s : f.need("features", json_value::array).a) {
            if (s.type != json_value::string) throw error(src, "meta.json: 'features' must hold strings");
            meta->features.push_back(s.s);
        }
        if (!meta->features.empty() && meta->features.size() != m.features) meta->features.clear();
        meta->extra = f.extra();
        if (const json_value* pj = f.find("params"); pj && pj->type == json_value::object) {
            booster_params& p = meta->params;
            p.trees = f.to_u64(f.need(*pj, "trees", json_value::number), "params.trees");
            p.max_depth = f.to_u64(f.need(*pj, "max_depth", json_value::number), "params.max_depth");
            p.max_leaves = f.to_u64(f.need(*pj, "max_leaves", json_value::number), "params.max_leaves");
            p.grow = f.need(*pj, "growth", json_value::string).s == "leafwise" ? growth::leafwise : growth::depthwise;
            p.max_bins = f.to_u64(f.need(*pj, "max_bins", json_value::number), "params.max_bins");
            p.learning_rate = number(f.need(*pj, "learning_rate", json_value::number), "params.learning_rate");
            p.lambda = number(f.need(*pj, "lambda", json_value::number), "params.lambda");
        }
        if (const json_value* tj = f.find("training"); tj && tj->type == json_value::object) {
            meta->rounds_done = f.to_u64(f.need(*tj, "rounds_done", json_value::number), "training.rounds_done");
            meta->best_round = f.to_u64(f.need(*tj, "best_round", json_value::number), "training.best_round");
            meta->stopped_early = f.need(*tj, "stopped_early", json_value::boolean).b;
        }
    }
    return m;
}

//---- fast scoring -------------------------------------------------------------------------

fast_forest::fast_forest(const ensemble& m) : features_(m.features), base_(m.base_score) {
    for (const tree& t : m.trees) {
        // breadth-first relayout: old index -> new global index, children adjacent
        const std::uint32_t root = std::uint32_t(nodes_.size());
        std::vector<std::pair<std::size_t, std::uint32_t>> queue{{0, 0}};  // (old index, depth)
        std::vector<std::uint32_t> where(t.size());
        nodes_.push_back({});
        values_.push_back(0);
        where[0] = root;
        std::uint32_t depth = 0;
        for (std::size_t q = 0; q < queue.size(); ++q) {
            const auto [k, dep] = queue[q];
            const tree_node& nd = t[k];
            values_[where[k]] = nd.value;
            if (nd.feature < 0) {
                nodes_[where[k]] = {std::numeric_limits<float>::infinity(), 0, std::int32_t(where[k]), 0};
                continue;
            }
            const std::uint32_t l = std::uint32_t(nodes_.size());
            nodes_.push_back({});
            nodes_.push_back({});
            values_.push_back(0);
            values_.push_back(0);
            nodes_[where[k]] = {nd.threshold, nd.feature, std::int32_t(l), nd.default_left ? 0 : 1};
            where[std::size_t(nd.left)] = l;
            where[std::size_t(nd.right)] = l + 1;
            queue.push_back({std::size_t(nd.left), dep + 1});
            queue.push_back({std::size_t(nd.right), dep + 1});
            depth = std::max(depth, dep + 1);
        }
        root_.push_back(root);
        depth_.push_back(depth);
    }
    for (const node& q : nodes_) {
        thr_.push_back(q.threshold);
        feat_.push_back(q.feature);
        lnr_.push_back(q.left * 2 + q.nan_right);
    }
    // 32-bit gather offsets: 64 rows of d values, and node indices below 2^30
    avx2_ = __builtin_cpu_supports("avx2") && features_ < (std::size_t(1) << 24) && nodes_.size() < (std::size_t(1) << 30);
}

namespace {
constexpr std::size_t walk_rows = 64;  // rows walked together through each tree

/// AVX2 walk of 64 rows (8 lanes x 8): the same comparisons as the scalar walk, so the same
/// leaves, and the leaf values added to acc in the same order, so the same bits.
__attribute__((target("avx2"))) void walk64_avx2(const float* thr, const std::int32_t* feat, const std::int32_t* lnr,
                                                 const float* values, const std::uint32_t* root,
                                                 const std::uint32_t* depth, std::size_t trees, const float* xb,
                                                 std::size_t d, double* acc) {
    __m256i off[8], idx[8];
    const __m256i one = _mm256_set1_epi32(1);
    for (int v = 0; v < 8; ++v) {
        const int b = int(8 * v * d), s = int(d);
        off[v] = _mm256_setr_epi32(b, b + s, b + 2 * s, b + 3 * s, b + 4 * s, b + 5 * s, b + 6 * s, b + 7 * s);
    }
    for (std::size_t t = 0; t < trees; ++t) {
        for (int v = 0; v < 8; ++v) idx[v] = _mm256_set1_epi32(int(root[t]));
        for (std::uint32_t st = 0; st < depth[t]; ++st)
            for (int v = 0; v < 8; ++v) {
                const __m256 th = _mm256_i32gather_ps(thr, idx[v], 4);
                const __m256i fe = _mm256_i32gather_epi32(feat, idx[v], 4);
                const __m256i ln = _mm256_i32gather_epi32(lnr, idx[v], 4);
                const __m256 x = _mm256_i32gather_ps(xb, _mm256_add_epi32(off[v], fe), 4);
                const __m256i gt = _mm256_castps_si256(_mm256_cmp_ps(x, th, _CMP_GT_OQ));
                const __m256i un = _mm256_castps_si256(_mm256_cmp_ps(x, x, _CMP_UNORD_Q));
                const __m256i right = _mm256_or_si256(_mm256_and_si256(gt, one), _mm256_and_si256(un, ln));
                idx[v] = _mm256_add_epi32(_mm256_srli_epi32(ln, 1), _mm256_and_si256(right, one));
            }
        for (int v = 0; v < 8; ++v) {
            const __m256 val = _mm256_i32gather_ps(values, idx[v], 4);
            double* a = acc + 8 * v;
            _mm256_storeu_pd(a, _mm256_add_pd(_mm256_loadu_pd(a), _mm256_cvtps_pd(_mm256_castps256_ps128(val))));
            _mm256_storeu_pd(a + 4, _mm256_add_pd(_mm256_loadu_pd(a + 4), _mm256_cvtps_pd(_mm256_extractf128_ps(val, 1))));
        }
    }
}
}  // namespace

void fast_forest::walk_block(const float* x, std::size_t i0, std::size_t k, double* acc) const {
    const std::size_t d = features_;
    const float* xb = x + i0 * d;
    if (avx2_ && k == walk_rows) {
        walk64_avx2(thr_.data(), feat_.data(), lnr_.data(), values_.data(), root_.data(), depth_.data(), root_.size(),
                    xb, d, acc);
        return;
    }
    std::uint32_t idx[walk_rows];
    for (std::size_t t = 0; t < root_.size(); ++t) {
        for (std::size_t r = 0; r < k; ++r) idx[r] = root_[t];
        for (std::uint32_t s = 0; s < depth_[t]; ++s)
            for (std::size_t r = 0; r < k; ++r) {
                const node& q = nodes_[idx[r]];
                const float v = xb[r * d + std::size_t(q.feature)];
                idx[r] = std::uint32_t(q.left + ((v > q.threshold) | ((v != v) & q.nan_right)));
            }
        for (std::size_t r = 0; r < k; ++r) acc[r] += double(values_[idx[r]]);
    }
}

void fast_forest::raw_scores(const float* x, std::size_t n, double* out) const {
    const long long nb = (long long)((n + walk_rows - 1) / walk_rows);
#pragma omp parallel for schedule(static)
    for (long long bl = 0; bl < nb; ++bl) {
        const std::size_t i0 = std::size_t(bl) * walk_rows, k = std::min(walk_rows, n - i0);
        double acc[walk_rows];
        for (std::size_t r = 0; r < k; ++r) acc[r] = base_;
        walk_block(x, i0, k, acc);
        for (std::size_t r = 0; r < k; ++r) out[i0 + r] = acc[r];
    }
}

bdt_scorer::bdt_scorer(ensemble m, bdt_meta meta, const model::score_options& options, const std::string& source)
    : m_(std::move(m)), meta_(std::move(meta)), fast_(m_), logit_(options.raw) {
    kind_ = "bdt";
    source_ = source;
    input_shape_ = meta_.input_shape;
    output_names_ = {"score"};
    features_ = meta_.features;
    transform_ = logit_ ? "none" : "sigmoid";
}

std::string bdt_scorer::description() const {
    std::size_t nodes = 0;
    for (const tree& t : m_.trees) nodes += t.size();
    return "boosted decision trees: " + std::to_string(m_.trees.size()) + " trees, " + std::to_string(nodes) +
           " nodes, input " + format_shape(input_shape_) + ", booster " + meta_.params.description() +
           ", scores " + (logit_ ? "raw log-odds" : "sigmoid(sum)");
}

void bdt_scorer::reserve(std::size_t batch) { raw_.reserve(batch); }

void bdt_scorer::score(const float* x, std::size_t n, float* out) {
    raw_.resize(n);
    fast_.raw_scores(x, n, raw_.data());
    for (std::size_t i = 0; i < n; ++i) out[i] = bdt_score(raw_[i], logit_);
}

std::unique_ptr<model::scorer> load_bdt_scorer(const model::model_file& file, const model::score_options& options) {
    bdt_meta meta;
    ensemble m = bdt_from_file(file, &meta);
    return std::make_unique<bdt_scorer>(std::move(m), std::move(meta), options, file.source());
}

}  // namespace jetml::trees
