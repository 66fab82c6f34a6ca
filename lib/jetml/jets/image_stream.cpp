// SPDX-License-Identifier: MIT
// jetml/jets/image_stream.cpp - jetimg's streaming procedure (see image_stream.hpp).
#include "jetml/jets/image_stream.hpp"

#include <algorithm>

#include "jetml/core/error.hpp"
#include "jetml/core/memory.hpp"
#include "jetml/core/pipeline.hpp"
#include "jetml/core/progress.hpp"
#include "jetml/core/threads.hpp"
#include "jetml/io/csv.hpp"
#include "jetml/io/event_io.hpp"
#include "jetml/io/io.hpp"
#include "jetml/io/npy.hpp"
#include "jetml/io/table.hpp"
#include "jetml/jets/fourvec.hpp"

namespace jetml::image {
namespace {

/// A batch of jets: rows of 4 floats, jet j = rows [off[j], off[j] + cnt[j]).
struct batch_t {
    std::vector<float, huge_allocator<float>> rows;  // batches in flight: first touch on huge pages
    std::vector<std::size_t> off, cnt;
    /// Forgets the jets; keeps `rows` (NPY batches overwrite it, CSV batches clear it).
    void clear() { off.clear(), cnt.clear(); }
    std::size_t size() const { return off.size(); }
};

/// Reads a CSV constituent table (jetml/io/event_io's columns) jet by jet (consecutive equal
/// event numbers); px,py,pz,E rows become pt, rapidity, phi, m.
class csv_jets {
public:
    csv_jets(input& in, params& p) : r_(in), k_(find_constituent_columns(r_, in.name())) {
        p.input_coord = k_.cartesian || k_.rapidity ? coord::rap : coord::eta;
        have_ = r_.next();
    }
    /// Reads up to n jets into b; returns how many. Stops after limit() jets.
    std::size_t read(batch_t& b, std::size_t n) {
        b.rows.clear();
        std::size_t got = 0;
        while (got < n && have_ && left_ > 0) {
            --left_;
            const std::int64_t ev = r_.integer(k_.event);
            b.off.push_back(b.rows.size() / 4);
            std::size_t c = 0;
            while (have_ && r_.integer(k_.event) == ev) {
                const double a = r_.number(k_.c[0]), x = r_.number(k_.c[1]), phi = r_.number(k_.c[2]);
                const double last = k_.last ? r_.number(*k_.last) : 0.0;
                if (k_.cartesian) {
                    const fourvec v(a, x, phi, last);
                    b.rows.insert(b.rows.end(), {float(v.pt()), float(v.rap()), float(v.phi()), float(v.m())});
                } else {
                    b.rows.insert(b.rows.end(), {float(a), float(x), float(phi), float(last)});
                }
                ++c;
                have_ = r_.next();
            }
            b.cnt.push_back(c);
            ++got;
        }
        return got;
    }

    /// Ends the input after n more jets.
    void limit(std::uint64_t n) { left_ = n; }

private:
    csv_reader r_;
    constituent_columns k_;
    bool have_ = false;
    std::uint64_t left_ = ~std::uint64_t(0);
};

/// Jets of a CSV constituent file (for --shard).
std::uint64_t count_csv_jets(const std::string& path, params p) {
    input in(path);
    csv_jets r(in, p);
    batch_t b;
    std::uint64_t n = 0;
    while (std::size_t got = r.read(b, 4096)) n += got, b.clear();
    return n;
}

/// One batch in flight: the constituents read, then the images made from them.
struct slot_t {
    batch_t in;
    std::size_t got = 0;
    std::string err;  ///< the first failing jet's message, from make_image
    std::size_t err_jet = 0;
    std::vector<float, huge_allocator<float>> img, hwc;
    std::vector<jet_info> infos;
};

}  // namespace

const std::vector<std::string>& meta_columns() {
    static const std::vector<std::string> cols{"jet", "pt", "eta", "phi", "mass", "nconst", "frac_outside",
                                               "centre_x", "centre_phi", "angle", "flags"};
    return cols;
}

struct image_stream::impl {
    input in;
    std::unique_ptr<npy_reader> npy;
    std::unique_ptr<csv_jets> csv;
    std::optional<std::size_t> n_jets;
    std::size_t M = 0, first = 0;  // first: the shard's first jet in the file
    // outputs of run(), committed by commit()
    std::unique_ptr<io::npy_table> images, meta_npy;
    std::unique_ptr<output> meta_out;
    std::unique_ptr<csv_writer> meta_csv;

