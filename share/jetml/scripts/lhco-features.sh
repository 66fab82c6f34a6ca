#!/bin/sh
# lhco-features.sh [EVENTS.csv[.gz]] - the four LHCO features of each dijet event, as the LHC
# Olympics R&D benchmark and the CATHODE code define them (jets ordered by mass, not pT):
#   mjj, mj1 (lighter jet mass), dmj (heavier - lighter), tau21_1, tau21_2 (tau2/tau1 of the
#   lighter and of the heavier jet, one-pass kt axes), label
# Input: an event table with the columns of ../shared/data/lhco-dev (label, mjj, j1_m, j2_m,
# jK_tau1_op, jK_tau2_op, ...), found by name; CSV on stdout. Plain awk: no python needed.
set -eu
in=${1:--}
case "$in" in
  *.gz) cat_in() { gzip -dc "$in"; } ;;
  -) cat_in() { cat; } ;;
  *) cat_in() { cat "$in"; } ;;
esac
cat_in | awk -F, -v OFS=, -v OFMT=%.9g -v CONVFMT=%.9g '
NR == 1 {
    for (i = 1; i <= NF; i++) c[$i] = i
    split("label mjj j1_m j2_m j1_tau1_op j1_tau2_op j2_tau1_op j2_tau2_op", need, " ")
    for (k in need) if (!(need[k] in c)) { print "lhco-features: no column " need[k] > "/dev/stderr"; exit 2 }
    print "mjj", "mj1", "dmj", "tau21_1", "tau21_2", "label"
    next
}
{
    m1 = $c["j1_m"]; m2 = $c["j2_m"]
    t1 = $c["j1_tau1_op"] > 0 ? $c["j1_tau2_op"] / $c["j1_tau1_op"] : 0
    t2 = $c["j2_tau1_op"] > 0 ? $c["j2_tau2_op"] / $c["j2_tau1_op"] : 0
    if (m1 <= m2) print $c["mjj"], m1, m2 - m1, t1, t2, $c["label"]
    else          print $c["mjj"], m2, m1 - m2, t2, t1, $c["label"]
}'
