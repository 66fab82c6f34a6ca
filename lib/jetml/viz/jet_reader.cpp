// SPDX-License-Identifier: MIT
// jetml/viz/jet_reader.cpp - images and per-jet columns read together (see jet_reader.hpp).
#include "jetml/viz/jet_reader.hpp"

#include "jetml/core/error.hpp"
#include "jetml/data/dataset.hpp"
#include "jetml/io/csv.hpp"
#include "jetml/io/npy.hpp"
#include "jetml/viz/maps.hpp"

namespace jetml::viz {

struct jet_reader::impl {
    std::unique_ptr<sample_stream> img;
    std::unique_ptr<column_stream> cols[3];  // score, label, weight
    std::vector<double> vals[3];
    std::vector<float> x;
    std::vector<std::size_t> shape;
    std::size_t batch = 256, done = 0, got = 0;
};

jet_reader::jet_reader(const std::string& images, const std::string& scores, const std::string& score_col,
                       const std::string& labels, const std::string& label_col, const std::string& weights,
                       const std::string& weight_col, std::size_t batch)
    : p_(std::make_unique<impl>()) {
    p_->img = std::make_unique<sample_stream>(images, std::vector<std::string>{});
    if (!p_->img->is_npy()) throw error(p_->img->name(), "expected images as NPY (N, C, H, W) or (N, H, W), got CSV");
    p_->shape = p_->img->sample_shape();
    if (p_->shape.size() != 3)
        throw error(p_->img->name(), "expected images (N, C, H, W) or (N, H, W), got samples of shape " + format_shape(p_->shape));
    p_->batch = batch;
    p_->x = p_->img->batch_buffer(batch);
    const std::string* paths[3] = {&scores, &labels, &weights};
    const std::string* names[3] = {&score_col, &label_col, &weight_col};
    for (int k = 0; k < 3; ++k)
        if (!paths[k]->empty()) {
            p_->cols[k] = std::make_unique<column_stream>(*paths[k], *names[k]);
            p_->vals[k].resize(batch);
        }
}

jet_reader::~jet_reader() = default;
const std::string& jet_reader::name() const { return p_->img->name(); }
const std::vector<std::size_t>& jet_reader::image_shape() const { return p_->shape; }
std::size_t jet_reader::image_size() const { return p_->img->sample_size(); }

std::size_t jet_reader::next() {
    p_->x.resize(p_->batch * image_size());
    const std::size_t n = p_->img->read(p_->x.data(), p_->batch);
    static const char* what[3] = {"scores", "labels", "weights"};
    for (int k = 0; k < 3; ++k) {
        if (!p_->cols[k]) continue;
        auto& c = *p_->cols[k];
        const std::size_t m = n ? c.read(p_->vals[k].data(), n) : 0;
        double extra = 0;
        if (m != n || (n == 0 && c.read(&extra, 1) != 0))
            throw error(c.name(), std::string(what[k]) + ": " +
                                      (m < n ? "ran out at row " + std::to_string(p_->done + m) + ", before the images of " + name()
                                             : "more rows than the " + std::to_string(p_->done) + " images of " + name()) +
                                      "; expected one value per image");
        for (std::size_t i = 0; i < n; ++i) {
            const double v = p_->vals[k][i];
            if (k == 1 && v != 0 && v != 1)
                throw error(c.name(), "label " + format_number("%.9g", v) + " at row " + std::to_string(p_->done + i) +
                                          "; expected 0 or 1");
            if (k == 2 && !(v >= 0))
                throw error(c.name(), "weight " + format_number("%.9g", v) + " at row " + std::to_string(p_->done + i) +
                                          "; expected >= 0");
        }
    }
    p_->done += n;
    p_->got = n;
    return n;
}

const float* jet_reader::image(std::size_t i) const { return p_->x.data() + i * image_size(); }
double jet_reader::score(std::size_t i) const { return p_->cols[0] ? p_->vals[0][i] : 0.0; }
int jet_reader::label(std::size_t i) const { return p_->cols[1] ? int(p_->vals[1][i]) : 0; }
double jet_reader::weight(std::size_t i) const { return p_->cols[2] ? p_->vals[2][i] : 1.0; }

}  // namespace jetml::viz
