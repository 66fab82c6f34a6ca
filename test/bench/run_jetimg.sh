#!/bin/sh
# jetimg benchmarks: presets energyflow and macaluso-shih against a vectorised numpy
# implementation of the same preset (Debian's python3-numpy) on the same NPY input, and
# against the I/O floor (bench_jetimg: the same NPY read and an image-sized NPY written with
# the same readers, writers and buffers and no work). Also -o /dev/null runs (no page-cache
# write: the image work and the read, for thread scaling) and deoliveira (kt subjets per jet,
# compute-bound; no vectorised numpy peer).
# The machine is shared, so the cases are interleaved: R rounds each run every case once, and
# each case reports its best (lowest) wall time and its lowest CPU time (user + sys, all threads).
# Prints: name,n,threads,seconds,rate,unit,ratio_to_peer   and   name_cpu,n,threads,cpu_seconds,,,ratio
# (the CPU-time ratio to numpy's CPU time: jetimg --threads 1 runs on one thread, so both ratios
# compare one core's work). The thread scaling to /dev/null is printed as is and net of the
# process start-up (`jetimg --version`: loading the shared libraries, the same for any N), which
# does not shrink with threads.
# Environment: N (jets, default 50000), R (rounds, default 7), RNP (rounds including the slow
# numpy peer, default 2).
set -eu
build=$1
here=$(cd "$(dirname "$0")" && pwd)
bin=$build/bin bench=$build/bench
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=${N:-50000} rounds=${R:-7} rounds_np=${RNP:-2}
mkdir "$tmp/best"
# one run: wall seconds (around fork/exec/wait) and the child's CPU seconds (user + sys, all
# threads, from getrusage: microseconds, where time(1) prints 10 ms steps)
timer='import resource, subprocess, sys, time
t0 = time.perf_counter()
r = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=open(sys.argv[1], "w"))
w = time.perf_counter() - t0
u = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.6f %.6f" % (w, u.ru_utime + u.ru_stime))
sys.exit(r.returncode)'
run() {  # run CASE COMMAND...: keeps the lowest wall and CPU seconds of CASE in $tmp/best/CASE
    c=$1
    shift
    $py -c "$timer" "$tmp/err" "$@" > "$tmp/t" || { cat "$tmp/err" >&2; exit 1; }
    set -- $(cat "$tmp/t")
    w=$1 cpu=$2
    if [ -f "$tmp/best/$c" ]; then
        set -- $(cat "$tmp/best/$c")
        [ "$(echo "$w < $1" | bc -l)" = 1 ] || w=$1
        [ "$(echo "$cpu < $2" | bc -l)" = 1 ] || cpu=$2
    fi
    echo "$w $cpu" > "$tmp/best/$c"
}
wall() { cut -d' ' -f1 "$tmp/best/$1"; }
cpu() { cut -d' ' -f2 "$tmp/best/$1"; }
echo "# jetimg: load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
"$bin/jetgen" -q -n "$n" -p w,qcd -o "$tmp/jets.npy"
cat "$tmp/jets.npy" > /dev/null
presets="energyflow macaluso-shih"
for r in $(seq "$rounds"); do
    for preset in $presets; do
        case $preset in energyflow) npx=33 ;; *) npx=37 ;; esac
        run "${preset}_iofloor" "$bench/bench_jetimg" "$tmp/jets.npy" "$tmp/io.npy" 1 $npx $npx
        for th in 1 2; do
            run "${preset}_$th" "$bin/jetimg" -q --threads $th --preset $preset "$tmp/jets.npy" -o "$tmp/img.npy"
            run "${preset}_devnull_$th" "$bin/jetimg" -q --threads $th --preset $preset "$tmp/jets.npy" -o /dev/null
        done
        [ "$r" -gt "$rounds_np" ] || run "${preset}_numpy" $py "$here/jetimg_numpy.py" $preset "$tmp/jets.npy" "$tmp/np.npy"
    done
    run startup "$bin/jetimg" --version
    for th in 1 2; do
        run "deoliveira_$th" "$bin/jetimg" -q --threads $th --preset deoliveira "$tmp/jets.npy" -o "$tmp/img.npy"
        run "deoliveira_devnull_$th" "$bin/jetimg" -q --threads $th --preset deoliveira "$tmp/jets.npy" -o /dev/null
    done
done
row() {  # row NAME THREADS CASE RATIO [CPU_RATIO]
    printf '%s,%s,%s,%.3f,%.0f,jets/s,%s\n' "$1" "$n" "$2" "$(wall "$3")" "$(echo "$n / $(wall "$3")" | bc -l)" "$4"
    printf '%s_cpu,%s,%s,%.3f,,,%s\n' "$1" "$n" "$2" "$(cpu "$3")" "${5:-}"
}
t_start=$(wall startup)
printf 'jetimg_startup,1,1,%.3f,,s,\n' "$t_start"
for preset in $presets; do
    t_np=$(wall "${preset}_numpy") t_io=$(wall "${preset}_iofloor") c_np=$(cpu "${preset}_numpy")
    row "jetimg_${preset}_numpy" 1 "${preset}_numpy" 1 1
    row "jetimg_${preset}_iofloor" 1 "${preset}_iofloor" ""
    for th in 1 2; do
        t=$(wall "${preset}_$th") c=$(cpu "${preset}_$th")
        row "jetimg_${preset}" $th "${preset}_$th" "$(printf '%.1f' "$(echo "$t_np / $t" | bc -l)")" \
            "$(printf '%.1f' "$(echo "$c_np / $c" | bc -l)")"
        printf 'jetimg_%s_vs_iofloor,%s,%s,%.3f,%.2f,fraction_of_io_rate,\n' "$preset" "$n" $th "$t" "$(echo "$t_io / $t" | bc -l)"
    done
    for th in 1 2; do row "jetimg_${preset}_devnull" $th "${preset}_devnull_$th" ""; done
    t1=$(wall "${preset}_devnull_1") t2=$(wall "${preset}_devnull_2")
    printf 'jetimg_%s_devnull_scaling,%s,2,%.3f,%.2f,speedup_1_to_2_threads,%.2f_net_of_startup\n' "$preset" "$n" "$t2" \
        "$(echo "$t1 / $t2" | bc -l)" "$(echo "($t1 - $t_start) / ($t2 - $t_start)" | bc -l)"
done
for th in 1 2; do row jetimg_deoliveira $th "deoliveira_$th" ""; done
for th in 1 2; do row jetimg_deoliveira_devnull $th "deoliveira_devnull_$th" ""; done
echo "# jetimg: load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
