#!/usr/bin/env bash
# Measures the size of `tools/list` (and `prompts/list`, `resources/templates/list`) as a
# model's context receives it: bytes of JSON, and tokens by all-MiniLM-L6-v2's WordPiece
# tokenizer (a proxy; GPT-style tokenizers give about bytes/4 on JSON).
# Usage: benches/tool_listing/measure.sh [path/to/ttrpg]   (needs the npm tools of scripts/test
# in $TTRPG_NPM_TOOLS and `pip install tokenizers`)
# The server runs with the caller's environment, so toolsets can be measured too:
#   TTRPG_DYNAMIC_TOOLSETS=true TTRPG_TOOLSETS= benches/tool_listing/measure.sh target/debug/ttrpg
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
ttrpg="${1:-${CARGO_TARGET_DIR:-$root/target}/debug/ttrpg}"
tools="${TTRPG_NPM_TOOLS:-$HOME/.cache/ttrpg-npm-tools}"
tokenizer="$root/../shared/models/all-MiniLM-L6-v2/tokenizer.json"
data="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$data"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$ttrpg" --data-dir "$data" --log warn serve --transport http --listen "127.0.0.1:$port" 2>/dev/null &
server=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
cd "$tools/node_modules/@modelcontextprotocol/inspector-cli/build"
for method in tools/list prompts/list resources/templates/list; do
  node index.js "http://127.0.0.1:$port/mcp" --transport http --method "$method" 2>/dev/null \
    | python3 -c '
import json, sys
from tokenizers import Tokenizer
method, path = sys.argv[1], sys.argv[2]
listing = json.load(sys.stdin)
text = json.dumps(listing, separators=(",", ":"), ensure_ascii=False)
items = next(v for v in listing.values() if isinstance(v, list))
tok = Tokenizer.from_file(path)
tok.no_truncation()
tokens = len(tok.encode(text, add_special_tokens=False).ids)
print(f"{method}: {len(items)} items, {len(text.encode())} bytes, {tokens} WordPiece tokens, ~{len(text.encode())//4} bytes/4")
' "$method" "$tokenizer"
done
