#!/usr/bin/env python3
"""Check a rules-search question set against the PDF it is about.

    python3 tests/eval/check_pages.py tests/eval/srd51_paraphrase_dev.json [--pdf FILE]

For every question that has an "evidence" field ([[page, phrase], ...]) it checks that

  - each phrase occurs on its page, in the plain or the -layout text of `pdftotext`,
    after normalisation (case-insensitive, whitespace collapsed, the PDF's tabs, carriage
    returns, no-break spaces, hyphen variants and curly quotes made plain);
  - every page listed in "pages" has at least one evidence phrase, and every evidence
    page is listed in "pages";
  - the question text contains none of the words in its optional "avoids" list
    (case-insensitive, whole-word match; a multi-word entry matches as a phrase).

It also checks that ids are unique and pages are in range. Questions without evidence are
skipped with a note (so the older srd51.json passes). Exits 1 naming each failure.
Needs poppler's `pdftotext` on PATH; stdlib only.
"""

import argparse
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_PDF = os.path.normpath(
    os.path.join(HERE, "..", "..", "..", "shared", "data", "srd51", "SRD5.1-CCBY4.0License.pdf")
)

_CHARS = {
    "\u00a0": " ", "\t": " ", "\r": " ", "\f": " ",
    "\u00ad": "-", "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2212": "-",
    "\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"',
    "\u0336": "",  # combining strike-through the PDF uses for empty table cells
}
_TRANS = str.maketrans(_CHARS)


def normalise(text: str) -> str:
    t = text.translate(_TRANS).lower()
    t = re.sub(r"-+", "-", t)          # the PDF writes one hyphen as up to four characters
    t = re.sub(r"\s+", " ", t)
    t = re.sub(r"- ", "-", t)          # a hyphen at a line break
    return t.strip()


_cache: dict = {}


def page_texts(pdf: str, page: int) -> tuple:
    key = (pdf, page)
    if key not in _cache:
        out = []
        for extra in ([], ["-layout"]):
            r = subprocess.run(
                ["pdftotext", *extra, "-f", str(page), "-l", str(page), pdf, "-"],
                capture_output=True, check=True,
            )
            out.append(normalise(r.stdout.decode("utf-8", "replace")))
        _cache[key] = tuple(out)
    return _cache[key]


def page_count(pdf: str) -> int:
    r = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True)
    m = re.search(r"^Pages:\s+(\d+)", r.stdout, re.M)
    return int(m.group(1)) if m else 10**9


def word_re(word: str):
    parts = [re.escape(p) for p in normalise(word).split(" ")]
    return re.compile(r"(?<![a-z0-9])" + r"[\s\-]+".join(parts) + r"(?![a-z0-9])")


def check(path: str, pdf: str) -> int:
    data = json.load(open(path, encoding="utf-8"))
    failures, notes = [], []
    n_pages = page_count(pdf)
    seen = set()
    checked = phrases = 0
    for q in data["questions"]:
        qid = q.get("id", "?")
        if qid in seen:
            failures.append(f"{qid}: duplicate id")
        seen.add(qid)
        pages = q.get("pages", [])
        if not pages:
            failures.append(f"{qid}: no pages")
        for p in pages:
            if not (1 <= p <= n_pages):
                failures.append(f"{qid}: page {p} out of range 1..{n_pages}")
        qtext = normalise(q.get("question", ""))
        for w in q.get("avoids", []):
            if word_re(w).search(qtext):
                failures.append(f"{qid}: question contains avoided word {w!r}")
        ev = q.get("evidence")
        if not ev:
            notes.append(f"{qid}: no evidence, skipped")
            continue
        checked += 1
        covered = set()
        for item in ev:
            if len(item) != 2:
                failures.append(f"{qid}: bad evidence item {item!r}")
                continue
            page, phrase = int(item[0]), item[1]
            phrases += 1
            if page not in pages:
                failures.append(f"{qid}: evidence page {page} is not in pages {pages}")
            if not (1 <= page <= n_pages):
                continue
            plain, layout = page_texts(pdf, page)
            needle = normalise(phrase)
            if needle in plain or needle in layout:
                covered.add(page)
            else:
                failures.append(f"{qid}: p. {page}: phrase not found: {phrase!r}")
        for p in pages:
            if p not in covered and all(int(i[0]) != p for i in ev):
                failures.append(f"{qid}: page {p} has no evidence phrase")
    print(f"{path}: {len(data['questions'])} questions, {checked} with evidence, "
          f"{phrases} phrases checked")
    if notes:
        print(f"  {len(notes)} skipped (no evidence): " + ", ".join(n.split(':')[0] for n in notes))
    for f in failures:
        print("  FAIL " + f)
    print("  OK" if not failures else f"  {len(failures)} failure(s)")
    return 1 if failures else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sets", nargs="+", help="question set JSON file(s)")
    ap.add_argument("--pdf", default=DEFAULT_PDF, help=f"the PDF (default {DEFAULT_PDF})")
    args = ap.parse_args()
    if not os.path.exists(args.pdf):
        print(f"PDF not found: {args.pdf}", file=sys.stderr)
        return 2
    rc = 0
    for s in args.sets:
        rc |= check(s, args.pdf)
    return rc


if __name__ == "__main__":
    sys.exit(main())
