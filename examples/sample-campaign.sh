#!/usr/bin/env bash
# Creates a sample campaign in a throw-away data folder and rolls a few dice, using only
# the CLI. Usage: examples/sample-campaign.sh [path/to/ttrpg]
set -euo pipefail
ttrpg="${1:-ttrpg}"
data="$(mktemp -d)"
"$ttrpg" --data-dir "$data" campaign create --name "The Sunless Citadel" --system dnd5e
"$ttrpg" --data-dir "$data" campaign list
id="$("$ttrpg" --data-dir "$data" campaign list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')"
"$ttrpg" --data-dir "$data" roll --campaign "$id" "1d20+5"
"$ttrpg" --data-dir "$data" roll --campaign "$id" "4d6kh3"
"$ttrpg" roll --seed 7 --json "2d20kl1 + 3"
echo "data folder: $data"
