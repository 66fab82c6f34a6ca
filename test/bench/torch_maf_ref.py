# SPDX-License-Identifier: MIT
# test/bench/torch_maf_ref.py - the PyTorch peer of bench_flow: a conditional MAF in the layout of
# the pytorch-flows MADE / BatchNormFlow / Reverse stack that the CATHODE repository trains
# (REFERENCE.md section 4.5), written here for the benchmark: 4 variables, 1 condition, 15
# blocks x 128 hidden units, batch 256, Adam lr 1e-4, weight decay 1e-6. Prints CSV lines
# name,n,threads,seconds,samples_per_s like bench_flow.
#   /usr/bin/python3 torch_maf_ref.py [threads] [train_batches]
# Run at its best (STYLE.md): torch.set_num_threads(threads), OpenMP OpenBLAS, and
# MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=17179869184 in the environment (run_flow.sh).
import sys, time
import torch
import torch.nn as nn

D, C, BLOCKS, H, B = 4, 1, 15, 128, 256


def degree_mask(n_in, n_out, kind):
    # sequential degrees: inputs 0..D-1, hidden j mod (D-1), outputs (k mod D) - 1
    din = torch.arange(n_in) % D if kind == "input" else torch.arange(n_in) % (D - 1)
    dout = torch.arange(n_out) % D - 1 if kind == "output" else torch.arange(n_out) % (D - 1)
    return (dout.unsqueeze(-1) >= din.unsqueeze(0)).float()


class Masked(nn.Linear):
    def __init__(self, n_in, n_out, mask, cond=0):
        super().__init__(n_in, n_out)
        self.register_buffer("mask", mask)
        self.cond = nn.Linear(cond, n_out, bias=False) if cond else None

    def forward(self, x, c=None):
        y = nn.functional.linear(x, self.weight * self.mask, self.bias)
        return y + self.cond(c) if self.cond is not None else y


class MADE(nn.Module):
    def __init__(self):
        super().__init__()
        self.joiner = Masked(D, H, degree_mask(D, H, "input"), C)
        self.trunk = nn.Sequential(nn.ReLU(), Masked(H, H, degree_mask(H, H, "hidden")), nn.ReLU(),
                                   Masked(H, 2 * D, degree_mask(H, 2 * D, "output")))

    def forward(self, x, c, inverse=False):
        if not inverse:
            m, a = self.trunk(self.joiner(x, c)).chunk(2, 1)
            return (x - m) * torch.exp(-a), -a.sum(-1, keepdim=True)
        u, x = x, torch.zeros_like(x)
        for i in range(D):
            m, a = self.trunk(self.joiner(x, c)).chunk(2, 1)
            x[:, i] = u[:, i] * torch.exp(a[:, i]) + m[:, i]
        return x, None


class BatchNormFlow(nn.Module):
    def __init__(self):
        super().__init__()
        self.log_gamma = nn.Parameter(torch.zeros(D))
        self.beta = nn.Parameter(torch.zeros(D))
        self.register_buffer("mean", torch.zeros(D))
        self.register_buffer("var", torch.ones(D))

    def forward(self, x, c, inverse=False):
        if not inverse:
            if self.training:
                mean, var = x.mean(0), (x - x.mean(0)).pow(2).mean(0) + 1e-5
            else:
                mean, var = self.mean, self.var
            y = (x - mean) / var.sqrt() * torch.exp(self.log_gamma) + self.beta
            return y, (self.log_gamma - 0.5 * torch.log(var)).sum().expand(x.shape[0], 1)
        return (x - self.beta) / torch.exp(self.log_gamma) * self.var.sqrt() + self.mean, None


class Reverse(nn.Module):
    def forward(self, x, c, inverse=False):
        return x.flip(1), None


class MAF(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([m for _ in range(BLOCKS) for m in (MADE(), BatchNormFlow(), Reverse())])
        for p in self.modules():
            if isinstance(p, nn.Linear):
                nn.init.orthogonal_(p.weight)
                if p.bias is not None:
                    p.bias.data.zero_()

    def log_probs(self, x, c):
        ld = torch.zeros(x.shape[0], 1)
        for l in self.layers:
            x, d = l(x, c)
            if d is not None:
                ld = ld + d
        return (-0.5 * x.pow(2) - 0.9189385332046727).sum(-1, keepdim=True) + ld

    def sample(self, c):
        x = torch.randn(c.shape[0], D)
        for l in reversed(self.layers):
            x, _ = l(x, c, inverse=True)
        return x


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    batches = int(sys.argv[2]) if len(sys.argv) > 2 else 400
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    n = B * 16
    xc = torch.randn(n, D + C)
    m = MAF()
    opt = torch.optim.Adam(m.parameters(), lr=1e-4, weight_decay=1e-6)

    def step(i):
        b = xc[(i % 16) * B:(i % 16 + 1) * B]
        opt.zero_grad()
        loss = -m.log_probs(b[:, :D], b[:, D:]).mean()
        loss.backward()
        opt.step()

    m.train()
    for i in range(20):
        step(i)
    t0 = time.perf_counter()
    for i in range(batches):
        step(i)
    s = time.perf_counter() - t0
    print("torch_maf_train_15x128_b256,%d,%d,%.4f,%.0f" % (batches * B, threads, s, batches * B / s))
    m.eval()
    with torch.no_grad():
        m.sample(xc[:, D:])
        reps = 5
        t0 = time.perf_counter()
        for _ in range(reps):
            m.sample(xc[:, D:])
        s = time.perf_counter() - t0
        print("torch_maf_sample_15x128,%d,%d,%.4f,%.0f" % (n * reps, threads, s, n * reps / s))
        t0 = time.perf_counter()
        for _ in range(reps):
            m.log_probs(xc[:, :D], xc[:, D:])
        s = time.perf_counter() - t0
        print("torch_maf_logp_15x128,%d,%d,%.4f,%.0f" % (n * reps, threads, s, n * reps / s))


if __name__ == "__main__":
    main()
