"""Reading the seeds folder: what is a document, what is skipped, and nothing crashes."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from store.ingest.corpus import (
    CorpusLimits,
    Discovery,
    DocumentTooLargeError,
    Fingerprint,
    KnownDocument,
    discover,
    read_document,
)
from tests.conftest import age_files


def _write(folder: Path, name: str, data: bytes | str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def test_txt_and_md_are_documents_and_other_files_are_skipped(tmp_path: Path) -> None:
    _write(tmp_path, "a.txt", "An article.")
    _write(tmp_path, "b.md", "# Notes\n\nA note.")
    _write(tmp_path, "c.pdf", b"%PDF-1.4 ...")
    _write(tmp_path, ".hidden.txt", "ignored quietly")
    found = discover(tmp_path)
    assert [d.doc_id for d in found.documents] == ["a", "b"]
    assert len(found.skipped) == 1 and "c.pdf" in found.skipped[0]


def test_binary_file_with_text_suffix_is_reported_and_skipped(tmp_path: Path) -> None:
    _write(tmp_path, "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    found = discover(tmp_path)
    assert found.documents == []
    assert "binary" in found.skipped[0]


def test_a_file_in_another_encoding_is_read_in_the_encoding_detected(tmp_path: Path) -> None:
    _write(tmp_path, "latin.txt", "Caf\xe9 in Astana, near the Ishim.".encode("latin-1"))
    (document,) = discover(tmp_path).documents
    assert document.text == "Caf\xe9 in Astana, near the Ishim."
    (warning,) = document.warnings
    assert "not UTF-8" in warning and "(detected)" in warning


def test_a_cp1251_capture_keeps_its_cyrillic_and_the_warning_names_the_encoding(
    tmp_path: Path,
) -> None:
    text = "Астана, 3 марта 2006 года. Министр обороны встретился с представителями Альянса."
    _write(tmp_path, "kaz.txt", text.encode("cp1251"))
    (document,) = discover(tmp_path).documents
    assert document.text == text and "\ufffd" not in document.text
    assert document.warnings == ("kaz.txt: not UTF-8; read as cp1251 (detected)",)


def test_a_damaged_utf8_file_stays_utf8_and_only_its_bad_bytes_are_replaced(
    tmp_path: Path,
) -> None:
    # One stray byte in a UTF-8 file must not turn every other character into mojibake.
    raw = "Нур-Султан and Astana: «the capital» — ".encode() + b"\xff" + b" moved in 1997."
    _write(tmp_path, "damaged.txt", raw)
    (document,) = discover(tmp_path).documents
    assert document.text == "Нур-Султан and Astana: «the capital» — \ufffd moved in 1997."
    assert "1 byte(s) are not UTF-8" in document.warnings[0]


def test_a_utf16_file_with_a_byte_order_mark_is_text_not_binary(tmp_path: Path) -> None:
    _write(tmp_path, "wide.txt", "Astana hosted the forum.".encode("utf-16"))
    (document,) = discover(tmp_path).documents
    assert document.text == "Astana hosted the forum." and not document.warnings


def test_metadata_is_read_and_broken_metadata_only_warns(tmp_path: Path) -> None:
    _write(tmp_path, "good.txt", "Text.")
    _write(
        tmp_path,
        "good.meta.toml",
        'title = "T"\nauthor = "A"\npublished = 2009-06-26\nurl = "https://x.test/1"\n',
    )
    _write(tmp_path, "bad.txt", "Text.")
    _write(tmp_path, "bad.meta.toml", "title = \n")
    _write(tmp_path, "odd.txt", "Text.")
    _write(tmp_path, "odd.meta.toml", 'published = "June 2009"\ncolour = "red"\n')
    documents = {d.doc_id: d for d in discover(tmp_path).documents}
    good = documents["good"]
    assert (good.metadata.title, good.metadata.published) == ("T", date(2009, 6, 26))
    assert good.has_metadata and not good.warnings
    assert "not valid TOML" in documents["bad"].warnings[0]
    assert documents["odd"].metadata.published is None
    assert any("colour" in w for w in documents["odd"].warnings)
    assert any("YYYY-MM-DD" in w for w in documents["odd"].warnings)


@pytest.mark.parametrize(
    ("written", "published", "precision"),
    [
        ("2009-06-26", date(2009, 6, 26), "day"),  # a TOML date
        ('"2009-06-26"', date(2009, 6, 26), "day"),
        ("2009-06-26T10:30:00Z", date(2009, 6, 26), "day"),
        ('"2005-12"', date(2005, 12, 1), "month"),
        ('"2005-3"', date(2005, 3, 1), "month"),
        ('"2005"', date(2005, 1, 1), "year"),
        ("2005", date(2005, 1, 1), "year"),  # a bare TOML integer
    ],
)
def test_a_published_date_keeps_the_precision_it_was_given(
    tmp_path: Path, written: str, published: date, precision: str
) -> None:
    _write(tmp_path, "a.txt", "Text.")
    _write(tmp_path, "a.meta.toml", f"published = {written}\n")
    (document,) = discover(tmp_path).documents
    assert not document.warnings
    assert (document.metadata.published, document.metadata.date_precision) == (
        published,
        precision,
    )


@pytest.mark.parametrize("written", ['"2005-13"', '"Dec 2005"', '"05-12"', "true", "[2005]"])
def test_a_published_value_that_is_no_date_warns_and_is_ignored(
    tmp_path: Path, written: str
) -> None:
    _write(tmp_path, "a.txt", "Text.")
    _write(tmp_path, "a.meta.toml", f'title = "T"\npublished = {written}\n')
    (document,) = discover(tmp_path).documents
    assert document.metadata.published is None and document.metadata.title == "T"
    assert "YYYY-MM-DD, YYYY-MM or YYYY" in document.warnings[0]


def test_what_kz_brief_import_writes_is_read_without_warnings(tmp_path: Path) -> None:
    _write(tmp_path, "page.txt", "Text.")
    _write(
        tmp_path,
        "page.meta.toml",
        'title = "T"\npublished = "2006-02-02"\ndate_basis = "text"\n\n[sources]\n'
        'document = "https://review.example.org/x"\npublished = "visible page text (htmldate)"\n',
    )
    _write(tmp_path, "odd.txt", "Text.")
    _write(tmp_path, "odd.meta.toml", 'date_basis = "guess"\nsources = "everywhere"\n')
    documents = {d.doc_id: d for d in discover(tmp_path).documents}
    page = documents["page"]
    assert page.warnings == ()
    assert page.metadata.date_basis == "text"
    assert dict(page.metadata.sources)["published"] == "visible page text (htmldate)"
    odd = documents["odd"]
    assert odd.metadata.date_basis == "metadata" and odd.metadata.sources == ()
    assert any("date_basis" in w for w in odd.warnings)
    assert any("sources must be a table" in w for w in odd.warnings)


def test_editing_metadata_changes_the_content_hash(tmp_path: Path) -> None:
    _write(tmp_path, "a.txt", "Text.")
    before = discover(tmp_path).documents[0].content_hash
    _write(tmp_path, "a.meta.toml", 'title = "New"\n')
    assert discover(tmp_path).documents[0].content_hash != before


def test_missing_folder_is_reported(tmp_path: Path) -> None:
    found = discover(tmp_path / "nope")
    assert found.documents == [] and "does not exist" in found.skipped[0]


# ----- fingerprints: what a re-index may leave unread ----------------------------------------


def _known(found: Discovery) -> dict[str, KnownDocument]:
    """What an index built from `found` records, as `kz-brief index` hands it back."""
    known = {d.doc_id: KnownDocument(d.fingerprint, d.content_hash) for d in found.documents}
    known.update({d.doc_id: KnownDocument(d.fingerprint, d.content_hash) for d in found.unchanged})
    return known


def _set_mtime(path: Path, seconds_ago: float) -> None:
    then = path.stat().st_mtime - seconds_ago
    os.utime(path, (then, then))


def _two_documents(folder: Path) -> dict[str, KnownDocument]:
    _write(folder, "a.txt", "Article A.")
    _write(folder, "a.meta.toml", 'title = "A"\n')
    _write(folder, "b.txt", "Article B.")
    age_files(folder)
    return _known(discover(folder))


def test_a_document_with_its_recorded_fingerprint_is_not_read(
    tmp_path: Path, opened_files: list[Path]
) -> None:
    known = _two_documents(tmp_path)
    opened_files.clear()
    found = discover(tmp_path, known)
    assert [d.doc_id for d in found.unchanged] == ["a", "b"] and found.documents == []
    assert opened_files == []
    (same,) = [d for d in found.unchanged if d.doc_id == "a"]
    assert same.content_hash == known["a"].content_hash
    assert same.path == tmp_path / "a.txt"


def test_a_same_size_edit_with_a_new_mtime_is_read_again(
    tmp_path: Path, opened_files: list[Path]
) -> None:
    known = _two_documents(tmp_path)
    _write(tmp_path, "b.txt", "Article C.")
    _set_mtime(tmp_path / "b.txt", 60)
    opened_files.clear()
    found = discover(tmp_path, known)
    assert [d.doc_id for d in found.unchanged] == ["a"]
    (edited,) = found.documents
    assert edited.text == "Article C." and edited.content_hash != known["b"].content_hash
    assert tmp_path / "b.txt" in opened_files and tmp_path / "a.txt" not in opened_files


def test_a_touched_document_is_read_and_hashes_the_same(tmp_path: Path) -> None:
    known = _two_documents(tmp_path)
    _set_mtime(tmp_path / "a.txt", 60)
    found = discover(tmp_path, known)
    (touched,) = found.documents
    assert touched.doc_id == "a" and touched.content_hash == known["a"].content_hash
    assert touched.fingerprint != known["a"].fingerprint


def test_adding_editing_or_removing_metadata_changes_the_fingerprint(tmp_path: Path) -> None:
    known = _two_documents(tmp_path)
    _write(tmp_path, "a.meta.toml", 'title = "B"\n')  # same size, fresh mtime
    _write(tmp_path, "b.meta.toml", 'title = "New"\n')
    edited = {d.doc_id: d for d in discover(tmp_path, known).documents}
    assert edited["a"].metadata.title == "B" and edited["b"].metadata.title == "New"
    (tmp_path / "a.meta.toml").unlink()
    assert [d.doc_id for d in discover(tmp_path, known).documents] == ["a", "b"]


def test_skipped_files_are_reported_the_same_with_known_documents(tmp_path: Path) -> None:
    known = _two_documents(tmp_path)
    _write(tmp_path, "c.pdf", b"%PDF-1.4 ...")
    _write(tmp_path, "a.md", "Same name as a.txt.")
    _write(tmp_path, "orphan.meta.toml", 'title = "O"\n')
    assert discover(tmp_path, known).skipped == discover(tmp_path).skipped
    assert len(discover(tmp_path, known).skipped) == 3


def test_a_fingerprint_is_taken_only_of_settled_files(tmp_path: Path) -> None:
    # A file written just now may be written again within the same clock tick, size and
    # mtime unchanged: its fingerprint cannot vouch for its content yet.
    path = _write(tmp_path, "a.txt", "Fresh.")
    assert read_document(path, "a").fingerprint is None
    age_files(tmp_path)
    stat = path.stat()
    expected = Fingerprint(stat.st_size, stat.st_mtime_ns, None, None)
    assert read_document(path, "a").fingerprint == expected


def test_a_fingerprint_survives_the_manifest_as_json(tmp_path: Path) -> None:
    fingerprint = Fingerprint(10, 1_700_000_000_123_456_789, None, None)
    assert Fingerprint.from_json(list(fingerprint)) == fingerprint
    assert Fingerprint.from_json(None) is None
    assert Fingerprint.from_json([10, "x", None, None]) is None


# --- The corpus stays inside its folder ----------------------------------------------------


def test_a_link_to_a_file_outside_the_seeds_folder_is_skipped_with_a_warning(
    tmp_path: Path,
) -> None:
    seeds, private = tmp_path / "seeds", tmp_path / "private"
    _write(seeds, "article.txt", "An article about NATO.")
    memo = _write(private, "memo.txt", "A private memo that must never be quoted.")
    _write(private, "meta.meta.toml", 'title = "Private title"')
    (seeds / "memo.txt").symlink_to(memo)
    (seeds / "inside.txt").symlink_to(seeds / "article.txt")  # stays inside: read
    (seeds / "article.meta.toml").symlink_to(private / "meta.meta.toml")
    (seeds / "folder").symlink_to(private, target_is_directory=True)
    (seeds / "broken.txt").symlink_to(tmp_path / "nothing-here.txt")
    found = discover(seeds)
    assert sorted(d.doc_id for d in found.documents) == ["article", "inside"]
    assert not any("private memo" in d.text for d in found.documents)
    skipped = "\n".join(found.skipped)
    assert f"memo.txt: a symbolic link to {memo}, outside the seeds folder" in skipped
    assert "KZ_ALLOW_LINKS_OUTSIDE_SEEDS=true" in skipped
    assert "folder: a symbolic link to a folder; not followed" in skipped
    assert "broken.txt: a symbolic link to nothing" in skipped
    article = next(d for d in found.documents if d.doc_id == "article")
    assert article.metadata.title is None  # the linked metadata file was not read
    assert any("outside the seeds folder" in w for w in article.warnings)

    allowed = discover(seeds, limits=CorpusLimits(follow_outside_links=True))
    assert "memo" in [d.doc_id for d in allowed.documents]


def test_a_file_over_the_size_limit_is_skipped_and_never_read_whole(tmp_path: Path) -> None:
    _write(tmp_path, "small.txt", "A short article.")
    _write(tmp_path, "huge.txt", "word " * 1000)
    found = discover(tmp_path, limits=CorpusLimits(max_bytes=1000))
    assert [d.doc_id for d in found.documents] == ["small"]
    assert found.skipped == ["huge.txt: larger than 0.001 MB (KZ_MAX_DOCUMENT_MB); skipped"]


def test_reading_dev_zero_stops_at_the_limit(tmp_path: Path) -> None:
    zero = Path("/dev/zero")
    if not zero.exists():
        pytest.skip("no /dev/zero on this system")
    with pytest.raises(DocumentTooLargeError, match="KZ_MAX_DOCUMENT_MB"):
        read_document(zero, "zero", CorpusLimits(max_bytes=5_000_000))
