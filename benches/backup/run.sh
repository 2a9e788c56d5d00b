#!/usr/bin/env bash
# Backups, one command: builds the release `ttrpg`, makes a data folder holding the SRD 5.1
# (ingested with the dnd5e plugin's chunker when its component is built), a campaign and
# five synthetic battle maps, then times, N times each (median reported):
#   ttrpg backup --out X                 next to  sqlite3 ".backup", VACUUM INTO (python3's
#                                                 sqlite3) and VACUUM INTO + tar --zstd of the folder
#   ttrpg backup verify X                next to  tar --zstd -xOf X | sha256sum
#   ttrpg restore X (fresh data folder)  next to  tar --zstd -xf into a fresh folder
#     and the same restore with no embedding model, so the index rebuild fails fast: the
#     difference is what rebuilding the vector index costs (cross-checked once by `ttrpg
#     reindex` in a folder restored that way).
#
# Usage: benches/backup/run.sh [N]          (default 3)
#
# Environment:
#   ORT_DYLIB_PATH     ONNX Runtime library (required; scripts/test shows how to find it)
#   TTRPG_MODEL_DIR    the ONNX model folder (default ../shared/models/all-MiniLM-L6-v2)
#   TTRPG_SRD_PDF      the SRD 5.1 PDF (default ../shared/data/srd51/SRD5.1-CCBY4.0License.pdf)
#   TTRPG_DND5E_WASM   the dnd5e plugin component (default: the one the test build made under
#                      $CARGO_TARGET_DIR/wasm-plugins; without it the built-in chunker is used)
#   BACKUP_BENCH_KEEP  a folder to keep the ingested data folder in (and reuse on the next run)
#   BACKUP_BENCH_BIN   a `ttrpg` binary already built (skips `cargo build --release`)
#   CARGO_TARGET_DIR   as usual
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
n="${1:-3}"
target="${CARGO_TARGET_DIR:-$root/target}"
model="${TTRPG_MODEL_DIR:-$root/../shared/models/all-MiniLM-L6-v2}"
pdf="${TTRPG_SRD_PDF:-$root/../shared/data/srd51/SRD5.1-CCBY4.0License.pdf}"
dnd5e="${TTRPG_DND5E_WASM:-$target/wasm-plugins/wasm32-wasip2/release/plugin_dnd5e.wasm}"

log() { printf '==> %s\n' "$*" >&2; }
[ -n "${ORT_DYLIB_PATH:-}" ] && [ -f "$ORT_DYLIB_PATH" ] || { echo "set ORT_DYLIB_PATH to libonnxruntime.so" >&2; exit 1; }
[ -f "$model/model.onnx" ] || { echo "no embedding model in $model (set TTRPG_MODEL_DIR)" >&2; exit 1; }
[ -f "$pdf" ] || { echo "the SRD PDF is missing: $pdf (set TTRPG_SRD_PDF)" >&2; exit 1; }
for tool in sqlite3 zstd tar python3 sha256sum; do
  command -v "$tool" >/dev/null || { echo "$tool is missing" >&2; exit 1; }
done

bin="${BACKUP_BENCH_BIN:-}"
if [ -z "$bin" ]; then
  log "building the release binary"
  cargo build --release -q -p ttrpg-host --bin ttrpg
  bin="$target/release/ttrpg"
fi
export TTRPG_MODEL_DIR="$model" TTRPG_ONNXRUNTIME="$ORT_DYLIB_PATH" TTRPG_LOG=warn
unset TTRPG_DATA_DIR TTRPG_DATABASE_URL TTRPG_QDRANT_URL TTRPG_REDIS_URL