    explicit impl(const std::string& path) : in(path) {}
};

image_stream::image_stream(const std::string& path, params& p, const shard_spec& shard) : m_(std::make_unique<impl>(path)) {
    input& in = m_->in;
    if (in.peek(1).empty()) throw error(in.name(), "empty input");
    if (is_npy(in)) {
        m_->npy = std::make_unique<npy_reader>(in);
        const auto& s = m_->npy->header().shape;
        if (s.size() != 3 || s[2] != 4)
            throw error(in.name(), "expected constituents of shape (N, M, 4), got " + format_shape(s));
        const row_range r = shard_rows(shard, s[0]);
        m_->npy->select_rows(r.begin, r.end);
        m_->n_jets = r.size();
        m_->first = r.begin;
        m_->M = s[1];
    } else {
        m_->csv = std::make_unique<csv_jets>(in, p);
        const row_range r = shard_rows_of_file(shard, path, [&](const std::string& f) { return count_csv_jets(f, p); });
        batch_t skip;
        for (std::uint64_t left = r.begin; left > 0;) {
            const std::size_t got = m_->csv->read(skip, std::size_t(std::min<std::uint64_t>(left, 4096)));
            if (got == 0) break;
            left -= got, skip.clear();
        }
        m_->csv->limit(r.size());
        m_->first = r.begin;
    }
}

image_stream::~image_stream() = default;

const std::string& image_stream::name() const { return m_->in.name(); }
std::optional<std::size_t> image_stream::jets() const { return m_->n_jets; }

stream_result image_stream::run(const params& p, const standardiser& stdz, const stream_outputs& o) {
    impl& m = *m_;
    const std::size_t P = p.pixels(), batch = o.batch, M = m.M;
    const bool last = o.channels_last;
    stream_result res;
    res.image_shape = last ? std::vector<std::size_t>{p.height(), p.width(), p.n_channels()}
                           : std::vector<std::size_t>{p.n_channels(), p.height(), p.width()};

    //-- outputs -------------------------------------------------------------------------
    m.images = std::make_unique<io::npy_table>(o.images, dtype::f4, res.image_shape, m.n_jets);
    const auto& meta_cols = meta_columns();
    if (!o.meta_path.empty()) {
        const std::string f = format_from_extension(o.meta_format, o.meta_path, "csv");
        if (f == "npy") {
            m.meta_npy = std::make_unique<io::npy_table>(o.meta_path, dtype::f8,
                                                         std::vector<std::size_t>{meta_cols.size()}, m.n_jets);
        } else {
            m.meta_out = std::make_unique<output>(o.meta_path, false);
            m.meta_csv = std::make_unique<csv_writer>(*m.meta_out, meta_cols);
        }
    }
    std::unique_ptr<pixel_stats> stats;
    if (!o.save_stats.empty()) stats = std::make_unique<pixel_stats>(P);
    std::vector<double>& avg = res.average;
    if (o.average) avg.assign(P, 0.0);

    //-- stream: worker threads reading, making images and writing in input order --------
    std::size_t done = 0;
    const std::size_t first = m.first;  // jets are numbered as in the file
    std::vector<double> meta_rows;
    progress_bar bar(o.progress, "jetimg", m.n_jets.value_or(0), "jets");
    auto read_batch = [&](batch_t& b) -> std::size_t {
        if (!m.npy) return m.csv->read(b, batch);
        if (b.rows.size() < std::min(batch, m.npy->rows_left()) * M * 4)  // once per slot, not every batch
            // at least 1 MiB, so that the buffer is on huge pages (jetml/memory): first
            // touch of its 4 KiB pages would cost ~2 ms per slot for 256 jets of 160 rows;
            // never more rows than the header has left, and a named error if memory runs out
            m.npy->size_batch(b.rows, batch, (std::size_t(1) << 20) / sizeof(float));
        const std::size_t got = m.npy->read_rows(b.rows.data(), batch);
        for (std::size_t j = 0; j < got; ++j) b.off.push_back(j * M), b.cnt.push_back(M);
        return got;
    };
    auto make_batch = [&](slot_t& s, workspace& ws) {
        s.img.resize(s.got * P);
        s.infos.resize(s.got);
        for (std::size_t j = 0; j < s.got; ++j) {
            try {
                make_image(p, s.in.rows.data() + 4 * s.in.off[j], s.in.cnt[j], s.img.data() + j * P, s.infos[j], ws);
            } catch (const std::exception& e) {
                s.err = e.what(), s.err_jet = j;  // the first failing jet of the batch
                return;
            }
        }
    };
    auto write_batch = [&](slot_t& s) {
        if (!s.err.empty()) throw error(m.in.name(), "jet " + std::to_string(first + done + s.err_jet) + ", " + s.err);
        const std::size_t got = s.got;
        for (std::size_t j = 0; j < got; ++j) {
            float* im1 = s.img.data() + j * P;
            if (stats) stats->add(im1);
            if (!avg.empty())
                for (std::size_t q = 0; q < P; ++q) avg[q] += im1[q];
            stdz.apply(im1);
            for (int k = 0; k < 5; ++k)
                if (s.infos[j].flags & (1u << k)) ++res.flagged[std::size_t(k)];
        }
        if (last) {
            const std::size_t C = p.n_channels(), HW = p.height() * p.width();
            s.hwc.resize(s.img.size());
            for (std::size_t j = 0; j < got; ++j)
                for (std::size_t c = 0; c < C; ++c)
                    for (std::size_t q = 0; q < HW; ++q) s.hwc[j * P + q * C + c] = s.img[j * P + c * HW + q];
            m.images->write_rows(s.hwc.data(), got);
        } else {
            m.images->write_rows(s.img.data(), got);
        }
        if (m.meta_csv || m.meta_npy) {
            meta_rows.resize(got * meta_cols.size());
            for (std::size_t j = 0; j < got; ++j) {
                const auto& f = s.infos[j];
                double* r = meta_rows.data() + j * meta_cols.size();
                r[0] = double(first + done + j), r[1] = f.pt, r[2] = f.eta, r[3] = f.phi, r[4] = f.mass, r[5] = double(f.nconst);
                r[6] = f.frac_outside, r[7] = f.centre_x, r[8] = f.centre_phi, r[9] = f.angle, r[10] = double(f.flags);
                if (m.meta_csv) {
                    *m.meta_csv << std::int64_t(first + done + j);
                    for (std::size_t c = 1; c < meta_cols.size(); ++c) {
                        if (c == 5 || c == 10) *m.meta_csv << std::int64_t(r[c]);
                        else *m.meta_csv << r[c];
                    }
                    m.meta_csv->end_row();
                }
            }
            if (m.meta_npy) m.meta_npy->write_rows(meta_rows.data(), got);
        }
        done += got;
        bar.advance(got);
    };
    const std::size_t workers = std::size_t(std::max(1, max_threads()));
    // Each worker thread reads a batch, makes its images and writes whatever is next in
    // input order (no reader or writer thread): the copying of the bytes in and out costs
    // as much as the images, so a thread of its own for it would compete with the workers
    // for the cores, and --threads 1 is one core's worth of work. Two batches per worker
    // let a worker that finished early read on while the batch before waits to be written.
    std::vector<slot_t> slots(2 * workers);
    std::vector<workspace> ws(workers);
    run_ordered_inline(
        workers, slots.size(),
        [&](std::size_t s) {
            slots[s].in.clear();
            slots[s].err.clear();
            return (slots[s].got = read_batch(slots[s].in)) > 0;
        },
        [&](std::size_t s, std::size_t w) { make_batch(slots[s], ws[w]); },
        [&](std::size_t s) { write_batch(slots[s]); });
    bar.finish();
    res.jets = done;

    if (stats) stats->save(o.save_stats);
    if (!avg.empty() && done > 0) {
        for (auto& v : avg) v /= double(done);
        // the average is of the images before standardising, in the layout written
        if (last) {
            const std::size_t C = p.n_channels(), HW = p.height() * p.width();
            std::vector<double> t2(P);
            for (std::size_t c = 0; c < C; ++c)
                for (std::size_t q = 0; q < HW; ++q) t2[q * C + c] = avg[c * HW + q];
            avg.swap(t2);
        }
    }
    return res;
}

void image_stream::commit() {
    if (m_->meta_csv) m_->meta_csv->finish();
    if (m_->meta_npy) m_->meta_npy->finish();
    if (m_->images) m_->images->finish();
}

}  // namespace jetml::image
