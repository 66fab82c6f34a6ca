#!/bin/sh
# jetimg benchmarks: presets energyflow and macaluso-shih against a vectorised numpy
# implementation of the same preset (Debian's python3-numpy) on the same NPY input, and
# against the I/O floor (the same NPY read and image-sized NPY written with no work).
# Prints: name,n,threads,seconds,rate,unit,ratio_to_peer
set -eu
build=$1
here=$(cd "$(dirname "$0")" && pwd)
bin=$build/bin bench=$build/bench
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
now() { date +%s.%N; }
best() {  # best of $2 (default 3) wall-clock seconds of a shell command
    b=
    for i in $(seq "${2:-3}"); do
        t0=$(now); sh -c "$1"; t1=$(now)
        t=$(echo "$t1 - $t0" | bc -l)
        if [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" = 1 ]; then b=$t; fi
    done
    echo "$b"
}
n=50000
"$bin/jetgen" -q -n $n -p w,qcd -o "$tmp/jets.npy"
cat "$tmp/jets.npy" > /dev/null
row() { printf '%s,%s,%s,%.3f,%.0f,jets/s,%s\n' "$1" "$n" "$2" "$3" "$(echo "$n / $3" | bc -l)" "$4"; }
for preset in energyflow macaluso-shih; do
    case $preset in energyflow) npx=33 ;; *) npx=37 ;; esac
    t_np=$(best "$py $here/jetimg_numpy.py $preset $tmp/jets.npy $tmp/np.npy" 1)
    t_io=$(best "$bench/bench_jetimg $tmp/jets.npy $tmp/io.npy 1 $npx $npx")
    row "jetimg_${preset}_numpy" 1 "$t_np" 1
    row "jetimg_${preset}_iofloor" 1 "$t_io" ""
    for th in 1 2; do
        t=$(best "$bin/jetimg -q --threads $th --preset $preset $tmp/jets.npy -o $tmp/img.npy")
        row "jetimg_${preset}" "$th" "$t" "$(printf '%.1f' "$(echo "$t_np / $t" | bc -l)")"
        printf 'jetimg_%s_vs_iofloor,%s,%s,%.3f,%.2f,fraction_of_io_rate,\n' "$preset" "$n" "$th" "$t" "$(echo "$t_io / $t" | bc -l)"
    done
done
# deoliveira (kt subjets per jet) has no vectorised numpy peer; its rate alone
for th in 1 2; do
    t=$(best "$bin/jetimg -q --threads $th --preset deoliveira $tmp/jets.npy -o $tmp/img.npy")
    row "jetimg_deoliveira" "$th" "$t" ""
done
