"""Recall per category and harmless strings changed, on the team corpus
(tests/privacy/corpus_team.py) and the original labelled corpus (tests/privacy/corpus.py),
with the misses listed, so docs/PRIVACY.md can say plainly what is still not caught.

    python benchmarks/eval_privacy.py [--misses 10]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.privacy import corpus
from tests.privacy.corpus_team import build, evaluate

from automagik_telemetry.privacy import Redactor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", type=int, default=10, help="misses and changes to list")
    args = parser.parse_args()
    redactor = Redactor(cache_size=0)
    sensitive, harmless = build()
    start = time.perf_counter()
    result = evaluate(redactor.redact_text, sensitive, harmless)
    elapsed = time.perf_counter() - start
    counts = result["counts"]
    per_category = result["per_category"]
    assert isinstance(counts, dict)
    assert isinstance(per_category, dict)
    print(f"team corpus: {len(sensitive)} sensitive, {len(harmless)} harmless")
    print("| category | strings | recall |")
    print("|---|---|---|")
    for category, recall in per_category.items():
        print(f"| {category} | {counts[category]} | {recall:.3f} |")
    print(f"| **overall** | {len(sensitive)} | **{result['recall']:.3f}** |")
    print(f"harmless strings changed: {result['harmless_changed']:.4f}")
    total = len(sensitive) + len(harmless)
    print(f"({elapsed / total * 1e6:.0f} µs per string on average, nothing cached)")
    misses = result["misses"]
    changed = result["changed"]
    assert isinstance(misses, list)
    assert isinstance(changed, list)
    for category, text, out in misses[: args.misses]:
        print(f"  missed [{category}] {text!r} -> {out!r}")
    for text, out in changed[: args.misses]:
        print(f"  changed {text!r} -> {out!r}")
    old = [("corpus 1", text, secrets) for text, secrets in corpus.SENSITIVE]
    first = evaluate(redactor.redact_text, old, corpus.HARMLESS)
    print(
        f"original corpus: recall {first['recall']:.3f}, "
        f"harmless changed {first['harmless_changed']:.4f}"
    )


if __name__ == "__main__":
    main()
