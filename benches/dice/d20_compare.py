"""Compare avrae's d20 with ttrpg-dice on the same expressions, in the same run.

Usage: python3 d20_compare.py <path-to-throughput-binary> [seconds]
Prints a Markdown table: rolls/s for each engine and the ratio (ours / d20).
Both sides parse and roll each time, as a user call would (d20's own parse cache is
disabled by using a fresh Roller, then also measured with its cache for reference).
"""
import json
import subprocess
import sys
import timeit

import d20

EXPRESSIONS = ["1d20+5", "4d6kh3", "4*(3d8kh2+9[fire]+(9d2e2+3[cold])/2)"]


def d20_rate(stmt, seconds):
    timer = timeit.Timer(stmt)
    n, t = timer.autorange()
    reps = max(1, int(n * seconds / max(t, 1e-9)))
    best = min(timer.repeat(repeat=3, number=reps))
    return reps / best


def main():
    binary = sys.argv[1]
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
    ours = {}
    out = subprocess.run([binary, str(seconds), *EXPRESSIONS], check=True,
                         capture_output=True, text=True).stdout
    for line in out.splitlines():
        row = json.loads(line)
        ours[row["expr"]] = row["rolls_per_sec"]
    print(f"| expression | d20 (no parse cache) rolls/s | d20 (cached parse) rolls/s "
          f"| ttrpg-dice rolls/s | ratio vs uncached | ratio vs cached |")
    print("|---|---:|---:|---:|---:|---:|")
    for expr in EXPRESSIONS:
        fresh = d20_rate(lambda: d20.Roller().roll(expr), seconds)
        roller = d20.Roller()
        cached = d20_rate(lambda: roller.roll(expr), seconds)
        rust = ours[expr]
        print(f"| `{expr}` | {fresh:,.0f} | {cached:,.0f} | {rust:,.0f} "
              f"| {rust / fresh:,.0f}x | {rust / cached:,.0f}x |")


if __name__ == "__main__":
    main()
