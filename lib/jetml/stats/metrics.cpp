// SPDX-License-Identifier: MIT
// jetml/stats/metrics.cpp - ROC curve, AUC, HEP working-point numbers, bootstrap.
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
            throw error("score at " + row_text(i) + " is " + format_double(d.score[i]) + " (scores must be finite)");
        if (d.label[i] > 1)
            throw error("label at " + row_text(i) + " is not 0 or 1");
    }
    for (std::size_t i = 0; i < d.weight.size(); ++i)
        if (!std::isfinite(d.weight[i]))
            throw error("weight at " + row_text(i) + " is " + format_double(d.weight[i]) + " (weights must be finite)");
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

// ---------------------------------------------------------------- derived numbers

double eff_b_at_eff_s(const roc_curve& c, double x) {
    double best = inf;
    const std::size_t m = c.size();
    for (std::size_t i = 0; i < m; ++i) {
        const double t = c.tpr(i), f = c.fpr(i);
        if (t >= x) best = std::min(best, f);
        if (i + 1 < m) {
            const double t1 = c.tpr(i + 1), f1 = c.fpr(i + 1);
            if ((t < x && t1 > x) || (t > x && t1 < x))  // the segment crosses eps_S = x
                best = std::min(best, f + (x - t) * (f1 - f) / (t1 - t));
        }
    }
    return best == inf ? nan : best;
}

double eff_s_at_eff_b(const roc_curve& c, double y) {
    double best = -inf;
    const std::size_t m = c.size();
    for (std::size_t i = 0; i < m; ++i) {
        const double t = c.tpr(i), f = c.fpr(i);
        if (f <= y) best = std::max(best, t);
        if (i + 1 < m) {
            const double t1 = c.tpr(i + 1), f1 = c.fpr(i + 1);
            if ((f < y && f1 > y) || (f > y && f1 < y))  // the segment crosses eps_B = y
                best = std::max(best, t + (y - f) * (t1 - t) / (f1 - f));
        }
    }
    return best == -inf ? nan : best;
}

partial_auc_result partial_auc(const roc_curve& c, double max_fpr) {
    if (!(max_fpr > 0 && max_fpr <= 1)) throw usage_error("max_fpr must be in (0, 1], got " + format_double(max_fpr));
    const std::size_t m = c.size();
    std::vector<double> fpr(m), tpr(m);
    for (std::size_t i = 0; i < m; ++i) {
        fpr[i] = c.fpr(i);
        tpr[i] = c.tpr(i);
    }
    partial_auc_result res;
    auto trapz = [](const std::vector<double>& x, const std::vector<double>& y) {
        double s = 0;
        for (std::size_t i = 0; i + 1 < x.size(); ++i) s += (x[i + 1] - x[i]) * (y[i + 1] + y[i]) / 2.0;
        return s;
    };
    if (max_fpr == 1) {
        res.raw = res.standardized = trapz(fpr, tpr);
        return res;
    }
    // scikit-learn: stop = searchsorted(fpr, max_fpr, 'right'); interpolate between stop-1 and stop
    std::size_t stop = static_cast<std::size_t>(std::upper_bound(fpr.begin(), fpr.end(), max_fpr) - fpr.begin());
    if (stop == 0 || stop >= m) throw error("partial AUC: eps_B never exceeds max_fpr");
    const double x0 = fpr[stop - 1], x1 = fpr[stop], y0 = tpr[stop - 1], y1 = tpr[stop];
    const double yi = y0 + (max_fpr - x0) * (y1 - y0) / (x1 - x0);
    fpr.resize(stop);
    tpr.resize(stop);
    fpr.push_back(max_fpr);
    tpr.push_back(yi);
    res.raw = trapz(fpr, tpr);
    const double min_area = 0.5 * max_fpr * max_fpr, max_area = max_fpr;
    res.standardized = 0.5 * (1 + (res.raw - min_area) / (max_area - min_area));
    return res;
}

sic_max max_sic(const roc_curve& c, double min_eff_b) {
    sic_max best;
    for (std::size_t i = 0; i < c.size(); ++i) {
        const double f = c.fpr(i);
        if (!(f > 0) || f < min_eff_b) continue;
        const double s = c.tpr(i) / std::sqrt(f);
        if (!best.found || s > best.sic) {
            best.found = true;
            best.sic = s;
            best.eff_s = c.tpr(i);
            best.eff_b = f;
            best.threshold = c.threshold[i];
        }
    }
    if (!best.found) best.sic = best.eff_s = best.eff_b = best.threshold = nan;
    return best;
}

double accuracy_at(const roc_curve& c, double threshold) {
    // the last point whose threshold is >= t: every event with score >= t is called signal
    std::size_t i = 0;
    while (i + 1 < c.size() && c.threshold[i + 1] >= threshold) ++i;
    const double tp = c.tps[i], fp = c.fps[i];
    return (tp + (c.fps.back() - fp)) / (c.tps.back() + c.fps.back());
}

namespace {
std::string num_text(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}
}  // namespace

