// SPDX-License-Identifier: MIT
// jetml/jets/cluster_plain.cpp - the plain N^2 clustering strategy (FastJet's N2Plain steps).
#include <utility>

#include "jetml/jets/cluster_engine.hpp"

namespace jetml {

using cluster_detail::dist2;

void cluster_engine::run_plain(cluster_detail::workspace& ws) {
    const int n0 = cs.n_;
    if (n0 == 0) return;
    std::vector<double>& buf = ws.d;
    buf.resize(5 * static_cast<std::size_t>(n0));
    double* y = buf.data();
    double* f = y + n0;
    double* sc = f + n0;
    double* nnd = sc + n0;
    double* dij = nnd + n0;
    std::vector<int>& ibuf = ws.i;
    ibuf.resize(2 * static_cast<std::size_t>(n0));
    int* nn = ibuf.data();
    int* jet = nn + n0;

    for (int i = 0; i < n0; ++i) {
        y[i] = cs.rap_[i];
        f[i] = cs.phi_[i];
        sc[i] = scale_of_jet(i);
        nn[i] = -1;
        nnd[i] = R2;
        jet[i] = i;
    }
    // Nearest neighbours: each particle against all earlier ones, updating both sides.
    for (int j = 1; j < n0; ++j) {
        double best = R2;
        int bi = -1;
        for (int i = 0; i < j; ++i) {
            const double d = dist2(y[j], f[j], y[i], f[i]);
            if (d < best) {
                best = d;
                bi = i;
            }
            if (d < nnd[i]) {
                nnd[i] = d;
                nn[i] = j;
            }
        }
        nn[j] = bi;
        nnd[j] = best;
    }
    auto diJ = [&](int i) {
        double s = sc[i];
        if (nn[i] >= 0 && sc[nn[i]] < s) s = sc[nn[i]];
        return nnd[i] * s;
    };
    auto search = [&](int i, int n) {  // nearest neighbour of slot i among slots [0, n)
        double best = R2;
        int bi = -1;
        for (int j = 0; j < n; ++j) {
            if (j == i) continue;
            const double d = dist2(y[i], f[i], y[j], f[j]);
            if (d < best) {
                best = d;
                bi = j;
            }
        }
        nn[i] = bi;
        nnd[i] = best;
    };
    for (int i = 0; i < n0; ++i) dij[i] = diJ(i);

    // the first minimum of d_iJ (strict <: the lowest slot wins a tie, as in FastJet)
    int amin = 0;
    for (int i = 1; i < n0; ++i)
        if (dij[i] < dij[amin]) amin = i;
    for (int n = n0; n > 0;) {
        int a = amin;
        double dmin = dij[a];
        int b = nn[a];
        dmin *= invR2;
        if (b >= 0) {
            if (a < b) std::swap(a, b);  // the new jet takes the lower slot
            const int k = merge(jet[a], jet[b], dmin);
            jet[b] = k;
            y[b] = cs.rap_[k];
            f[b] = cs.phi_[k];
            sc[b] = scale_of_jet(k);
            nn[b] = -1;
            nnd[b] = R2;
        } else {
            merge_beam(jet[a], dmin);
        }
        --n;
        const int tail = n;  // the last slot moves into slot a
        y[a] = y[tail];
        f[a] = f[tail];
        sc[a] = sc[tail];
        nn[a] = nn[tail];
        nnd[a] = nnd[tail];
        jet[a] = jet[tail];
        dij[a] = dij[tail];
        amin = -1;
        for (int i = 0; i < n; ++i) {
            if (nn[i] == a || (b >= 0 && nn[i] == b)) search(i, n);
            if (b >= 0 && i != b) {
                const double d = dist2(y[i], f[i], y[b], f[b]);
                if (d < nnd[i]) {
                    nnd[i] = d;
                    nn[i] = b;
                }
                if (d < nnd[b]) {
                    nnd[b] = d;
                    nn[b] = i;
                }
            }
            if (nn[i] == tail) nn[i] = a;
            // nn[i] is final here except for slot b (updated by every later i), so d_iJ and the
            // next minimum are taken in the same pass, and b's afterwards
            if (i != b) {
                dij[i] = diJ(i);
                if (amin < 0 || dij[i] < dij[amin]) amin = i;
            }
        }
        if (b >= 0) {
            dij[b] = diJ(b);
            if (amin < 0 || dij[b] < dij[amin] || (dij[b] == dij[amin] && b < amin)) amin = b;
        }
    }
}

}  // namespace jetml
