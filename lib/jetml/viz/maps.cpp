// SPDX-License-Identifier: MIT
// jetml/viz/maps.cpp - streaming accumulators and model parts of the learning-from-learning maps
// (see maps.hpp).
#include "jetml/viz/maps.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "jetml/core/error.hpp"
#include "jetml/io/csv.hpp"
#include "jetml/io/io.hpp"
#include "jetml/io/npy.hpp"
#include "jetml/nn/fisher.hpp"
#include "jetml/nn/model_io.hpp"

namespace jetml::viz {

//---------------------------------------------------------------------------------------------
// pixel-score moments

pixel_score_moments::pixel_score_moments(std::size_t pixels) : mx_(pixels, 0.0), m2x_(pixels, 0.0), cxs_(pixels, 0.0) {}

void pixel_score_moments::add(const float* x, double s, double w) {
    if (!(w > 0)) return;
    w_ += w;
    ++n_;
    const double f = w / w_, ds = s - ms_;
    ms_ += f * ds;
    const double ds_new = s - ms_;
    m2s_ += w * ds * ds_new;
    for (std::size_t q = 0; q < mx_.size(); ++q) {
        const double dx = double(x[q]) - mx_[q];
        mx_[q] += f * dx;
        m2x_[q] += w * dx * (double(x[q]) - mx_[q]);
        cxs_[q] += w * dx * ds_new;
    }
}

void pixel_score_moments::merge(const pixel_score_moments& o, double scale) {
    if (o.mx_.size() != mx_.size()) throw error("internal: merging pixel moments of different sizes");
    const double wb = o.w_ * scale;
    if (!(wb > 0)) return;
    const double wa = w_, W = wa + wb, f = wb / W, c = wa * wb / W, ds = o.ms_ - ms_;
    ms_ += f * ds;
    m2s_ += scale * o.m2s_ + c * ds * ds;
    for (std::size_t q = 0; q < mx_.size(); ++q) {
        const double dx = o.mx_[q] - mx_[q];
        mx_[q] += f * dx;
        m2x_[q] += scale * o.m2x_[q] + c * dx * dx;
        cxs_[q] += scale * o.cxs_[q] + c * dx * ds;
    }
    w_ = W;
    n_ += o.n_;
}

std::vector<double> pixel_score_moments::pearson() const {
    std::vector<double> r(mx_.size(), std::numeric_limits<double>::quiet_NaN());
    for (std::size_t q = 0; q < mx_.size(); ++q)
        if (m2x_[q] > 0 && m2s_ > 0) r[q] = std::clamp(cxs_[q] / std::sqrt(m2x_[q] * m2s_), -1.0, 1.0);
    return r;
}

void mean_vector::add(const float* x, double w) {
    if (!(w > 0)) return;
    for (std::size_t q = 0; q < sum_.size(); ++q) sum_[q] += w * double(x[q]);
    w_ += w;
}

std::vector<double> mean_vector::mean() const {
    std::vector<double> m(sum_.size(), 0.0);
    if (w_ > 0)
        for (std::size_t q = 0; q < m.size(); ++q) m[q] = sum_[q] / w_;
    return m;
}

//---------------------------------------------------------------------------------------------
// extremes

namespace {
// "a ranks before b" among the highest: higher score, then lower index
bool hi_before(const extremes::entry& a, const extremes::entry& b) {
    return a.score != b.score ? a.score > b.score : a.index < b.index;
}
bool lo_before(const extremes::entry& a, const extremes::entry& b) {
    return a.score != b.score ? a.score < b.score : a.index < b.index;
}
}  // namespace

void extremes::add(const float* x, double score, std::size_t index) {
    if (k_ == 0) return;
    entry e{score, index, {}};
    auto keep = [&](std::vector<entry>& heap, bool (*before)(const entry&, const entry&)) {
        // heap ordered so that its front is the kept entry that ranks last
        if (heap.size() < k_) {
            e.x.assign(x, x + size_);
            heap.push_back(e);
            std::push_heap(heap.begin(), heap.end(), before);
        } else if (before(e, heap.front())) {
            std::pop_heap(heap.begin(), heap.end(), before);
            heap.back().score = score, heap.back().index = index;
            heap.back().x.assign(x, x + size_);
            std::push_heap(heap.begin(), heap.end(), before);
        }
    };
    keep(hi_, hi_before);
    keep(lo_, lo_before);
}

std::vector<extremes::entry> extremes::highest() const {
    auto v = hi_;
    std::sort(v.begin(), v.end(), hi_before);
    return v;
}

std::vector<extremes::entry> extremes::lowest() const {
    auto v = lo_;
    std::sort(v.begin(), v.end(), lo_before);
    return v;
}

//---------------------------------------------------------------------------------------------
// model parts

namespace {
std::vector<std::size_t> user_shape(const nn::tshape& t) {
    return t.spatial ? std::vector<std::size_t>{t.c, t.h, t.w} : std::vector<std::size_t>{t.size()};
}
}  // namespace

std::vector<double> linear_weights(const std::string& path, std::vector<std::size_t>& shape) {
    nn::model_meta meta;
    nn::sequential m = nn::load_model(path, &meta);
    std::vector<float> w;
    try {
        w = nn::fisher_weight_image(m);
    } catch (const error& e) {
        throw error(path, std::string(e.what()) + "; got a model '" + m.arch() + "'");
    }
    shape = user_shape(m.input_shape());
    std::vector<double> out(w.begin(), w.end());
    if (!meta.prep_std.empty())
        for (std::size_t i = 0; i < out.size(); ++i) out[i] /= double(meta.prep_std[i]);
    return out;
}

first_conv::first_conv(const std::string& path, bool activation) {
    nn::model_meta meta;
    nn::sequential m = nn::load_model(path, &meta);
    const std::string spec0 = m.size() ? m.at(0).spec() : std::string();
    if (spec0.rfind("conv(", 0) != 0)
        throw error(path, "the first layer is '" + spec0 + "', not a convolution (model '" + m.arch() + "')");
    head_arch_ = spec0;
    static const char* acts[] = {"relu", "leakyrelu", "elu", "tanh", "sigmoid"};
    if (activation && m.size() > 1) {
        const std::string s1 = m.at(1).spec();
        for (const char* a : acts)
            if (s1.rfind(a, 0) == 0) head_arch_ += " " + s1;
    }
    const nn::tshape in = m.input_shape();
    head_ = nn::sequential(head_arch_, in, 1);
    auto& dst = head_.at(0).params();
    const auto& src = m.at(0).params();
    for (std::size_t j = 0; j < dst.size(); ++j) dst[j].value = src[j].value;
    const auto& pw = src[0];  // weight (filters, k, k, in_channels)
    filters_ = pw.shape[0], k_ = pw.shape[1];
    in_ = user_shape(in);
    const nn::tshape o = head_.output_shape();
    out_ = {o.c, o.h, o.w};
    const std::size_t C = in.c;
    w_.assign(filters_ * C * k_ * k_, 0.0);
    for (std::size_t f = 0; f < filters_; ++f)
        for (std::size_t a = 0; a < k_; ++a)
            for (std::size_t b = 0; b < k_; ++b)
                for (std::size_t c = 0; c < C; ++c)
                    w_[((f * C + c) * k_ + a) * k_ + b] = pw.value[((f * k_ + a) * k_ + b) * C + c];
    b_.assign(filters_, 0.0);
    if (src.size() > 1)
        for (std::size_t f = 0; f < filters_; ++f) b_[f] = src[1].value[f];
    prep_mean_ = meta.prep_mean, prep_std_ = meta.prep_std;
}

first_conv::~first_conv() = default;

std::vector<double> first_conv::weights() const { return w_; }
std::vector<double> first_conv::biases() const { return b_; }

void first_conv::respond(const float* x, std::size_t n, float* out) {
    const std::size_t d = in_[0] * in_[1] * in_[2], F = out_[0], HW = out_[1] * out_[2];
    const float* src = x;
    if (!prep_mean_.empty()) {
        scratch_.resize(n * d);
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = 0; j < d; ++j) scratch_[i * d + j] = (x[i * d + j] - prep_mean_[j]) / prep_std_[j];
        src = scratch_.data();
    }
    hwc_.resize(n * F * HW);
    head_.predict(src, n, hwc_.data());
    for (std::size_t i = 0; i < n; ++i)  // (HW, F) -> (F, HW)
        for (std::size_t p = 0; p < HW; ++p)
            for (std::size_t f = 0; f < F; ++f) out[(i * F + f) * HW + p] = hwc_[(i * HW + p) * F + f];
}