std::vector<quantity> summarize(const roc_curve& c, const summary_spec& spec) {
    std::vector<quantity> q;
    q.push_back({"n_sig", "signal (sum of weights)", c.tps.back()});
    q.push_back({"n_bkg", "background (sum of weights)", c.fps.back()});
    // AUC in count units, like auc(ranked_events): exact for unit weights
    double area2 = 0;
    for (std::size_t i = 1; i < c.size(); ++i) area2 += (c.fps[i] - c.fps[i - 1]) * (c.tps[i] + c.tps[i - 1]);
    q.push_back({"auc", "AUC", area2 / (2.0 * c.tps.back() * c.fps.back())});
    for (double x : spec.eff_s) {
        const double fb = eff_b_at_eff_s(c, x);
        q.push_back({"rej_at_eff_s_" + num_text(x), "1/eps_B at eps_S=" + num_text(x), 1.0 / fb});
    }
    for (double y : spec.eff_b)
        q.push_back({"eff_s_at_eff_b_" + num_text(y), "eps_S at eps_B=" + num_text(y), eff_s_at_eff_b(c, y)});
    const sic_max s = max_sic(c, spec.sic_min_eff_b);
    q.push_back({"max_sic", "max SIC = eps_S/sqrt(eps_B)", s.sic});
    q.push_back({"max_sic_eff_s", "  at eps_S", s.eff_s});
    q.push_back({"max_sic_eff_b", "  at eps_B", s.eff_b});
    q.push_back({"max_sic_threshold", "  at score >=", s.threshold});
    q.push_back({"accuracy_at_" + num_text(spec.threshold), "accuracy at score >= " + num_text(spec.threshold),
                 accuracy_at(c, spec.threshold)});
    if (spec.max_fpr > 0 && spec.max_fpr < 1) {
        const partial_auc_result p = partial_auc(c, spec.max_fpr);
        q.push_back({"pauc_" + num_text(spec.max_fpr), "partial AUC eps_B<=" + num_text(spec.max_fpr), p.raw});
        q.push_back({"pauc_std_" + num_text(spec.max_fpr), "  McClish-standardized", p.standardized});
    }
    return q;
}

// ---------------------------------------------------------------- uncertainties

std::vector<std::vector<double>> bootstrap(const ranked_events& r, const summary_spec& spec,
                                           std::size_t replicas, std::uint64_t seed) {
    // Group index of every ranked event (groups = distinct scores, descending), and the
    // threshold of each group; a replica only re-weights events, so groups never change.
    // Events are numbered signal first, then background, each class in ascending score order
    // (the numbering the replicas' draws refer to).
    const std::size_t np = r.n_pos, nn = r.n_neg, n = np + nn;
    std::vector<std::uint32_t> pos_g(np), neg_g(nn);
    std::vector<double> pos_w(r.weighted ? np : 0), neg_w(r.weighted ? nn : 0);
    std::vector<double> thr;
    {
        std::size_t i = np, j = nn, e = n;
        while (e > 0) {
            const std::uint64_t k = r.key[e - 1];
            const auto g = static_cast<std::uint32_t>(thr.size());
            do {
                --e;
                if (r.label[e]) {
                    pos_g[--i] = g;
                    if (r.weighted) pos_w[i] = r.weight[e];
                } else {
                    neg_g[--j] = g;
                    if (r.weighted) neg_w[j] = r.weight[e];
                }
            } while (e > 0 && r.key[e - 1] == k);
            thr.push_back(key_score(k));
        }
    }
    const std::size_t ng = thr.size();
    std::vector<std::vector<double>> out(replicas);
    std::vector<char> ok(replicas, 0);
#pragma omp parallel
    {
        std::vector<double> dtp(ng), dfp(ng);
        roc_curve c;
#pragma omp for schedule(dynamic, 1)
        for (std::size_t k = 0; k < replicas; ++k) {
            std::fill(dtp.begin(), dtp.end(), 0.0);
            std::fill(dfp.begin(), dfp.end(), 0.0);
            rng g(seed, k);
            for (std::size_t d = 0; d < n; ++d) {
                const std::size_t e = g.below(n);
                if (e < np) dtp[pos_g[e]] += r.weighted ? pos_w[e] : 1.0;
                else dfp[neg_g[e - np]] += r.weighted ? neg_w[e - np] : 1.0;
            }
            c.threshold.assign(1, inf);
            c.tps.assign(1, 0.0);
            c.fps.assign(1, 0.0);
            double tp = 0, fp = 0;
            for (std::size_t gi = 0; gi < ng; ++gi) {
                if (dtp[gi] == 0 && dfp[gi] == 0) continue;  // group not drawn: no ROC point
                tp += dtp[gi];
                fp += dfp[gi];
                c.threshold.push_back(thr[gi]);
                c.tps.push_back(tp);
                c.fps.push_back(fp);
            }
            c.pos_total = tp;
            c.neg_total = fp;
            if (!(tp > 0) || !(fp > 0)) continue;  // a class lost: the replica has no ROC
            const auto q = summarize(c, spec);
            out[k].reserve(q.size());
            for (const auto& x : q) out[k].push_back(x.value);
            ok[k] = 1;
        }
    }
    std::vector<std::vector<double>> kept;
    for (std::size_t k = 0; k < replicas; ++k)
        if (ok[k]) kept.push_back(std::move(out[k]));
    return kept;
}

void mean_and_std(const std::vector<std::vector<double>>& rows, std::vector<double>& mean,
                  std::vector<double>& err) {
    const std::size_t m = rows.empty() ? 0 : rows[0].size();
    mean.assign(m, nan);
    err.assign(m, nan);
    for (std::size_t j = 0; j < m; ++j) {
        double s = 0;
        std::size_t k = 0;
        for (const auto& r : rows)
            if (std::isfinite(r[j])) {
                s += r[j];
                ++k;
            }
        if (k == 0) continue;
        const double mu = s / static_cast<double>(k);
        mean[j] = mu;
        if (k < 2) continue;
        double v = 0;
        for (const auto& r : rows)
            if (std::isfinite(r[j])) v += (r[j] - mu) * (r[j] - mu);
        err[j] = std::sqrt(v / static_cast<double>(k - 1));
    }
}

}  // namespace jetml
