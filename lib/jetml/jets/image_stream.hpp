// SPDX-License-Identifier: MIT
// jetml/jets/image_stream.hpp - jetimg's streaming procedure as a library: constituents from
// NPY (N, M, 4) or a CSV long-format table, read in batches, made into images by worker
// threads and written in input order to an NPY (N, C, H, W) or (N, H, W, C), with the per-jet
// metadata, pixel statistics and the average image beside them. Memory is constant in N.
#pragma once
#include <array>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "jetml/core/shard.hpp"
#include "jetml/jets/image.hpp"

namespace jetml::image {

/// What a run writes besides the images, and how it batches.
struct stream_outputs {
    std::string images = "-";     ///< images NPY float32 ('-' = stdout)
    bool channels_last = false;   ///< (N, H, W, C) instead of (N, C, H, W)
    std::string meta_path;        ///< per-jet metadata (jet,pt,eta,phi,mass,nconst,frac_outside,...)
    std::string meta_format;      ///< csv or npy, overriding meta_path's extension
    std::string save_stats;       ///< per-pixel statistics (4, P) of the images before standardising
    bool average = false;         ///< accumulate the mean image (before standardising)
    std::size_t batch = 256;      ///< jets per batch
    bool progress = false;        ///< draw a progress bar on stderr
};

/// What a run made.
struct stream_result {
    std::size_t jets = 0;
    std::array<std::size_t, 5> flagged{};  ///< jets with flag bit k set (flag_bits order)
    std::vector<double> average;           ///< mean image in the written layout (with average)
    std::vector<std::size_t> image_shape;  ///< one image: (C, H, W) or (H, W, C)
};

/// The metadata columns of stream_outputs::meta_path.
const std::vector<std::string>& meta_columns();

/// A constituent input and the run over it. Opening reads the header (NPY) or the CSV header
/// line; a CSV table of px,py,pz,E or pt,y,phi,m rows sets p.input_coord to rapidity.
class image_stream {
public:
    /// With `shard`, only that part of the jets is read (CSV: counted first in a second opening of
    /// the file); jets keep their numbers in the file in messages and in the metadata's "jet".
    image_stream(const std::string& path, params& p, const shard_spec& shard = {});
    ~image_stream();
    image_stream(const image_stream&) = delete;
    image_stream& operator=(const image_stream&) = delete;

    /// "<stdin>" or the path.
    const std::string& name() const;
    /// The number of jets when the input says (NPY).
    std::optional<std::size_t> jets() const;

    /// Streams every jet through make_image(p) and standardiser s, writing o's outputs (not yet
    /// committed) and saving o.save_stats. The first failing jet is an error naming the input
    /// and the jet.
    stream_result run(const params& p, const standardiser& s, const stream_outputs& o);
    /// Commits the metadata, then the images (call after any side output that may fail).
    void commit();

private:
    struct impl;
    std::unique_ptr<impl> m_;
};

}  // namespace jetml::image
