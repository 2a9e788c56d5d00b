#!/usr/bin/env bash
# Ingestion of the whole SRD 5.1 with the dnd5e chunker, fp32 against int8, same run: the
# seconds of each stage (extracting, chunking, embedding, indexing) from the ingest report,
# and rules-search quality (recall@1/@5, MRR@10 on tests/eval/srd51.json) with each.
#
# Usage: benches/ingest/run.sh [rounds]     (default 1 round of fp32 then int8)
#
# Environment: CARGO_TARGET_DIR as usual; PROFILE=release to measure the release build
# (default dev: dependencies are optimized in dev too, and the time is ONNX Runtime's);
# ORT_DYLIB_PATH, else the python3 onnxruntime wheel is found by the binary itself.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
rounds="${1:-1}"
profile="${PROFILE:-dev}"
target="${CARGO_TARGET_DIR:-$root/target}"
shared="$root/../shared"
pdf="$shared/data/srd51/SRD5.1-CCBY4.0License.pdf"
model="$shared/models/all-MiniLM-L6-v2"

log() { printf '==> %s\n' "$*" >&2; }

log "building ttrpg ($profile) and the dnd5e plugin"
cargo build -q --profile "$profile" -p ttrpg-host --bin ttrpg
cargo build -q --release --target wasm32-wasip2 -p plugin-dnd5e
dir=$([ "$profile" = dev ] && echo debug || echo "$profile")
bin="$target/$dir/ttrpg"
wasm="$target/wasm32-wasip2/release/plugin_dnd5e.wasm"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
printf '| round | precision | total s | extracting | chunking | embedding | indexing | chunks | records | recall@1 | recall@5 | MRR@10 |\n'
printf '|---|---|---|---|---|---|---|---|---|---|---|---|\n'
for round in $(seq "$rounds"); do
  for precision in fp32 int8; do
    data="$work/$precision-$round"
    mkdir -p "$data"
    run() { TTRPG_MODEL_DIR="$model" TTRPG_MODEL_PRECISION="$precision" "$bin" --data-dir "$data" --log warn "$@"; }
    run plugin install "$wasm" >/dev/null
    report="$(run ingest "$pdf" --book "SRD 5.1" --system dnd5e --json)"
    eval="$(run eval "$root/tests/eval/srd51.json" --json)"
    python3 - "$round" "$precision" "$report" "$eval" <<'PY'
import json, sys
round_, precision, report, ev = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4])
t = report["timings"]
print(f"| {round_} | {precision} | {report['seconds']:.1f} | {t['extracting']:.1f} | {t['chunking']:.1f} | "
      f"{t['embedding']:.1f} | {t['indexing']:.1f} | {report['chunks']} | {report['records']} | "
      f"{ev['recall_at_1']:.3f} | {ev['recall_at_5']:.3f} | {ev['mrr_at_10']:.3f} |")
PY
    rm -rf "$data"
  done
done