//---------------------------------------------------------------------------------------------
// one column, streamed

struct column_stream::impl {
    std::unique_ptr<input> in;
    std::unique_ptr<npy_reader> npy;
    std::unique_ptr<csv_reader> csv;
    std::size_t col = 0, row = 0;
};

column_stream::column_stream(const std::string& path, const std::string& column) : p_(std::make_unique<impl>()) {
    p_->in = std::make_unique<input>(path);
    if (p_->in->peek(1).empty()) throw error(p_->in->name(), "empty input, expected an NPY column or CSV with a header");
    if (is_npy(*p_->in)) {
        p_->npy = std::make_unique<npy_reader>(*p_->in);
        const auto& s = p_->npy->header().shape;
        if (!(s.size() == 1 || (s.size() == 2 && s[1] == 1)))
            throw error(p_->in->name(), "expected one value per jet, NPY (N,) or (N, 1), got " + format_shape(s));
    } else {
        p_->csv = std::make_unique<csv_reader>(*p_->in);
        if (column.empty()) {
            if (p_->csv->columns().size() != 1)
                throw usage_error(p_->in->name() + ": CSV with several columns: name the column to read");
            p_->col = 0;
        } else {
            p_->col = p_->csv->column(column);
        }
    }
}

column_stream::~column_stream() = default;
const std::string& column_stream::name() const { return p_->in->name(); }

std::size_t column_stream::read(double* dst, std::size_t max_rows) {
    std::size_t got = 0;
    if (p_->npy) {
        got = p_->npy->read_rows(dst, max_rows);
        for (std::size_t i = 0; i < got; ++i)
            if (!std::isfinite(dst[i]))
                throw error(p_->in->name(), "non-finite value at row " + std::to_string(p_->row + i) + "; expected finite");
    } else {
        while (got < max_rows && p_->csv->next()) dst[got++] = p_->csv->finite_number(p_->col);
    }
    p_->row += got;
    return got;
}

}  // namespace jetml::viz
