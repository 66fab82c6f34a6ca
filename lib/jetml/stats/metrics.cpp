// SPDX-License-Identifier: MIT
// jetml/stats/metrics.cpp - ROC curve and AUC (working points and bootstrap in working_points.cpp).
#include "jetml/stats/metrics.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <type_traits>

#include "jetml/io/csv.hpp"
#include "jetml/core/error.hpp"
#include "jetml/core/memory.hpp"
#include "jetml/core/rng.hpp"
#include "jetml/core/threads.hpp"

namespace jetml {

namespace {
constexpr std::uint64_t sign_bit = 0x8000000000000000ull;
constexpr double inf = std::numeric_limits<double>::infinity();
constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// rows counted from 0, as numpy indexes them and as every other jetml message counts
std::string row_text(std::size_t i) { return "row " + std::to_string(i); }

// w if mask is all ones, +0.0 if it is zero: a branch-free select (the compiler turns
// `y ? w : 0.0` into a branch on the label, mispredicted half the time on mixed classes).
inline double masked(double w, std::uint64_t mask) {
    std::uint64_t b;
    std::memcpy(&b, &w, sizeof b);
    b &= mask;
    std::memcpy(&w, &b, sizeof w);
    return w;
}

inline std::uint64_t key_of(double s) {
    s += 0.0;  // -0.0 + 0.0 = +0.0: numpy's diff() sees -0.0 and +0.0 as one score
    std::uint64_t b;
    std::memcpy(&b, &s, sizeof b);
    return (b & sign_bit) ? ~b : (b | sign_bit);
}
}  // namespace

// ---------------------------------------------------------------- buffers

namespace detail {
namespace {
// Blocks of at least pool_min bytes are kept after use, up to pool_blocks of them (a ranking
// and the roc tool's two curves are 9 blocks) and pool_bytes in all; the oldest goes first.
// A request takes the smallest kept block that holds it and is at most twice its size.
constexpr std::size_t pool_min = std::size_t(4) << 20, pool_blocks = 16, pool_bytes = std::size_t(1) << 30;
struct pool_block {
    void* p;
    std::size_t bytes;
};
// never destroyed: buffers may be freed during static destruction
std::mutex& pool_mutex = *new std::mutex;
std::vector<pool_block>& pool = *new std::vector<pool_block>;  // oldest first
}  // namespace

void* pooled_alloc(std::size_t bytes) {
    if (bytes >= pool_min) {
        std::lock_guard<std::mutex> lock(pool_mutex);
        std::size_t best = pool.size();
        for (std::size_t i = 0; i < pool.size(); ++i)
            if (pool[i].bytes >= bytes && pool[i].bytes / 2 <= bytes &&
                (best == pool.size() || pool[i].bytes < pool[best].bytes))
                best = i;
        if (best < pool.size()) {
            void* p = pool[best].p;
            pool.erase(pool.begin() + static_cast<std::ptrdiff_t>(best));
            return p;
        }
    }
    return huge_alloc(bytes);
}

void pooled_free(void* p, std::size_t bytes) noexcept {
    if (!p) return;
    if (bytes < pool_min || bytes > pool_bytes) {
        huge_free(p);
        return;
    }
    std::lock_guard<std::mutex> lock(pool_mutex);
    try {
        pool.reserve(pool_blocks + 1);  // so push_back below cannot throw
    } catch (...) {
        huge_free(p);
        return;
    }
    pool.push_back({p, bytes});
    std::size_t total = 0;
    for (const auto& b : pool) total += b.bytes;
    while (pool.size() > pool_blocks || total > pool_bytes) {
        total -= pool.front().bytes;
        huge_free(pool.front().p);
        pool.erase(pool.begin());
    }
}
}  // namespace detail

std::uint64_t score_key(double s) { return key_of(s); }

double key_score(std::uint64_t k) {
    std::uint64_t b = (k & sign_bit) ? (k & ~sign_bit) : ~k;
    double s;
    std::memcpy(&s, &b, sizeof s);
    return s;
}

void check_roc_data(const roc_data& d) {
    const std::size_t n = d.score.size();
    if (n == 0) throw error("no events");
    if (d.label.size() != n)
        throw error("scores and labels differ in length: " + std::to_string(n) + " scores, " +
                    std::to_string(d.label.size()) + " labels");
    if (!d.weight.empty() && d.weight.size() != n)
        throw error("scores and weights differ in length: " + std::to_string(n) + " scores, " +
                    std::to_string(d.weight.size()) + " weights");
    for (std::size_t i = 0; i < n; ++i) {
        if (!std::isfinite(d.score[i]))
            throw error("score " + format_double(d.score[i]) + " at " + row_text(i) + "; expected finite");
        if (d.label[i] > 1)
            throw error("label " + std::to_string(d.label[i]) + " at " + row_text(i) + "; expected 0 or 1");
    }
    for (std::size_t i = 0; i < d.weight.size(); ++i)
        if (!std::isfinite(d.weight[i]))
            throw error("weight " + format_double(d.weight[i]) + " at " + row_text(i) + "; expected finite");
}

// ---------------------------------------------------------------- sorting
//
// A stable most-significant-digit radix sort in two stages. The first pass over the input
// splits the events into ~n/4096 buckets (at most 1024) by score value, with a monotone map
// of the score onto the bucket index, so bucket order is score order and tied scores share a
// bucket. Each bucket then fits in the L2 cache and is sorted there: one counting-sort level
// on the highest bits of key - min key (~4 digit values per key, so most digits hold 0 or 1
// keys), digits with more than small_bucket keys recursively, and one final insertion pass
// over the bucket that orders the few keys sharing a digit. Against an LSD radix sort of the
// 64-bit keys (8 passes), the data go through main memory once, and the weights cost one
// more stream instead of eight. Ties, constant exponents and the zero low bits of float32
// scores cost nothing: they never become digits.

namespace {
// The columns that move together: keys, and optionally labels and weights.
template <bool Y, bool W> struct cols {
    std::uint64_t* k;
    std::uint8_t* y;
    double* w;
    cols at(std::size_t o) const { return {k + o, Y ? y + o : nullptr, W ? w + o : nullptr}; }
    void copy_to(const cols& d, std::size_t n) const {
        std::memcpy(d.k, k, n * sizeof *k);
        if constexpr (Y) std::memcpy(d.y, y, n * sizeof *y);
        if constexpr (W) std::memcpy(d.w, w, n * sizeof *w);
    }
};

// Digits holding more keys than this are sorted by another level; fewer, by the final
// insertion pass (a digit of c keys costs at most c^2/4 moves there).
constexpr std::size_t small_bucket = 16;
// Widest digit of an in-cache level: 2^15 counters (128 KiB, in L2).
constexpr int max_bits = 15;
// An in-cache level of n keys uses floor(log2 n) + this many bits: ~4 digit values per key,
// so few keys share a digit and the insertion pass rarely moves one (1 and 0 measured slower).
constexpr int level_extra = 2;
// Stack counters up to this digit width; wider digits take theirs from the heap.
constexpr int stack_bits = 11;

inline int floor_log2(std::uint64_t n) { return 63 - __builtin_clzll(n); }

// Stable insertion sort of src[0, n) into dst[0, n); dst may be src. Linear on data whose
// keys are out of order only within short runs.
template <bool Y, bool W> void insertion_sort(cols<Y, W> src, cols<Y, W> dst, std::size_t n) {
    const std::uint64_t* sk = src.k;
    const std::uint8_t* sy = src.y;
    const double* sw = src.w;
    std::uint64_t* dk = dst.k;
    std::uint8_t* dy = dst.y;
    double* dw = dst.w;
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint64_t k = sk[i];
        std::uint8_t y = 0;
        double w = 0;
        if constexpr (Y) y = sy[i];
        if constexpr (W) w = sw[i];
        std::size_t j = i;
        for (; j > 0 && dk[j - 1] > k; --j) {
            dk[j] = dk[j - 1];
            if constexpr (Y) dy[j] = dy[j - 1];
            if constexpr (W) dw[j] = dw[j - 1];
        }
        dk[j] = k;
        if constexpr (Y) dy[j] = y;
        if constexpr (W) dw[j] = w;
    }
}

template <bool Y, bool W> void msd_sort(const cols<Y, W>& a, const cols<Y, W>& b, std::size_t n, bool in_a);

// One stable counting-sort level of a[0, n) into b on the digit (key - kmin) >> shift, which
// spreads the keys evenly over ~4n digit values when they are spread evenly in [kmin, kmax];
// digits with many keys recursively (sorted in place in b), then the insertion pass from b to
// the result: a if in_a, else b. C counts keys (32 bits when n < 2^32: half the cache).
template <class C, bool Y, bool W>
void msd_level(const cols<Y, W> a, const cols<Y, W> b, std::size_t n, bool in_a, std::uint64_t kmin,
               std::uint64_t kmax) {
    const int span = floor_log2(kmax - kmin) + 1;  // bits of the largest offset
    const int bits = std::min(span, std::clamp(floor_log2(n) + level_extra, 1, max_bits));
    const int shift = span - bits;
    const std::size_t radix = std::size_t(1) << bits;
    C stack_end[std::size_t(1) << stack_bits];
    std::unique_ptr<C[]> heap_end(bits > stack_bits ? new C[radix] : nullptr);
    C* end = bits > stack_bits ? heap_end.get() : stack_end;
    std::fill_n(end, radix, C(0));
    for (std::size_t i = 0; i < n; ++i) ++end[(a.k[i] - kmin) >> shift];
    C sum = 0;
    bool big = false;
    for (std::size_t v = 0; v < radix; ++v) {
        const C c = end[v];
        big |= c > small_bucket;
        end[v] = sum;
        sum += c;
    }
    {
        const std::uint64_t* ak = a.k;
        const std::uint8_t* ay = a.y;
        const double* aw = a.w;
        std::uint64_t* bk = b.k;
        std::uint8_t* by = b.y;
        double* bw = b.w;
        for (std::size_t i = 0; i < n; ++i) {
            const std::uint64_t k = ak[i];
            const C o = end[(k - kmin) >> shift]++;
            bk[o] = k;
            if constexpr (Y) by[o] = ay[i];
            if constexpr (W) bw[o] = aw[i];
        }
    }
    if (big) {  // now end[v] is the end of digit v in b
        std::size_t o = 0;
        for (std::size_t v = 0; v < radix; ++v) {
            const std::size_t e = end[v];
            if (e - o > small_bucket) msd_sort(b.at(o), a.at(o), e - o, true);
            o = e;
        }
    }
    insertion_sort(b, in_a ? a : b, n);
}

// Sorts a[0, n) stably by key with b[0, n) as scratch; the result ends in a if in_a, else in b.
template <bool Y, bool W> void msd_sort(const cols<Y, W>& a, const cols<Y, W>& b, std::size_t n, bool in_a) {
    if (n <= small_bucket) {
        insertion_sort(a, in_a ? a : b, n);
        return;
    }
    std::uint64_t kmin = a.k[0], kmax = a.k[0];
    for (std::size_t i = 1; i < n; ++i) {
        kmin = std::min(kmin, a.k[i]);
        kmax = std::max(kmax, a.k[i]);
    }
    if (kmin == kmax) {  // one tied score: already in order
        if (!in_a) a.copy_to(b, n);
        return;
    }
    if (n >> 32) msd_level<std::size_t>(a, b, n, in_a, kmin, kmax);
    else msd_level<std::uint32_t>(a, b, n, in_a, kmin, kmax);
}

// Threads for the buckets of a top-level split of n events.
int sort_threads(std::size_t n) { return n >= (std::size_t(1) << 18) ? std::max(1, max_threads()) : 1; }

// Sorts the buckets [end[v-1], end[v]) of a in place, on nt threads. Each thread has its own
// scratch of the largest bucket's size (in cache, and no full-size scratch to page in).
template <bool Y, bool W> void sort_buckets(const cols<Y, W>& a, const std::vector<std::size_t>& end, int nt) {
    const auto nb = static_cast<std::ptrdiff_t>(end.size());
    std::size_t most = 0;
    for (std::size_t v = 0, o = 0; v < end.size(); o = end[v++]) most = std::max(most, end[v] - o);
#pragma omp parallel num_threads(nt) if (nt > 1)
    {
        huge_vector<std::uint64_t> k2(most);
        huge_vector<std::uint8_t> y2(Y ? most : 0);
        huge_vector<double> w2(W ? most : 0);
        const cols<Y, W> b{k2.data(), Y ? y2.data() : nullptr, W ? w2.data() : nullptr};
#pragma omp for schedule(dynamic, 16)
        for (std::ptrdiff_t v = 0; v < nb; ++v) {
            const std::size_t o = v == 0 ? 0 : end[static_cast<std::size_t>(v) - 1];
            const std::size_t e = end[static_cast<std::size_t>(v)];
            if (e > o) msd_sort(a.at(o), b, e - o, true);
        }
    }
}
}  // namespace

