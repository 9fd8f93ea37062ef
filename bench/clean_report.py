"""Print the cleaner's verdict on every paragraph of every test page and seed: the measure
read before and after changing a cleaning rule.

For each file it prints the `index --explain` lines (KEEP/DROP, rule, why, a preview) and a
count of kept and dropped paragraphs; `--kept` prints only the kept paragraphs in full, to
read for furniture that got through. Files that are not UTF-8 are decoded with the encoding
charset-normalizer finds (named in the header), as the indexer's own detection would.

Usage: python bench/clean_report.py [--kept] [FILE ...]
(default: seeds/*.txt, tests/store/ingest/pages/*.txt and styles/*.txt)
"""

from __future__ import annotations

import sys
from pathlib import Path

from charset_normalizer import from_bytes

from store.ingest.clean import clean, format_explanation
from store.ingest.corpus import meta_path_for, parse_metadata

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = [
    *sorted((ROOT / "seeds").glob("*.txt")),
    *sorted(ROOT.glob("tests/store/ingest/pages/*.txt")),
    *sorted(ROOT.glob("tests/store/ingest/styles/*.txt")),
]


def decoded(path: Path) -> tuple[str, str]:
    """The file's text and the encoding it was read with."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        best = from_bytes(raw).best()
        if best is None:
            return raw.decode("utf-8", errors="replace"), "utf-8 (with replacements)"
        return str(best), best.encoding


def report(path: Path, kept_only: bool) -> None:
    text, encoding = decoded(path)
    meta = meta_path_for(path)
    title = parse_metadata(meta.read_bytes(), meta.name, []).title if meta.exists() else None
    verdicts = clean(text, title)
    kept = sum(v.kept for v in verdicts)
    print(f"=== {path.relative_to(ROOT)} ({encoding}; title: {title or 'none'}): "
          f"{kept} kept, {len(verdicts) - kept} dropped")  # fmt: skip
    if kept_only:
        for v in verdicts:
            if v.kept:
                print(f"{v.paragraph.index:>4} {v.paragraph.text}")
    else:
        print("\n".join(format_explanation(verdicts)))
    print()


def main(arguments: list[str]) -> None:
    kept_only = "--kept" in arguments
    files = [Path(a).resolve() for a in arguments if a != "--kept"] or DEFAULT
    for path in files:
        report(path, kept_only)


if __name__ == "__main__":
    main(sys.argv[1:])
