#!/usr/bin/env bash
# Times our extraction of a whole PDF (release build, examples/extract) against poppler's
# pdftotext on the same file, in the same run, and prints the medians and their ratio.
#
# Usage: bench/vs_pdftotext.sh [FILE.pdf] [REPETITIONS]
set -euo pipefail

HERE="$(cd "$(dirname "$0")/.." && pwd)"
PDF="${1:-$HERE/../../../shared/data/srd51/SRD5.1-CCBY4.0License.pdf}"
REPS="${2:-5}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ttrpg-target}"

if [ ! -f "$PDF" ]; then echo "SKIPPED: $PDF not found"; exit 0; fi
if ! command -v pdftotext >/dev/null; then echo "SKIPPED: pdftotext not installed"; exit 0; fi

(cd "$HERE" && cargo build --release -p ttrpg-pdf --example extract >/dev/null 2>&1)
OURS="$CARGO_TARGET_DIR/release/examples/extract"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

# Wall-clock milliseconds of one run of the given command.
time_ms() {
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1
    end=$(date +%s%N)
    echo $(( (end - start) / 1000000 ))
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# CPU milliseconds (user + system) of one run, when /usr/bin/time exists; less sensitive
# than wall time to other jobs on a shared machine.
cpu_ms() {
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f "%U %S" "$@" 2>&1 >/dev/null | tail -1 | awk '{printf "%d\n", ($1 + $2) * 1000}'
    else
        echo 0
    fi
}

# Warm the page cache once for both.
"$OURS" "$PDF" "$OUT/ours.txt" >/dev/null 2>&1
pdftotext "$PDF" "$OUT/theirs.txt"

ours=(); theirs=(); ours_cpu=(); theirs_cpu=()
for _ in $(seq "$REPS"); do
    ours+=("$(time_ms "$OURS" "$PDF" "$OUT/ours.txt")")
    theirs+=("$(time_ms pdftotext "$PDF" "$OUT/theirs.txt")")
    ours_cpu+=("$(cpu_ms "$OURS" "$PDF" "$OUT/ours.txt")")
    theirs_cpu+=("$(cpu_ms pdftotext "$PDF" "$OUT/theirs.txt")")
done
ours_med=$(printf '%s\n' "${ours[@]}" | median)
theirs_med=$(printf '%s\n' "${theirs[@]}" | median)
ours_cpu_med=$(printf '%s\n' "${ours_cpu[@]}" | median)
theirs_cpu_med=$(printf '%s\n' "${theirs_cpu[@]}" | median)
echo "file:        $PDF"
echo "repetitions: $REPS (interleaved), cores: $(nproc)"
echo "ttrpg-pdf:   ${ours[*]} ms -> median ${ours_med} ms"
echo "pdftotext:   ${theirs[*]} ms -> median ${theirs_med} ms"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "CPU (user+sys) medians: ttrpg-pdf ${ours_cpu_med} ms, pdftotext ${theirs_cpu_med} ms"
awk -v o="$ours_med" -v t="$theirs_med" 'BEGIN {printf "ratio ours/pdftotext (wall): %.2f (%s)\n", o/t, (o<=t ? "as fast or faster" : "slower")}'
