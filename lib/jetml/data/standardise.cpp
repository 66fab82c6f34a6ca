// SPDX-License-Identifier: MIT
// jetml/data/standardise.cpp - per-input standardisation fitted on a training set.
#include "jetml/data/standardise.hpp"

#include <cmath>

namespace jetml::data {

standardiser fit_standardiser(const labelled_set& s) {
    std::vector<double> mean(s.size, 0.0), var(s.size, 0.0);
    for (std::size_t i = 0; i < s.n; ++i)
        for (std::size_t j = 0; j < s.size; ++j) mean[j] += s.x[i * s.size + j];
    for (auto& m : mean) m /= double(s.n);
    for (std::size_t i = 0; i < s.n; ++i)
        for (std::size_t j = 0; j < s.size; ++j) {
            const double d = s.x[i * s.size + j] - mean[j];
            var[j] += d * d;
        }
    standardiser st;
    st.mean.resize(s.size);
    st.std.resize(s.size);
    for (std::size_t j = 0; j < s.size; ++j) {
        const double sd = std::sqrt(var[j] / double(s.n));
        st.mean[j] = float(mean[j]);
        st.std[j] = sd > 0 ? float(sd) : 1.0f;  // constant inputs (e.g. empty pixels) pass unscaled
    }
    return st;
}

void apply_standardiser(const standardiser& st, labelled_set& s) {
    for (std::size_t i = 0; i < s.n; ++i)
        for (std::size_t j = 0; j < s.size; ++j) s.x[i * s.size + j] = (s.x[i * s.size + j] - st.mean[j]) / st.std[j];
}

}  // namespace jetml::data
