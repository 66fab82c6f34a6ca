#!/usr/bin/env bash
# Runs every shell example of the documentation as written (issue 12.9):
#   (a) the "Examples:" block at the end of each tool's --help (tool_info.examples in tools/*.cpp),
#   (b) the EXAMPLES section of each man page (man/*.1, man/*.5; groff source between .nf/.fi),
#   (c) the ```sh code blocks of README.md: in a block with "$ " prompts the prompt lines are the
#       commands and the rest is their output; otherwise every line that is not a comment is a
#       command. A block preceded by the line
#           <!-- examples: skip REASON -->
#       is not run; the test prints each skip with its reason (keep that list short).
# A trailing "\" (README) or "\e" (groff) joins a line with the next.
#
# The examples of one block run in order, in one scratch directory (later lines use what earlier
# lines wrote, as a reader would), which starts as a copy of fixture files made here by the
# tools themselves at small sizes: jets.npy, labels.npy, w.npy, qcd.npy, images, models trained
# for one or two epochs, scores, CSV tables with the columns the examples name. The example text
# is never rewritten; only the fixtures are small. README blocks also see `build` (the build
# directory) and `test` (the source test/ folder), as from the top of a clone.
#
#   run-examples.sh BIN_DIR SOURCE_DIR [BUILD_DIR]
# Exits 1 listing every example that failed (source file:line, command, exit status, stderr).
set -u -o pipefail
bin=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
build=$(cd "${3:-$bin/..}" && pwd)
# the tools: every built executable with a man page
tools=$(for e in "$bin"/*; do t=$(basename "$e"); [ -x "$e" ] && [ -f "$src/man/$t.1" ] && echo "$t"; done)
export PATH="$bin:$PATH" LC_ALL=C
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fix=$work/fixtures
mkdir -p "$fix"
SEP=$'\x1f'

#-- extract ------------------------------------------------------------------------------------
# One record per line: BLOCK <SEP> SOURCE:LINE <SEP> COMMAND, or SKIP <SEP> SOURCE:LINE <SEP> REASON.
list=$work/examples.txt
: > "$list"
for t in $tools; do
    "$bin/$t" --help 2>/dev/null | awk '/^Examples:/ { p = 1; next }
        p && /^  / { sub(/^ +/, ""); cmd = cont ? cmd " " $0 : $0
                     if (cmd ~ /\\$/) { sub(/[ \t]*\\$/, "", cmd); cont = 1; next }
                     cont = 0; print cmd; next }
        p { exit }' |
    while IFS= read -r cmd; do
        # the source line of the example: the C string in tools/$t.cpp that holds it
        loc=$(grep -nF -- "${cmd:0:60}" "$src/tools/$t.cpp" | head -1 | cut -d: -f1)
        printf 'help-%s%s%s%s%s\n' "$t" "$SEP" "tools/$t.cpp:${loc:-?} ($t --help)" "$SEP" "$cmd" >> "$list"
    done
done
for page in "$src"/man/*.[15]; do
    name=man/$(basename "$page")
    awk -v name="$name" -v sep="$SEP" '
        function unescape(s) {
            gsub(/\\e/, "\001", s); gsub(/\\-/, "-", s); gsub(/\\f[BIRP]/, "", s); gsub(/\\\(aq/, "\047", s)
            gsub(/\\\(dq/, "\"", s); gsub(/\\\(ti/, "~", s); gsub(/\\&/, "", s); gsub(/\001/, "\\", s)
            return s
        }
        /^\.SH/ { ex = ($0 ~ /^\.SH +"?EXAMPLES/); nf = 0; next }
        ex && /^\.nf/ { nf = 1; next }
        ex && /^\.fi/ { nf = 0; next }
        ex && nf {
            s = unescape($0); sub(/^[ \t]+/, "", s)
            if (cont) cmd = cmd " " s; else { cmd = s; start = NR }
            if (cmd ~ /\\$/) { sub(/[ \t]*\\$/, "", cmd); cont = 1; next }
            cont = 0
            if (cmd != "" && cmd !~ /^#/) print "man-" name sep name ":" start sep cmd
        }' "$page" >> "$list"
done
awk -v sep="$SEP" '
    /^<!-- examples: skip/ { reason = $0; sub(/^<!-- examples: skip[ :]*/, "", reason); sub(/ *-->$/, "", reason); skip = NR; next }
    /^```/ {
        if (!inb) { inb = 1; lang = substr($0, 4); first = NR + 1; n = 0; prompt = 0; next }
        inb = 0
        if (lang == "sh" && skip == first - 2) print "SKIP" sep "README.md:" first sep reason
        else if (lang == "sh") {
            cont = 0
            for (i = 1; i <= n; i++) {
                s = line[i]
                if (prompt) { if (s !~ /^\$ /) continue; sub(/^\$ /, "", s) }
                if (cont) cmd = cmd " " s; else { cmd = s; start = first + i - 1 }
                if (cmd ~ /\\$/) { sub(/[ \t]*\\$/, "", cmd); cont = 1; continue }
                cont = 0
                if (cmd !~ /^[ \t]*(#|$)/) print "readme-" first sep "README.md:" start sep cmd
            }
        }
        next
    }
    inb { line[++n] = $0; if ($0 ~ /^\$ /) prompt = 1 }' "$src/README.md" >> "$list"

# every tool's --help and man page, and the README, must give examples: an empty list is a broken extractor
missing=""
for t in $tools; do
    grep -q "^help-$t$SEP" "$list" || missing="$missing $t--help"
    grep -q "^man-man/$t.1$SEP" "$list" || missing="$missing man/$t.1"
done
grep -q "^readme-" "$list" || missing="$missing README.md"
[ -z "$missing" ] || { echo "run-examples: no examples found in:$missing"; exit 1; }

#-- fixtures, made by the tools at small sizes ---------------------------------------------------
fixture() { if ! (cd "$fix" && bash -o pipefail -c "$1") > "$work/fixture.err" 2>&1; then
    echo "run-examples: cannot make the fixtures: $1"; cat "$work/fixture.err"; exit 1; fi; }
# where the data of an NPY v1 file starts: its header length is read from the file itself
npy_data() { echo $((10 + $(od -An -t u2 -j 8 -N 2 "$1" | tr -d ' '))); }
# labels (int32 NPY, 1-D) as a CSV column
npy_labels_csv() {  # FILE NAME
    { echo "$2"; od -An -v -t d4 -j "$(npy_data "$1")" "$1" | tr -s ' ' '\n' | grep -v '^$'; }
}
fixture 'jetgen -q -n 300 -p w,qcd --labels-out labels.npy -o jets.npy && cp labels.npy y.npy'
fixture 'jetgen -q -n 150 -p w --seed 2 -o w.npy && jetgen -q -n 150 -p qcd --seed 3 -o qcd.npy && cp w.npy sig.npy && cp qcd.npy bkg.npy'
fixture 'jetimg -q --preset deoliveira jets.npy -o images.npy && cp images.npy img.npy'
fixture 'subjet -q jets.npy --features kin,tau -o features.csv'
fixture 'train -q images.npy -l labels.npy --arch wtag --epochs 1 -o cnn.npz'
fixture 'train -q images.npy -l labels.npy --arch fisher -o fisher.npz'
fixture 'train -q images.npy -l labels.npy --only-class 0 --autoencoder --arch ae-dense --epochs 1 -o ae.npz'
fixture 'train -q features.csv --features mass,tau21 -l labels.npy --arch dnn --epochs 1 -o dnn.npz'
fixture 'predict -q -m cnn.npz images.npy -o cnn.npy && cp cnn.npy scores.npy'
# score files named after the taggers of the examples (bdt: the Fisher model, tau21: the dnn)
fixture 'predict -q -m fisher.npz images.npy -o bdt.npy && predict -q -m dnn.npz features.csv --features mass,tau21 -o tau21.npy'
fixture 'for k in 1 2 3; do train -q images.npy -l labels.npy --arch fisher --shrinkage 0.$k -o r$k.npz && predict -q -m r$k.npz images.npy -o run$k.npy; done; rm r?.npz'
fixture 'jetimg -q --preset deoliveira w.npy -o w-img.npy && jetimg -q --preset deoliveira qcd.npy -o qcd-img.npy && predict -q -m cnn.npz w-img.npy -o s.npy && predict -q -m cnn.npz qcd-img.npy -o b.npy && rm w-img.npy qcd-img.npy'
# a CSV of labels, weights and scores such as an analysis writes (roc's CSV examples)
npy_labels_csv "$fix/labels.npy" label > "$fix/labels.csv"
fixture 'predict -q -m cnn.npz images.npy -o cnn.csv --column cnn && predict -q -m fisher.npz images.npy -o bdt.csv --column bdt'
fixture 'awk -F, "NR == 1 { for (i = 1; i <= NF; i++) c[\$i] = i; print \"tau21,w\"; next } { print \$(c[\"tau21\"]) \",\" 1 + (NR % 3) / 2 }" features.csv > tw.csv && paste -d, labels.csv cnn.csv bdt.csv tw.csv > jets.csv && rm tw.csv'
# jetmerge: the parts of a sharded job (NPY and CSV)
fixture 'for k in 1 2 3; do jetgen -q -n 60 --shard $k/3 -o part-$k.npy && subjet -q part-$k.npy --features kin -o features-$k.csv; done'
# cwola: two mixtures (sr.npy: W and QCD; sb.npy: QCD), an event table with a region column, and
# two bags of signal fraction 0.2 and 0.6 with their truth; a.npy and b.npy are the bags only for
# cwola's examples (b.npy is roc's background scores elsewhere): fixtures/TOOL/ is copied last
fixture 'subjet -q jets.npy --features kin,tau -o sr.npy && subjet -q qcd.npy --features kin,tau -o sb.npy'
fixture 'awk -F, "NR == 1 { for (i = 1; i <= NF; i++) c[\$i] = i; print \"mj1,dmj,tau21_1,tau21_2,mjj\"; next }
    { print \$(c[\"mass\"]) \",\" \$(c[\"pt\"]) - 250 \",\" \$(c[\"tau21\"]) \",\" \$(c[\"tau32\"]) \",\" 3000 + (NR * 137) % 1000 }" features.csv |
    paste -d, - labels.csv > events.csv'
mkdir -p "$fix/cwola" && fix=$fix/cwola
fixture 'jetgen -q -n 200 -p w,qcd,qcd,qcd,qcd --seed 4 --labels-out ta.npy | subjet -q --features kin,tau -o a.npy &&
    jetgen -q -n 200 -p w,w,w,qcd,qcd --seed 5 --labels-out tb.npy | subjet -q --features kin,tau -o b.npy &&
    jetgen -q -n 400 -M 1 --labels-out t400.npy -o /dev/null'
# t.npy, the truth of a.npy then b.npy: the int32 (400,) header of jetgen's labels of 400 jets, then the data of both
{ head -c "$(npy_data "$fix/t400.npy")" "$fix/t400.npy"; tail -c +$(($(npy_data "$fix/ta.npy") + 1)) "$fix/ta.npy"
  tail -c +$(($(npy_data "$fix/tb.npy") + 1)) "$fix/tb.npy"; } > "$fix/t.npy"
rm "$fix/t400.npy" "$fix/ta.npy" "$fix/tb.npy"
fix=$(dirname "$fix")
cp "$src/test/golden/data/sub_events.hepmc" "$fix/events.hepmc"
cp "$src/test/data/single-event.dat" "$fix/single-event.dat"
# the README's demo block runs where `make demo` leaves its files (demo-output/): the shipped
# sample's layout, at the fixtures' size
fixture 'cp jets.npy train.npy && cp labels.npy train-labels.npy && cp images.npy test-images.npy && cp labels.npy test-labels.npy && cp features.csv test-features.csv'
fixture 'paste -d, labels.csv cnn.csv > sc.csv && awk -F, "NR == 1 { for (i = 1; i <= NF; i++) c[\$i] = i; print \"tau21\"; next } { print -\$(c[\"tau21\"]) }" features.csv | paste -d, sc.csv - > scores.csv && rm sc.csv'

#-- run ------------------------------------------------------------------------------------------
echo "run-examples: fixtures made in ${SECONDS}s"
pass=0 fail=0 skips=0 cur=""
report=$work/report.txt
: > "$report"
while IFS="$SEP" read -r block loc cmd; do
    if [ "$block" = SKIP ]; then
        skips=$((skips + 1)); printf 'skip %s: %s\n' "$loc" "$cmd"; continue
    fi
    if [ "$block" != "$cur" ]; then
        cur=$block; dir=$work/run/$block
        mkdir -p "$dir" && cp -R "$fix/." "$dir/"
        tool=${block#help-}; tool=${tool#man-man/}; tool=${tool%.[15]}
        for t in $tools; do rm -rf "${dir:?}/$t"; done
        if [ -d "$fix/$tool" ]; then cp -R "$fix/$tool/." "$dir/"; fi
        case $block in readme-*) ln -s "$build" "$dir/build"; ln -s "$src/test" "$dir/test" ;; esac
    fi
    t0=$(date +%s.%N)
    ( cd "$dir" && exec timeout 120 bash -o pipefail -c "$cmd" ) < /dev/null > "$work/out" 2> "$work/err"
    code=$?
    echo "$(date +%s.%N) $t0 $loc" | awk '{ printf "%6.2fs %s\n", $1 - $2, $3 }' >> "$work/times.txt"
    if [ $code -eq 0 ]; then pass=$((pass + 1)); continue; fi
    fail=$((fail + 1))
    { printf 'FAIL %s: exit %d\n    $ %s\n' "$loc" "$code" "$cmd"
      head -c 600 "$work/err" | sed 's/^/    | /'; } >> "$report"
done < "$list"

echo "slowest examples:"; sort -rn "$work/times.txt" | head -5 | sed 's/^/  /'
cat "$report"
echo "run-examples: $pass passed, $fail failed, $skips skipped, ${SECONDS}s"
[ $fail -eq 0 ]
