// SPDX-License-Identifier: MIT
// jetml/core/rng.hpp - counter-seeded random numbers that do not depend on the thread count.
//
// Every unit of work (a jet, a batch, an epoch) gets its own stream rng(seed, index), so
// results depend on --seed only, never on how work was split across threads.
#pragma once
#include <cmath>
#include <cstdint>

namespace jetml {

/// SplitMix64 step: a good 64-bit mixer, used for seeding.
inline std::uint64_t splitmix64(std::uint64_t& x) {
    std::uint64_t z = (x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/// xoshiro256** generator with helpers for the distributions jetml needs.
class rng {
public:
    /// Stream `stream` of seed `seed`; distinct (seed, stream) pairs give independent streams.
    explicit rng(std::uint64_t seed = 1, std::uint64_t stream = 0) {
        std::uint64_t x = seed ^ (0xD1B54A32D192ED03ull * (stream + 1));
        splitmix64(x);
        for (auto& w : s_) w = splitmix64(x);
    }
    using result_type = std::uint64_t;
    static constexpr result_type min() { return 0; }
    static constexpr result_type max() { return ~result_type(0); }
    result_type operator()() { return next(); }

    std::uint64_t next() {
        const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
        const std::uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }
    /// Uniform in [0, 1) with 53 random bits.
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    /// Uniform in [a, b).
    double uniform(double a, double b) { return a + (b - a) * uniform(); }
    /// Uniform integer in [0, n), unbiased.
    std::uint64_t below(std::uint64_t n) {
        std::uint64_t limit = max() - max() % n;
        std::uint64_t r;
        do r = next();
        while (r >= limit);
        return r % n;
    }
    /// Standard normal (Marsaglia polar method; no cached state, so streams stay simple).
    double normal() {
        double u, v, s;
        do {
            u = uniform(-1.0, 1.0);
            v = uniform(-1.0, 1.0);
            s = u * u + v * v;
        } while (s >= 1.0 || s == 0.0);
        return u * std::sqrt(-2.0 * std::log(s) / s);
    }
    /// Exponential with mean 1.
    double exponential() { return -std::log1p(-uniform()); }
    /// Poisson with the given mean (exact by multiplication below 30, normal approximation above).
    std::uint64_t poisson(double mean) {
        if (mean <= 0) return 0;
        if (mean < 30) {
            double l = std::exp(-mean), p = 1.0;
            std::uint64_t k = 0;
            for (;;) {
                p *= uniform();
                if (p <= l) return k;
                ++k;
            }
        }
        double x = std::floor(mean + std::sqrt(mean) * normal() + 0.5);
        return x < 0 ? 0 : static_cast<std::uint64_t>(x);
    }
    /// Breit-Wigner (Cauchy) around m with full width gamma, truncated to [lo, hi].
    double breit_wigner(double m, double gamma, double lo, double hi) {
        const double pi = 3.14159265358979323846;
        double a = std::atan((lo - m) / (gamma / 2)), b = std::atan((hi - m) / (gamma / 2));
        (void)pi;
        return m + gamma / 2 * std::tan(a + (b - a) * uniform());
    }

private:
    static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    std::uint64_t s_[4];
};

}  // namespace jetml