work="$(mktemp -d "${TMPDIR:-/tmp}/ttrpg-backup-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# 1. The data folder.
src="${BACKUP_BENCH_KEEP:-$work/src}"
if [ ! -f "$src/ttrpg.db" ]; then
  mkdir -p "$src"
  if [ -f "$dnd5e" ]; then
    log "installing the dnd5e plugin ($dnd5e)"
    "$bin" --data-dir "$src" plugin install "$dnd5e" >&2
  else
    log "no dnd5e component at $dnd5e: the built-in chunker is used"
  fi
  log "ingesting $pdf (embedding every passage: minutes)"
  start=$(date +%s)
  "$bin" --data-dir "$src" ingest "$pdf" --book "SRD 5.1" --system dnd5e --json >"$work/ingest.json"
  log "ingested in $(( $(date +%s) - start )) s"
  campaign="$("$bin" --data-dir "$src" campaign create --name "Bench campaign" --system dnd5e --json \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')"
  python3 "$root/benches/backup/make_maps.py" "$work/maps" 4096x4096 4096x2048 3072x3072 2048x1536 1536x1536
  for map in "$work"/maps/*.png; do
    "$bin" --data-dir "$src" image add "$map" --campaign "$campaign" --title "$(basename "$map")" >&2
  done
fi

# Sizes.
# Bytes on disk (the vector index's files are sparse: far larger by their apparent size).
# (A file that is not there, such as a checkpointed WAL, counts as 0.)
du_bytes() { { du -s -B1 "$@" 2>/dev/null || true; } | awk '{ s += $1 } END { print s + 0 }'; }
apparent_bytes() { { du -sb "$@" 2>/dev/null || true; } | awk '{ s += $1 } END { print s + 0 }'; }
mb() { python3 -c "print(f'{$1 / 1048576:.1f}')"; }
db_bytes=$(du_bytes "$src"/ttrpg.db "$src"/ttrpg.db-wal "$src"/ttrpg.db-shm)
folder_bytes=$(du_bytes "$src")
images_bytes=$(du_bytes "$src/images")
vectors_bytes=$(du_bytes "$src/vectors")
vectors_apparent=$(apparent_bytes "$src/vectors")
plugins_bytes=$(du_bytes "$src/plugins")
chunks=$(sqlite3 "$src/ttrpg.db" "select count(*) from chunks")
log "data folder $(mb "$folder_bytes") MB: database $(mb "$db_bytes") MB ($chunks passages), images $(mb "$images_bytes") MB, vectors $(mb "$vectors_bytes") MB on disk ($(mb "$vectors_apparent") MB apparent), plugins $(mb "$plugins_bytes") MB"

# Milliseconds taken by a command (its output to $work/last.out).
ms() {
  local start end
  start=$(date +%s%N)
  "$@" >"$work/last.out"
  end=$(date +%s%N)
  echo $(( (end - start) / 1000000 ))
}
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

vacuum_into() { python3 -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute("VACUUM INTO ?", (sys.argv[2],))' "$1" "$2"; }
# The anchor archives, the database as a VACUUM INTO copy in both: like for like (what
# `ttrpg backup` holds: the database, images/ and plugins/), and the whole folder as it
# is (the vector index included, so nothing needs rebuilding after extraction).
vacuum_and_tar() {
  local stage="$1" out="$2"
  mkdir -p "$stage"
  vacuum_into "$src/ttrpg.db" "$stage/ttrpg.db"
  tar --zstd -cf "$out" -C "$src" images plugins -C "$stage" ttrpg.db
}
vacuum_and_tar_folder() {
  local stage="$1" out="$2"
  mkdir -p "$stage"
  vacuum_into "$src/ttrpg.db" "$stage/ttrpg.db"
  tar --zstd -cf "$out" -C "$src" --exclude=./ttrpg.db --exclude=./ttrpg.db-wal --exclude=./ttrpg.db-shm \
    --exclude=./backups --exclude='./.*' . -C "$stage" ttrpg.db
}
verify_anchor() { tar --zstd -xOf "$1" | sha256sum; }
untar() { mkdir -p "$2" && tar --zstd -xf "$1" -C "$2"; }

declare -a t_backup t_verify t_restore t_restore_noindex t_sqlite_backup t_vacuum t_tar t_tar_folder t_untar t_untar_folder t_tar_verify
for i in $(seq 1 "$n"); do
  log "round $i of $n"
  out="$work/b$i.tar.zst"
  t_backup+=("$(ms "$bin" --data-dir "$src" backup --out "$out" --json)")
  t_verify+=("$(ms "$bin" --data-dir "$src" backup verify "$out")")
  t_sqlite_backup+=("$(ms sqlite3 "$src/ttrpg.db" ".backup '$work/sqlite-backup-$i.db'")")
  t_vacuum+=("$(ms vacuum_into "$src/ttrpg.db" "$work/vacuum-$i.db")")
  t_tar+=("$(ms vacuum_and_tar "$work/stage-$i" "$work/anchor-$i.tar.zst")")
  t_tar_folder+=("$(ms vacuum_and_tar_folder "$work/stage-folder-$i" "$work/anchor-folder-$i.tar.zst")")
  t_tar_verify+=("$(ms verify_anchor "$work/anchor-$i.tar.zst")")
  t_untar+=("$(ms untar "$work/anchor-$i.tar.zst" "$work/untar-$i")")
  t_untar_folder+=("$(ms untar "$work/anchor-folder-$i.tar.zst" "$work/untar-folder-$i")")
  t_restore+=("$(ms "$bin" --data-dir "$work/restore-$i" restore "$out" --json)")
  python3 - "$work/last.out" "$chunks" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
if report["indexed"] != int(sys.argv[2]):
    sys.exit(f"the restore indexed {report['indexed']} passages, not {sys.argv[2]}: {report['index_error']}")
EOF
  t_restore_noindex+=("$(TTRPG_MODEL_DIR="$work/no-model" ms "$bin" --data-dir "$work/noindex-$i" restore "$out" --json)")
  python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); assert r["indexed"] is None, r' "$work/last.out"
  backup_bytes=$(du_bytes "$out")
  anchor_bytes=$(du_bytes "$work/anchor-$i.tar.zst")
  anchor_folder_bytes=$(du_bytes "$work/anchor-folder-$i.tar.zst")
  rm -rf "$work/restore-$i" "$work/untar-$i" "$work/untar-folder-$i" "$work/stage-$i" "$work/stage-folder-$i" \
    "$work"/anchor-*.tar.zst "$work"/sqlite-backup-*.db "$work"/vacuum-*.db
  if [ "$i" -lt "$n" ]; then rm -rf "$work/noindex-$i"; fi
done
log "ttrpg reindex in the folder restored without the model (the index rebuild alone)"
t_reindex="$(ms "$bin" --data-dir "$work/noindex-$n" reindex)"
cat "$work/last.out" >&2

row() { printf '| %s | %s | %s |\n' "$1" "$(median "${@:2}")" "$(printf '%s ' "${@:2}")"; }
echo
echo "Data folder $(mb "$folder_bytes") MB: database $(mb "$db_bytes") MB ($chunks passages), images $(mb "$images_bytes") MB, vectors $(mb "$vectors_bytes") MB on disk ($(mb "$vectors_apparent") MB apparent), plugins $(mb "$plugins_bytes") MB"
echo "Archives: ttrpg backup $(mb "$backup_bytes") MB; anchor like for like $(mb "$anchor_bytes") MB; anchor whole folder $(mb "$anchor_folder_bytes") MB"
echo
echo "| what | median ms | every round (ms) |"
echo "|---|---:|---|"
row "ttrpg backup --out X" "${t_backup[@]}"
row "anchor: sqlite3 .backup (database only)" "${t_sqlite_backup[@]}"
row "anchor: VACUUM INTO (database only)" "${t_vacuum[@]}"
row "anchor: VACUUM INTO + tar --zstd of database, images, plugins" "${t_tar[@]}"
row "anchor: VACUUM INTO + tar --zstd of the whole folder (vectors too)" "${t_tar_folder[@]}"
row "ttrpg backup verify X" "${t_verify[@]}"
row "anchor: tar --zstd -xOf X \\| sha256sum (like for like)" "${t_tar_verify[@]}"
row "ttrpg restore X, fresh folder (index rebuilt)" "${t_restore[@]}"
row "ttrpg restore X, no model (index not rebuilt)" "${t_restore_noindex[@]}"
row "anchor: tar --zstd -xf into a fresh folder (like for like)" "${t_untar[@]}"
row "anchor: tar --zstd -xf of the whole folder (index included)" "${t_untar_folder[@]}"
row "ttrpg reindex after the restore without model" "$t_reindex"
