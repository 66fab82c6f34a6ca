// SPDX-License-Identifier: MIT
// pipeline.cpp - jetml as a library, through xtensor arrays: NPY constituents -> jet images ->
// a Fisher discriminant trained on the first half of the jets -> scores and AUC on the second.
// Usage: pipeline constituents.npy labels.npy [preset] [shrinkage]
#include <cstdio>
#include <string>

#include <xtensor/xview.hpp>

#include "jetml/io/npy_xt.hpp"
#include "jetml/jets/image_xt.hpp"
#include "jetml/nn/model_xt.hpp"
#include "jetml/stats/metrics_xt.hpp"

int main(int argc, char** argv) try {
    if (argc < 3) return std::fprintf(stderr, "usage: pipeline constituents.npy labels.npy [preset] [shrinkage]\n"), 2;
    // (N, M, 4) float32 rows of (pT, eta, phi, m) and (N) labels 0/1
    xt::xtensor<float, 3> jets = jetml::load_npy_xt<float, 3>(argv[1]);
    xt::xtensor<float, 1> labels = jetml::load_npy_xt<float, 1>(argv[2]);
    const std::string preset = argc > 3 ? argv[3] : "deoliveira";
    const double shrinkage = argc > 4 ? std::stod(argv[4]) : 0.1;

    // (N, C, H, W) images with a named reference's conventions
    xt::xtensor<float, 4> images = jetml::image::make_images(jetml::image::preset(preset), jets);

    // first half trains, second half tests (a view assigned to an xt::xtensor becomes a contiguous copy)
    const std::size_t n = images.shape()[0], half = n / 2;
    xt::xtensor<float, 4> x_train = xt::view(images, xt::range(0, half));
    xt::xtensor<float, 4> x_test = xt::view(images, xt::range(half, n));
    xt::xtensor<float, 1> y_train = xt::view(labels, xt::range(0, half));
    xt::xtensor<float, 1> y_test = xt::view(labels, xt::range(half, n));

    jetml::nn::sequential fisher = jetml::nn::fisher_fit(x_train, y_train, shrinkage);
    xt::xtensor<float, 1> scores = jetml::nn::predict_scores(fisher, x_test);

    std::printf("jets %zu, images (%zu, %zu, %zu), preset %s, shrinkage %g\n", n, images.shape()[1],
                images.shape()[2], images.shape()[3], preset.c_str(), shrinkage);
    std::printf("train %zu, test %zu, test AUC %.6f\n", half, n - half, jetml::auc(scores, y_test));
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "pipeline: %s\n", e.what());
    return 1;
}
