#!/usr/bin/python3
"""Runs jetml's bench_roc and scikit-learn's peer script roc_bench.py at the same moment
and prints them side by side with speed-up ratios (sklearn time / jetml time).
Usage: /usr/bin/python3 test/bench/roc_compare.py BUILD_DIR [--sizes ...] [--repeats N] [--threads 1,2] [--csv]
With --csv it prints the `make bench` lines name,n,threads,seconds,rate,unit,ratio_to_peer
(seconds = median wall time; ratio = scikit-learn's median wall time / jetml's).
The peer script defaults to /work/shared/bench/roc_bench.py (override with ROC_BENCH_PY).
Ratios use the median wall time and the median process CPU time; on a shared machine the CPU
time is the steadier of the two (it leaves out time the process waited for a core)."""
import argparse
import os
import subprocess
import sys

PAIRS = [  # (jetml call, sklearn call)
    ("auc(y, s)", "roc_auc_score(y, s)"),
    ("auc(y, s, w)", "roc_auc_score(y, s, sample_weight=w)"),
    ("compute_roc(y, s)", "roc_curve(y, s)"),
    ("compute_roc(y, s, w)", "roc_curve(y, s, sample_weight=w)"),
    ("compute_roc(y, s, drop_intermediate=false)", "roc_curve(y, s, drop_intermediate=False)"),
]


def parse(text):
    rows = {}
    for line in text.splitlines():
        if not line or line.startswith("#") or line.startswith("call "):
            continue
        parts = line[42:].split()
        call = line[:42].strip()
        n, lo, med, hi, cpu = int(parts[0]), *map(float, parts[1:5])
        rows[(call, n)] = (med, cpu)
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--sizes", default="1000000,10000000")
    ap.add_argument("--repeats", default="5")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--csv", action="store_true")
    a = ap.parse_args()
    peer = os.environ.get("ROC_BENCH_PY", "/work/shared/bench/roc_bench.py")
    sk = {}
    if os.path.exists(peer):
        sk_out = subprocess.run([sys.executable, peer, "--sizes", a.sizes, "--repeats", a.repeats],
                                capture_output=True, text=True, check=True).stdout
        if not a.csv:
            print(sk_out.splitlines()[0])
        sk = parse(sk_out)
    elif not a.csv:
        print(f"# peer script {peer} not found: jetml times only")
    if a.csv:
        for t in a.threads.split(","):
            jm = parse(subprocess.run([os.path.join(a.build, "bench", "bench_roc"), "--sizes", a.sizes,
                                       "--repeats", a.repeats, "--threads", t], capture_output=True, text=True,
                                      check=True).stdout)
            for n in map(int, a.sizes.split(",")):
                for jcall, scall in PAIRS:
                    if (jcall, n) not in jm:
                        continue
                    jw = jm[(jcall, n)][0]
                    name = "roc_" + jcall.split("(")[0] + ("_w" if ", w" in jcall else "") + \
                        ("_all" if "false" in jcall else "")
                    ratio = f"{sk[(scall, n)][0] / jw:.2f}" if (scall, n) in sk else ""
                    print(f"{name},{n},{t},{jw:.3f},{n / jw / 1e6:.2f},Mevents/s,{ratio}")
        return
    for t in a.threads.split(","):
        jm_out = subprocess.run([os.path.join(a.build, "bench", "bench_roc"), "--sizes", a.sizes,
                                 "--repeats", a.repeats, "--threads", t], capture_output=True, text=True,
                                check=True).stdout
        jm = parse(jm_out)
        print(f"\n# jetml threads={t} vs scikit-learn (1 thread); times are medians in seconds")
        print(f"{'call':42s} {'N':>9s} {'sk_wall':>8s} {'jm_wall':>8s} {'ratio':>6s} {'sk_cpu':>8s} {'jm_cpu':>8s} {'ratio':>6s}")
        for n in map(int, a.sizes.split(",")):
            for jcall, scall in PAIRS:
                if (jcall, n) not in jm or (scall, n) not in sk:
                    continue
                (jw, jc), (sw, sc) = jm[(jcall, n)], sk[(scall, n)]
                print(f"{scall:42s} {n:9d} {sw:8.3f} {jw:8.3f} {sw / jw:5.1f}x {sc:8.3f} {jc:8.3f} {sc / jc:5.1f}x")
        for (call, n), (w, c) in jm.items():
            if call.startswith("std::sort"):
                print(f"{'(jetml) ' + call:42s} {n:9d} {'':8s} {w:8.3f} {'':6s} {'':8s} {c:8.3f}")
    for (call, n), (w, c) in sk.items():
        if "sort" in call:
            print(f"{'(numpy) ' + call:42s} {n:9d} {w:8.3f} {'':8s} {'':6s} {c:8.3f}")


if __name__ == "__main__":
    main()