void radix_sort(std::vector<std::uint64_t>& key, std::vector<double>& payload) {
    const std::size_t n = key.size();
    if (n < 2) return;
    const bool with = !payload.empty();
    huge_vector<std::uint64_t> k2(n);
    huge_vector<double> w2(with ? n : 0);
    if (with)
        msd_sort(cols<false, true>{key.data(), nullptr, payload.data()}, cols<false, true>{k2.data(), nullptr, w2.data()},
                 n, true);
    else
        msd_sort(cols<false, false>{key.data(), nullptr, nullptr}, cols<false, false>{k2.data(), nullptr, nullptr}, n, true);
}

// ---------------------------------------------------------------- ranking

namespace {
// Average events per bucket of the first split: a bucket's keys, labels and weights (~70 KiB)
// and their scratch copies stay in the L2 cache. (256 to 4096 measured within noise.)
constexpr std::size_t top_avg = 4096;
// At most this many buckets: the scatter writes 2-3 streams per bucket, and more streams
// than the L2 cache holds lines for make every store miss.
constexpr std::size_t top_max = 1024;

// Monotone bucket index of a score: floor((s - lo) * scale) clamped to [0, last] (NaN -> 0).
// Rounding is monotone, so s1 <= s2 gives bucket(s1) <= bucket(s2) for any lo and scale >= 0,
// and equal scores (-0.0 and +0.0 too) share a bucket: lo and scale only have to be good
// guesses of the range for the buckets to be even, never exact for the order to be right.
struct value_bucket {
    double lo, scale, last;
    std::size_t operator()(double s) const {
        double v = (s - lo) * scale;
        v = v > 0 ? v : 0;
        v = v < last ? v : last;
        return static_cast<std::size_t>(static_cast<std::int64_t>(v));
    }
};

// Bucket map from the score range of a sample of ~1024 evenly spaced events.
value_bucket guess_buckets(const double* score, std::size_t n, std::size_t nb) {
    double lo = inf, hi = -inf;
    const std::size_t step = std::max<std::size_t>(1, n / 1024);
    for (std::size_t i = 0; i < n; i += step)
        if (std::isfinite(score[i])) {
            lo = std::min(lo, score[i]);
            hi = std::max(hi, score[i]);
        }
    const double range = hi - lo, scale = static_cast<double>(nb) / range;
    if (nb > 1 && std::isfinite(range) && range > 0 && std::isfinite(scale) && std::isfinite(range * scale))
        return {lo, scale, static_cast<double>(nb - 1)};
    return {0, 0, 0};  // no usable range (one score, or overflow): one bucket
}

// The first split, straight from the input arrays: pass 1 validates, counts the classes
// without zero weights (dropped, as scikit-learn does) and the bucket sizes; pass 2 writes
// keys, labels and weights into their buckets; then every bucket is sorted in cache.
template <bool W> void rank_sort(const roc_data& d, ranked_events& r) {
    const std::size_t n = d.score.size();
    const double* score = d.score.data();
    const std::uint8_t* label = d.label.data();
    const double* weight = W ? d.weight.data() : nullptr;
    const std::size_t nb = std::clamp<std::size_t>(n / top_avg, 1, top_max);
    const value_bucket bucket = guess_buckets(score, n, nb);
    std::vector<std::size_t> end(nb, 0);
    std::size_t* e = end.data();
    std::size_t pos = 0, kept = n;
    bool bad = false;
    if constexpr (W) {
        kept = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const double s = score[i], w = weight[i];
            const std::size_t keep = w != 0;
            bad |= !std::isfinite(s) || label[i] > 1 || !std::isfinite(w);
            e[bucket(s)] += keep;
            pos += keep & label[i];
            kept += keep;
        }
    } else {
        for (std::size_t i = 0; i < n; ++i) {
            const double s = score[i];
            bad |= !std::isfinite(s) || label[i] > 1;
            ++e[bucket(s)];
            pos += label[i] & 1;
        }
    }
    if (bad) check_roc_data(d);  // throws the message that names the first bad row
    r.n_pos = pos;
    r.n_neg = kept - pos;
    if (r.n_pos == 0 || r.n_neg == 0)
        throw error("only one class present (" + std::to_string(r.n_pos) + " signal, " + std::to_string(r.n_neg) +
                    " background events with non-zero weight): the ROC curve is undefined");
    r.key.resize(kept);
    r.label.resize(kept);
    if (W) r.weight.resize(kept);
    std::size_t sum = 0;
    for (std::size_t v = 0; v < nb; ++v) {
        const std::size_t c = e[v];
        e[v] = sum;
        sum += c;
    }
    // plain local pointers: a store through a uint8_t* may alias anything in memory, so values
    // read through a struct or a reference would be reloaded after every label store
    std::uint64_t* ok = r.key.data();
    std::uint8_t* oy = r.label.data();
    double* ow = W ? r.weight.data() : nullptr;
    for (std::size_t i = 0; i < n; ++i) {
        if (W && weight[i] == 0) continue;
        const double s = score[i];
        const std::size_t o = e[bucket(s)]++;
        ok[o] = key_of(s);
        oy[o] = label[i];
        if constexpr (W) ow[o] = weight[i];
    }
    sort_buckets(cols<true, W>{ok, oy, ow}, end, sort_threads(kept));
}
}  // namespace

