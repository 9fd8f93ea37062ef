"""Reading the seeds folder: what is a document, what is skipped, and nothing crashes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from store.corpus import discover


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


def test_non_utf8_bytes_are_replaced_with_a_warning(tmp_path: Path) -> None:
    _write(tmp_path, "latin.txt", "Caf\xe9 in Astana.".encode("latin-1"))
    (document,) = discover(tmp_path).documents
    assert document.text == "Caf\ufffd in Astana."
    assert "not UTF-8" in document.warnings[0]


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


def test_editing_metadata_changes_the_content_hash(tmp_path: Path) -> None:
    _write(tmp_path, "a.txt", "Text.")
    before = discover(tmp_path).documents[0].content_hash
    _write(tmp_path, "a.meta.toml", 'title = "New"\n')
    assert discover(tmp_path).documents[0].content_hash != before


def test_missing_folder_is_reported(tmp_path: Path) -> None:
    found = discover(tmp_path / "nope")
    assert found.documents == [] and "does not exist" in found.skipped[0]
