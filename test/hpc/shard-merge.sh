#!/bin/bash
# test/hpc/shard-merge.sh BIN - `--shard K/N` then jetmerge gives the single job's bytes, for
# every streaming tool and N = 1, 2, 3, 7; out-of-range shard specs are usage errors (exit 2);
# merge mismatches are data errors (exit 1) with one line naming the file.
set -u -o pipefail
BIN=$(cd "${1:?usage: shard-merge.sh BIN}" && pwd)
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
unset SLURM_ARRAY_TASK_ID SLURM_ARRAY_TASK_COUNT SLURM_ARRAY_TASK_MIN SLURM_ARRAY_TASK_STEP
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
fail=0; checks=0
bad() { echo "FAIL: $*"; fail=1; }

# same CMD (with @SHARD@ and @OUT@ in it) whole and in N shards, merged; OUT is the output's name
# (its extension picks the format); EXTRA names a second output written with @OUT2@, merged too
same() {
    local name=$1 out=$2 out2=$3 cmd=$4 n k parts parts2
    local whole=${cmd//@SHARD@/}; whole=${whole//@OUT@/whole-$name.$out}; whole=${whole//@OUT2@/whole2-$name.$out2}
    eval "$whole" 2>err || { bad "$name: whole run failed: $(head -1 err)"; return; }
    for n in 1 2 3 7; do
        parts=(); parts2=()
        for k in $(seq 1 $n); do
            local c=${cmd//@SHARD@/--shard $k/$n}
            c=${c//@OUT@/p$k-$name.$out}; c=${c//@OUT2@/q$k-$name.$out2}
            eval "$c" 2>err || { bad "$name: shard $k/$n failed: $(head -1 err)"; continue 2; }
            parts+=(p$k-$name.$out); parts2+=(q$k-$name.$out2)
        done
        "$BIN/jetmerge" "${parts[@]}" -o m-$name.$out || { bad "$name: jetmerge failed for N=$n"; continue; }
        cmp -s m-$name.$out whole-$name.$out || bad "$name: N=$n merged output differs from the whole run's"
        checks=$((checks + 1))
        if [ "$out2" != - ]; then
            "$BIN/jetmerge" "${parts2[@]}" -o m2-$name.$out2 || { bad "$name: jetmerge (second output) failed"; continue; }
            cmp -s m2-$name.$out2 whole2-$name.$out2 || bad "$name: N=$n merged second output differs"
            checks=$((checks + 1))
        fi
    done
}

#-- inputs, and a model to score with ------------------------------------------------------------
"$BIN/jetgen" -n 40 -p w,qcd --seed 3 --labels-out labels.npy -o jets.npy
"$BIN/jetgen" -n 40 -p w,qcd --seed 3 -o events.csv
"$BIN/subjet" jets.npy --features kin,tau -o feats.csv
"$BIN/train" feats.csv --features tau21,mass -l labels.npy --arch fisher -o fisher.npz 2>/dev/null || bad "train fisher failed"

#-- every streaming tool -------------------------------------------------------------------------
same jetgen-npy npy npy '"$BIN/jetgen" -n 23 -p w,qcd,top --seed 5 @SHARD@ --labels-out @OUT2@ -o @OUT@'
same jetgen-csv csv - '"$BIN/jetgen" -n 11 -p qcd --seed 5 @SHARD@ -o @OUT@'
same jetgen-dijet npy npy '"$BIN/jetgen" --events dijet -n 17 --signal 4 @SHARD@ --labels-out @OUT2@ -o @OUT@'
same subjet-npy csv npy '"$BIN/subjet" jets.npy --features kin,tau,sd @SHARD@ --constituents-out @OUT2@ -o @OUT@'
same subjet-text npy - '"$BIN/subjet" events.csv --radius 0.8 --features kin,tau @SHARD@ -o @OUT@'
same jetimg-npy npy csv '"$BIN/jetimg" --preset deoliveira jets.npy @SHARD@ --meta-out @OUT2@ -o @OUT@'
same jetimg-csv npy npy '"$BIN/jetimg" --npix 9 events.csv @SHARD@ --meta-out @OUT2@ -o @OUT@'
same predict-csv npy - '"$BIN/predict" -m fisher.npz feats.csv @SHARD@ -o @OUT@'
same predict-csv2 csv - '"$BIN/predict" -m fisher.npz feats.csv --column f @SHARD@ -o @OUT@'

#-- roc: --shard K/N of the whole files equals roc on the shards' own files ---------------------
"$BIN/predict" -m fisher.npz feats.csv -o scores.npy
for k in 1 2 3; do
    "$BIN/predict" -m fisher.npz feats.csv --shard $k/3 -o s$k.npy
    "$BIN/jetgen" -n 40 -p w,qcd --seed 3 --shard $k/3 --labels-out l$k.npy -o /dev/null
    "$BIN/roc" f=s$k.npy -l l$k.npy -o a$k.txt 2>/dev/null || bad "roc on shard files $k failed"
    "$BIN/roc" f=scores.npy -l labels.npy --shard $k/3 -o b$k.txt 2>/dev/null || bad "roc --shard $k/3 failed"
    cmp -s a$k.txt b$k.txt || bad "roc --shard $k/3 differs from roc on the shard's files"
    checks=$((checks + 1))
done

#-- slurm: task 5 of an array 3-5 is shard 3/3 ----------------------------------------------------
SLURM_ARRAY_TASK_ID=5 SLURM_ARRAY_TASK_MIN=3 SLURM_ARRAY_TASK_COUNT=3 "$BIN/jetgen" -n 10 --shard slurm -o sl.npy
"$BIN/jetgen" -n 10 --shard 3/3 -o s3.npy
cmp -s sl.npy s3.npy || bad "--shard slurm (task 5 of 3-5) differs from --shard 3/3"
SLURM_ARRAY_TASK_ID=6 SLURM_ARRAY_TASK_MIN=0 SLURM_ARRAY_TASK_STEP=2 SLURM_ARRAY_TASK_COUNT=4 "$BIN/jetgen" -n 10 --shard slurm -o sl.npy
"$BIN/jetgen" -n 10 --shard 4/4 -o s4.npy
cmp -s sl.npy s4.npy || bad "--shard slurm (task 6 of 0-6:2) differs from --shard 4/4"
checks=$((checks + 2))

#-- usage errors (exit 2, one line) and data errors of jetmerge (exit 1, one line) ----------------
expect() {  # STATUS PATTERN CMD...
    local want=$1 pat=$2; shift 2
    "$@" >/dev/null 2>err; local st=$?
    [ $st = "$want" ] || bad "exit $st, expected $want: $*"
    [ "$(wc -l < err)" -ge 1 ] && grep -q -- "$pat" err || bad "message '$pat' not in: $(cat err) ($*)"
    checks=$((checks + 1))
}
for spec in 0/3 4/3 3/0 x 2/ /2 -1/2 1/3/4; do
    expect 2 "jetgen: --shard" "$BIN/jetgen" -n 5 --shard $spec -o x.npy
done
expect 2 "subjet: --shard: 9/8 is out of range" "$BIN/subjet" jets.npy --shard 9/8 -o x.csv
expect 2 "jetimg: --shard" "$BIN/jetimg" jets.npy --shard 0/1 -o x.npy
expect 2 "predict: --shard" "$BIN/predict" -m fisher.npz feats.csv --shard 5/4 -o x.npy
expect 2 "roc: --shard" "$BIN/roc" scores.npy -l labels.npy --shard 2/1
expect 2 "SLURM_ARRAY_TASK_ID is not set" "$BIN/jetgen" -n 5 --shard slurm -o x.npy
expect 2 "task 9 is not in the array" env SLURM_ARRAY_TASK_ID=9 SLURM_ARRAY_TASK_COUNT=3 "$BIN/jetgen" -n 5 --shard slurm -o x.npy
expect 2 "standard input cannot be read twice" sh -c "\"$BIN/subjet\" --shard 1/2 - < events.csv"
expect 2 "inputs must be files" "$BIN/jetmerge" - jets.npy
expect 1 "jetmerge: labels.npy: dtype int32 does not match jets.npy's float32" "$BIN/jetmerge" jets.npy labels.npy -o x.npy
"$BIN/jetimg" --npix 9 jets.npy -o img9.npy; "$BIN/jetimg" --npix 11 jets.npy -o img11.npy
expect 1 "img11.npy: shape (40, 1, 11, 11) does not match img9.npy's (N, 1, 9, 9)" "$BIN/jetmerge" img9.npy img11.npy -o x.npy
expect 1 "header 'f' does not match" "$BIN/jetmerge" feats.csv whole-predict-csv2.csv -o x.csv
expect 1 "an NPY file, but feats.csv is CSV" "$BIN/jetmerge" feats.csv jets.npy -o x.csv
rm -f x.npy; head -c 1000 jets.npy > cut.npy
expect 1 "cut.npy: " "$BIN/jetmerge" jets.npy cut.npy -o x.npy
[ -e x.npy ] && bad "a failed jetmerge left x.npy behind"
printf 'event,pt\n1,2' > nonl.csv
expect 1 "nonl.csv: the last line has no newline" "$BIN/jetmerge" nonl.csv -o x.csv

echo "$checks checks"
exit $fail