ranked_events rank_events(const roc_data& d) {
    const std::size_t n = d.score.size();
    if (n == 0 || d.label.size() != n || (!d.weight.empty() && d.weight.size() != n)) check_roc_data(d);
    ranked_events r;
    r.weighted = !d.weight.empty();
    if (r.weighted) {
        rank_sort<true>(d, r);
        // summed in scikit-learn's order (descending score), so totals equal its cumsum[-1]
        double tp = 0, fp = 0;
        const double* w = r.weight.data();
        const std::uint8_t* y = r.label.data();
        for (std::size_t i = r.size(); i-- > 0;) {
            const std::uint64_t pos = std::uint64_t(0) - y[i];  // all ones for signal
            tp += masked(w[i], pos);
            fp += masked(w[i], ~pos);
        }
        r.pos_total = tp;
        r.neg_total = fp;
    } else {
        rank_sort<false>(d, r);
        r.pos_total = static_cast<double>(r.n_pos);
        r.neg_total = static_cast<double>(r.n_neg);
    }
    if (!(r.pos_total > 0) || !(r.neg_total > 0))
        throw error("summed weights must be positive for both classes, got signal " + format_double(r.pos_total) +
                    ", background " + format_double(r.neg_total));
    return r;
}

namespace {
// Walks the distinct scores from the highest down. For each group of tied scores calls
// visit(key, tp, fp) with the running counts after the group: doubles summed element by
// element in scikit-learn's order (descending score; within a tie, descending original index,
// the reverse of our stable ascending sort) when weighted, exact integers when not.
template <bool W, class Visit> void walk_groups(const ranked_events& r, Visit&& visit) {
    const std::uint64_t* key = r.key.data();
    const std::uint8_t* y = r.label.data();
    const double* w = r.weight.data();
    std::size_t i = r.size();
    if constexpr (W) {
        double tp = 0, fp = 0;
        while (i > 0) {
            const std::uint64_t k = key[i - 1];
            do {
                --i;
                // adding +0.0 to the other class's sum is exact: a sum that starts at +0.0 is never -0.0
                const std::uint64_t pos = std::uint64_t(0) - y[i];  // all ones for signal
                tp += masked(w[i], pos);
                fp += masked(w[i], ~pos);
            } while (i > 0 && key[i - 1] == k);
            visit(k, tp, fp);
        }
    } else {
        std::uint64_t tp = 0;
        const std::size_t n = i;
        while (i > 0) {
            const std::uint64_t k = key[i - 1];
            do {
                --i;
                tp += y[i];
            } while (i > 0 && key[i - 1] == k);
            visit(k, tp, static_cast<std::uint64_t>(n - i) - tp);
        }
    }
}

template <bool W, bool Drop> void fill_roc(const ranked_events& r, roc_curve& c) {
    // at most one point per event, plus the origin; resize() leaves the memory untouched
    const std::size_t cap = r.size() + 1;
    c.threshold.resize(cap);
    c.tps.resize(cap);
    c.fps.resize(cap);
    double* th = c.threshold.data();
    double* tps = c.tps.data();
    double* fps = c.fps.data();
    th[0] = inf;
    tps[0] = fps[0] = 0;
    std::size_t m = 1;
    using count = std::conditional_t<W, double, std::uint64_t>;
    if constexpr (!Drop) {
        walk_groups<W>(r, [&](std::uint64_t k, count tp, count fp) {
            th[m] = key_score(k);
            tps[m] = static_cast<double>(tp);
            fps[m] = static_cast<double>(fp);
            ++m;
        });
    } else {
        // Streaming drop_intermediate: group g is decided when group g+1 arrives. The first and
        // last groups are always kept; with two groups or fewer nothing is dropped (as sklearn).
        // The candidate is always written and the end only advances when it is kept (no branch).
        count atp = 0, afp = 0, btp = 0, bfp = 0;
        std::uint64_t bk = 0;
        std::size_t seen = 0;
        walk_groups<W>(r, [&](std::uint64_t k, count tp, count fp) {
            if (seen >= 2) {
                // numpy: np.diff(v, 2) = (v[g+1] - v[g]) - (v[g] - v[g-1]); keep if either is non-zero
                // (integer counts: exact, so the same test as on their double values)
                // `|`, not `||`: which test decides depends on the class, so a short circuit
                // would be a mispredicted branch
                const bool keep = ((fp - bfp) - (bfp - afp) != 0) | ((tp - btp) - (btp - atp) != 0);
                th[m] = key_score(bk);
                tps[m] = static_cast<double>(btp);
                fps[m] = static_cast<double>(bfp);
                m += keep;
            } else if (seen == 0) {
                th[m] = key_score(k);
                tps[m] = static_cast<double>(tp);
                fps[m] = static_cast<double>(fp);
                ++m;
            }
            atp = btp;
            afp = bfp;
            btp = tp;
            bfp = fp;
            bk = k;
            ++seen;
        });
        if (seen >= 2) {
            th[m] = key_score(bk);
            tps[m] = static_cast<double>(btp);
            fps[m] = static_cast<double>(bfp);
            ++m;
        }
    }
    c.threshold.resize(m);
    c.tps.resize(m);
    c.fps.resize(m);
}
}  // namespace

