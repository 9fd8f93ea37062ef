"""Turn a text file's bytes into text, in the encoding it was really written in.

UTF-8 comes first: most files are UTF-8, and a UTF-8 file with a few damaged bytes stays
UTF-8 (the damaged bytes become U+FFFD) rather than being read as mojibake. A file that is
not UTF-8 at all (say a capture saved in the Russian code page cp1251) is decoded with the
encoding `charset-normalizer` detects, and the caller reports which one. Bytes are replaced
only when nothing fits.
"""

from __future__ import annotations

import codecs
import logging
from dataclasses import dataclass

logger = logging.getLogger(__name__)

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Without a byte-order mark, text with no NUL bytes is never UTF-16 or UTF-32: a detector
# that says so on a short legacy-encoded file is wrong.
_NEVER_GUESSED = ["utf_16", "utf_16_le", "utf_16_be", "utf_32", "utf_32_le", "utf_32_be"]


@dataclass(frozen=True)
class Decoded:
    """A file's text and how it was read."""

    text: str
    encoding: str  # Python codec name: "utf-8", "cp1251", ...
    detected: bool = False  # True when the encoding was guessed from the bytes
    replaced: int = 0  # undecodable bytes turned into U+FFFD
    first_bad_byte: int | None = None

    def describe(self) -> str:
        """'utf-8', 'cp1251 (detected)', 'utf-8 with 3 undecodable byte(s) replaced'."""
        if self.replaced:
            return f"{self.encoding} with {self.replaced} undecodable byte(s) replaced"
        return f"{self.encoding} (detected)" if self.detected else self.encoding


def has_text_bom(raw: bytes) -> bool:
    """True when `raw` starts with a UTF-16/32 byte-order mark (text that holds NUL bytes)."""
    return any(raw.startswith(bom) for bom, name in _BOMS if name != "utf-8")


def decode_bytes(raw: bytes, declared: str | None = None) -> Decoded:
    """Decode `raw`: a byte-order mark, then `declared` (an HTTP or HTML charset) if it
    fits, then UTF-8, then the detected encoding; U+FFFD only when nothing fits."""
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return Decoded(raw[len(bom) :].decode(name, errors="replace"), name)
    if declared:
        decoded = _strict(raw, declared)
        if decoded is not None:
            return decoded
    try:
        return Decoded(raw.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    text = raw.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - raw.count(b"\xef\xbf\xbd")
    good = sum(1 for char in text if ord(char) > 127 and char != "\ufffd")
    if good >= bad:
        # Mostly valid multi-byte UTF-8: a damaged UTF-8 file, not another encoding.
        return Decoded(text, "utf-8", replaced=bad, first_bad_byte=first_bad)
    guess = _detect(raw)
    if guess is not None:
        return guess
    return Decoded(text, "utf-8", replaced=bad, first_bad_byte=first_bad)


def _strict(raw: bytes, encoding: str) -> Decoded | None:
    try:
        name = codecs.lookup(encoding).name
        return Decoded(raw.decode(name), name)
    except (LookupError, UnicodeDecodeError):
        return None


def _detect(raw: bytes) -> Decoded | None:
    from charset_normalizer import from_bytes

    try:
        best = from_bytes(raw, cp_exclusion=_NEVER_GUESSED).best()
    except Exception:  # a detector failure must never lose the file: fall back to U+FFFD
        logger.warning("encoding detection failed", exc_info=True)
        return None
    if best is None:
        return None
    name = codecs.lookup(best.encoding).name
    return Decoded(str(best), name, detected=True)
