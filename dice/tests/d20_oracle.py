"""Oracle for tests/d20_differential.rs: rolls expressions with avrae's d20.

Reads a JSON list of expressions from the file named by argv[1] and prints, for each, a
JSON object: whether random rolls are accepted, and for constant faces (every die shows
1, 2, or its maximum) the total and rendering, or the error class.
"""
import json
import random
import sys

import d20

MODES = ("1", "2", "max")
RANDOM_ROLLS = 20


def constant_randrange(mode):
    def randrange(start, stop=None, step=1):
        if stop is None:
            start, stop = 0, start
        n = (stop - start) // step
        index = n - 1 if mode == "max" else min(int(mode), n) - 1
        return start + index * step
    return randrange


def outcome(expr):
    # A fresh Roller each time: d20 caches parses under the expression with spaces
    # removed, so "4d6 kh3" would be accepted only after "4d6kh3" was rolled.
    try:
        result = d20.Roller().roll(expr)
        return {"total": result.total, "rendered": result.result.replace("`", "")}
    except d20.RollError as e:
        return {"error": type(e).__name__, "message": str(e)}


def main():
    exprs = json.load(open(sys.argv[1]))
    original = random.randrange
    out = []
    for expr in exprs:
        random.randrange = original
        accepted = any("error" not in outcome(expr) for _ in range(RANDOM_ROLLS))
        faces = {}
        for mode in MODES:
            random.randrange = constant_randrange(mode)
            faces[mode] = outcome(expr)
        out.append({"expr": expr, "accepted": accepted, "faces": faces})
    random.randrange = original
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