roc_curve compute_roc(const ranked_events& r, bool drop_intermediate) {
    roc_curve c;
    c.pos_total = r.pos_total;
    c.neg_total = r.neg_total;
    if (r.weighted) drop_intermediate ? fill_roc<true, true>(r, c) : fill_roc<true, false>(r, c);
    else drop_intermediate ? fill_roc<false, true>(r, c) : fill_roc<false, false>(r, c);
    return c;
}

roc_curve compute_roc(const roc_data& d, bool drop_intermediate) {
    return compute_roc(rank_events(d), drop_intermediate);
}

double auc(const ranked_events& r) {
    // twice the trapezoid area in count units: sum of dfp * (tp_before + tp_after).
    // With unit weights every term is an integer below 2^53 for fewer than 10^8 events, so
    // the sum is exact and the only rounding is the final division.
    if (r.weighted) {
        double area2 = 0, tp_prev = 0, fp_prev = 0;
        walk_groups<true>(r, [&](std::uint64_t, double tp, double fp) {
            area2 += (fp - fp_prev) * (tp + tp_prev);
            tp_prev = tp;
            fp_prev = fp;
        });
        return area2 / (2.0 * tp_prev * fp_prev);
    }
    double area2 = 0;
    std::uint64_t tp_prev = 0, fp_prev = 0;
    walk_groups<false>(r, [&](std::uint64_t, std::uint64_t tp, std::uint64_t fp) {
        area2 += static_cast<double>(fp - fp_prev) * static_cast<double>(tp + tp_prev);
        tp_prev = tp;
        fp_prev = fp;
    });
    return area2 / (2.0 * static_cast<double>(tp_prev) * static_cast<double>(fp_prev));
}

double auc(const roc_data& d) { return auc(rank_events(d)); }

}  // namespace jetml
