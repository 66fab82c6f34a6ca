// SPDX-License-Identifier: MIT
// Tests of jetml/jets/image_stream: the streamed images and metadata equal make_image's jet by
// jet, from NPY and from the same jets as a CSV long-format table, for any batch and layout.
#include <doctest/doctest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "jetml/io/npy.hpp"
#include "jetml/jets/image_stream.hpp"
#include "jetml/jets/toy.hpp"
#include "support.hpp"

using namespace jetml;
namespace im = jetml::image;

namespace {
// n toy jets, zero-padded to M constituents, as (N, M, 4) float rows (pt, eta, phi, m)
std::vector<float> toy_rows(std::size_t n, std::size_t M) {
    std::vector<float> rows(n * M * 4, 0.0f);
    toy_params tp;
    for (std::size_t j = 0; j < n; ++j) {
        auto jet = toy_jet(j % 2 ? toy_process::w : toy_process::qcd, tp, 3, j);
        for (std::size_t i = 0; i < jet.size() && i < M; ++i) {
            float* r = rows.data() + (j * M + i) * 4;
            r[0] = float(jet[i].pt), r[1] = float(jet[i].eta), r[2] = float(jet[i].phi), r[3] = float(jet[i].m);
        }
    }
    return rows;
}
}  // namespace

TEST_CASE("image_stream: NPY and CSV inputs give make_image's images and metadata, in order") {
    const std::size_t n = 37, M = 60;
    const auto rows = toy_rows(n, M);
    const std::string in_npy = support::tmp_path("imgstream", "in.npy"), in_csv = support::tmp_path("imgstream", "in.csv");
    save_npy(in_npy, {n, M, 4}, rows.data());
    std::string csv = "event,pt,eta,phi,m\n";
    for (std::size_t j = 0; j < n; ++j)
        for (std::size_t i = 0; i < M; ++i) {
            const float* r = rows.data() + (j * M + i) * 4;
            if (r[0] <= 0) continue;
            char line[160];
            std::snprintf(line, sizeof line, "%zu,%.9g,%.9g,%.9g,%.9g\n", j, r[0], r[1], r[2], r[3]);
            csv += line;
        }
    support::write_file(in_csv, csv);

    im::params p = im::preset("deoliveira");
    const std::size_t P = p.pixels();
    // the reference: make_image jet by jet
    std::vector<float> want(n * P);
    std::vector<im::jet_info> info(n);
    im::workspace ws;
    for (std::size_t j = 0; j < n; ++j) im::make_image(p, rows.data() + j * M * 4, M, want.data() + j * P, info[j], ws);

    for (const std::string& in : {in_npy, in_csv})
        for (std::size_t batch : {1, 5, 256}) {
            CAPTURE(in);
            CAPTURE(batch);
            im::params q = p;
            im::image_stream s(in, q);
            CHECK(s.jets().has_value() == (in == in_npy));
            im::stream_outputs o;
            o.images = support::tmp_path("imgstream", "out.npy");
            o.meta_path = support::tmp_path("imgstream", "meta.npy");
            o.average = true;
            o.batch = batch;
            auto r = s.run(q, im::standardiser{}, o);
            s.commit();
            CHECK(r.jets == n);
            CHECK(r.image_shape == std::vector<std::size_t>{p.n_channels(), p.height(), p.width()});
            auto got = load_npy<float>(o.images);
            REQUIRE(got.data.size() == want.size());
            // CSV rows went through %.9g text: float32 values round-trip exactly
            CHECK(got.data == want);
            auto meta = load_npy<double>(o.meta_path);
            REQUIRE(meta.data.size() == n * im::meta_columns().size());
            for (std::size_t j = 0; j < n; ++j) {
                CHECK(meta.data[j * 11 + 0] == double(j));
                CHECK(meta.data[j * 11 + 1] == info[j].pt);
                CHECK(meta.data[j * 11 + 10] == double(info[j].flags));
            }
            double mean0 = 0;
            for (std::size_t j = 0; j < n; ++j) mean0 += want[j * P + P / 2];
            CHECK(r.average[P / 2] == doctest::Approx(mean0 / double(n)).epsilon(1e-12));
            std::remove(o.images.c_str());
            std::remove(o.meta_path.c_str());
        }
    std::remove(in_npy.c_str());
    std::remove(in_csv.c_str());
}
