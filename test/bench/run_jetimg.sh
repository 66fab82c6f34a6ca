#!/bin/sh
# jetimg benchmarks: presets energyflow and macaluso-shih against a vectorised numpy
# implementation of the same preset (Debian's python3-numpy) on the same NPY input, and
# against the I/O floor (the same NPY read and image-sized NPY written with no work).
# Also -o /dev/null runs (no page-cache write: the image work alone, for thread scaling) and
# deoliveira (kt subjets per jet, compute-bound; no vectorised numpy peer).
# Prints: name,n,threads,seconds,rate,unit,ratio_to_peer  (seconds = best wall time of R runs)
# Environment: N (jets, default 50000), R (repeats of each jetimg case, default 5),
# RNP (repeats of each numpy case, default 2).
set -eu
build=$1
here=$(cd "$(dirname "$0")" && pwd)
bin=$build/bin bench=$build/bench
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=${N:-50000} reps=${R:-5} reps_np=${RNP:-2}
now() { date +%s.%N; }
best() {  # best of $2 wall-clock seconds of a shell command
    b=
    for i in $(seq "$2"); do
        t0=$(now); sh -c "$1"; t1=$(now)
        t=$(echo "$t1 - $t0" | bc -l)
        if [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" = 1 ]; then b=$t; fi
    done
    echo "$b"
}
echo "# jetimg: load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
"$bin/jetgen" -q -n "$n" -p w,qcd -o "$tmp/jets.npy"
cat "$tmp/jets.npy" > /dev/null
row() { printf '%s,%s,%s,%.3f,%.0f,jets/s,%s\n' "$1" "$n" "$2" "$3" "$(echo "$n / $3" | bc -l)" "$4"; }
for preset in energyflow macaluso-shih; do
    case $preset in energyflow) npx=33 ;; *) npx=37 ;; esac
    t_np=$(best "$py $here/jetimg_numpy.py $preset $tmp/jets.npy $tmp/np.npy" "$reps_np")
    t_io=$(best "$bench/bench_jetimg $tmp/jets.npy $tmp/io.npy 1 $npx $npx" "$reps")
    row "jetimg_${preset}_numpy" 1 "$t_np" 1
    row "jetimg_${preset}_iofloor" 1 "$t_io" ""
    for th in 1 2; do
        t=$(best "$bin/jetimg -q --threads $th --preset $preset $tmp/jets.npy -o $tmp/img.npy" "$reps")
        row "jetimg_${preset}" "$th" "$t" "$(printf '%.1f' "$(echo "$t_np / $t" | bc -l)")"
        printf 'jetimg_%s_vs_iofloor,%s,%s,%.3f,%.2f,fraction_of_io_rate,\n' "$preset" "$n" "$th" "$t" "$(echo "$t_io / $t" | bc -l)"
    done
    for th in 1 2; do
        t=$(best "$bin/jetimg -q --threads $th --preset $preset $tmp/jets.npy -o /dev/null" "$reps")
        row "jetimg_${preset}_devnull" "$th" "$t" ""
    done
done
for out in "$tmp/img.npy" /dev/null; do
    for th in 1 2; do
        t=$(best "$bin/jetimg -q --threads $th --preset deoliveira $tmp/jets.npy -o $out" "$reps")
        row "jetimg_deoliveira$([ "$out" = /dev/null ] && echo _devnull)" "$th" "$t" ""
    done
done
echo "# jetimg: load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
