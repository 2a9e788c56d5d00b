#!/usr/bin/env bash
# Rules-search latency, two measurements:
#   1. `search_rules` in process on the whole SRD 5.1 (dnd5e chunker and glossary), query
#      embedding included: distinct questions, the same again from the cache, and distinct
#      questions while a second copy of the book is being ingested (benches/search_latency.rs);
#   2. the vector index alone on a synthetic library of 100 000 chunks, exact against HNSW
#      after `maintain` (host/vectors/benches/scale_search.rs).
#
# Usage: benches/search/run.sh [points] [queries]   (defaults 100000 and 400)
# Environment: CARGO_TARGET_DIR as usual; PROFILE=release for the release build (default
# dev, whose dependencies are optimized too).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
points="${1:-100000}"
queries="${2:-400}"
profile="${PROFILE:-dev}"
target="${CARGO_TARGET_DIR:-$root/target}"
shared="$root/../shared"
pdf="$shared/data/srd51/SRD5.1-CCBY4.0License.pdf"
model="$shared/models/all-MiniLM-L6-v2"

log() { printf '==> %s\n' "$*" >&2; }

log "building ttrpg ($profile), the dnd5e plugin and the benches"
cargo build -q --profile "$profile" -p ttrpg-host --bin ttrpg
cargo build -q --release --target wasm32-wasip2 -p plugin-dnd5e
dir=$([ "$profile" = dev ] && echo debug || echo "$profile")
bin="$target/$dir/ttrpg"
wasm="$target/wasm32-wasip2/release/plugin_dnd5e.wasm"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export TTRPG_MODEL_DIR="$model"
log "ingesting the SRD into $work"
"$bin" --data-dir "$work" --log warn plugin install "$wasm" >/dev/null
"$bin" --data-dir "$work" --log warn ingest "$pdf" --book "SRD 5.1" --system dnd5e >/dev/null

log "search_rules in process on the SRD"
cargo bench -q --profile "$profile" -p ttrpg-host --bench search_latency -- --data "$work" --pdf "$pdf"

log "the vector index alone at $points synthetic chunks"
cargo bench -q --profile "$profile" -p ttrpg-vectors --bench scale_search -- "$points" "$queries"
