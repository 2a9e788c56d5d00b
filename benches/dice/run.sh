#!/usr/bin/env sh
# One command: builds the Rust throughput example (release) and compares it with avrae's
# d20 on the same three expressions, in the same run. Needs python3 with `pip install d20`.
# Usage: benches/dice/run.sh [seconds-per-measurement]
set -eu
root="$(cd "$(dirname "$0")/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
cd "$root"
cargo build --release -q -p ttrpg-dice --example throughput
python3 -c "import d20" 2>/dev/null || { echo "d20 is not installed: pip install d20" >&2; exit 1; }
python3 -c "import platform; print(f'python {platform.python_version()}, d20', __import__('importlib.metadata').metadata.version('d20'))"
rustc --version
python3 "$root/benches/dice/d20_compare.py" "$target/release/examples/throughput" "${1:-1}"
