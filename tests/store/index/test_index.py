"""Index generations: incremental by content hash, atomic switch, honest errors."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest

from store.errors import IndexMissingError, ModelMismatchError, StoreError
from store.index.build import Indexer
from store.index.generations import MANIFEST_FILE, LocalGenerations
from store.search.calibrate import PROBE_QUESTIONS
from store.search.searcher import Searcher
from tests.conftest import FakeEncoder, age_files

EUOBSERVER = "euobserver-2009-nato-woos-kazakhstan"
CACI = "caci-2005-kazakhstan-legal-basis-nato"


@pytest.fixture
def generations(tmp_path: Path) -> LocalGenerations:
    return LocalGenerations(tmp_path / "data" / "index")


def _build(generations, seeds, encoder, **options):
    return Indexer(generations, encoder).build(seeds, **options)


def test_first_build_indexes_both_seeds_dated_from_metadata(generations, seeds_copy, fake_encoder):
    report = _build(generations, seeds_copy, fake_encoder)
    assert report.switched and report.count("added") == 2
    manifest = generations.manifest(generations.current())
    dates = {d["doc_id"]: (d["published"], d["date_basis"]) for d in manifest["documents"]}
    assert dates == {EUOBSERVER: ("2009-06-26", "metadata"), CACI: ("2005-11-02", "metadata")}
    assert manifest["model"] == fake_encoder.model_id
    assert manifest["dimension"] == fake_encoder.dimension()


def test_every_passage_is_the_file_text_at_its_offsets(generations, seeds_copy, fake_encoder):
    _build(generations, seeds_copy, fake_encoder)
    collection = generations.collection(generations.current())
    records = collection.get(include=["documents", "metadatas"])
    assert records["ids"]
    for text, meta in zip(records["documents"], records["metadatas"], strict=True):
        source = (seeds_copy / f"{meta['doc_id']}.txt").read_text(encoding="utf-8")
        assert source[meta["start"] : meta["end"]] == text
    assert len(set(records["documents"])) == len(records["documents"])


def test_second_build_with_nothing_changed_embeds_nothing(generations, seeds_copy, fake_encoder):
    first = _build(generations, seeds_copy, fake_encoder)
    fake_encoder.encoded.clear()
    second = _build(generations, seeds_copy, fake_encoder)
    assert fake_encoder.encoded == []
    assert second.count("unchanged") == 2 and not second.switched
    assert generations.current() == first.generation


def test_editing_one_document_re_embeds_only_that_document(generations, seeds_copy, fake_encoder):
    _build(generations, seeds_copy, fake_encoder)
    fake_encoder.encoded.clear()
    path = seeds_copy / f"{CACI}.txt"
    text = path.read_text(encoding="utf-8")
    added = "Kazakhstan also signed a new memorandum on civil emergency planning with the Alliance."
    path.write_text(text.replace("\nAUTHOR’S BIO", f"\n{added}\n\nAUTHOR’S BIO"), encoding="utf-8")
    report = _build(generations, seeds_copy, fake_encoder)
    assert report.count("updated") == 1 and report.count("unchanged") == 1
    euobserver = (seeds_copy / f"{EUOBSERVER}.txt").read_text(encoding="utf-8")
    # What was embedded: the edited document's passages (after their context line) and
    # windows, and the fixed off-topic probes the no-match threshold is calibrated on.
    embedded = [t.split("\n", 1)[-1] for t in fake_encoder.encoded if t not in PROBE_QUESTIONS]
    assert embedded, "the edited passage must be embedded"
    assert all(t in path.read_text(encoding="utf-8") for t in embedded)
    assert not any(t in euobserver for t in embedded)
    assert any(added in t for t in embedded)


# ----- re-index without reading: the files' size and mtime ------------------------------------


def _seed_files(seeds: Path) -> set[Path]:
    return {path for path in seeds.iterdir() if path.is_file()}


def _entries(generations: LocalGenerations) -> dict[str, dict]:
    return {d["doc_id"]: d for d in generations.manifest(generations.current())["documents"]}


def _stamp(path: Path, seconds_ago: float) -> None:
    then = path.stat().st_mtime - seconds_ago
    os.utime(path, (then, then))


def test_an_unchanged_corpus_is_not_read_again(generations, seeds_copy, fake_encoder, opened_files):
    age_files(seeds_copy)
    first = _build(generations, seeds_copy, fake_encoder)
    assert all(entry["fingerprint"] for entry in _entries(generations).values())
    fake_encoder.encoded.clear()
    opened_files.clear()
    second = _build(generations, seeds_copy, fake_encoder)
    assert second.count("unchanged") == 2 and not second.switched
    assert generations.current() == first.generation and fake_encoder.encoded == []
    assert not _seed_files(seeds_copy) & set(opened_files), "an unchanged file was read"


def test_a_same_size_edit_is_read_and_indexed_again(generations, seeds_copy, fake_encoder):
    age_files(seeds_copy)
    _build(generations, seeds_copy, fake_encoder)
    before = _entries(generations)[EUOBSERVER]
    path = seeds_copy / f"{EUOBSERVER}.txt"
    text = path.read_text(encoding="utf-8")
    assert "Rogozin" in text
    path.write_text(text.replace("Rogozin", "Rogozyn"), encoding="utf-8")  # same byte count
    _stamp(path, 60)
    assert path.stat().st_size == before["fingerprint"][0]
    fake_encoder.encoded.clear()
    report = _build(generations, seeds_copy, fake_encoder)
    assert report.count("updated") == 1 and report.count("unchanged") == 1 and report.switched
    assert any("Rogozyn" in t for t in fake_encoder.encoded)
    assert _entries(generations)[EUOBSERVER]["content_hash"] != before["content_hash"]


def test_a_touched_document_is_read_but_unchanged_and_its_fingerprint_refreshed(
    generations, seeds_copy, fake_encoder, opened_files
):
    age_files(seeds_copy)
    first = _build(generations, seeds_copy, fake_encoder)
    touched = seeds_copy / f"{CACI}.txt"
    _stamp(touched, 60)  # `touch`: same bytes, a new mtime
    fake_encoder.encoded.clear()
    opened_files.clear()
    report = _build(generations, seeds_copy, fake_encoder)
    assert report.count("unchanged") == 2 and not report.switched
    assert generations.current() == first.generation and fake_encoder.encoded == []
    assert touched in opened_files
    # The next generation written (here for another edit) records the touched file's new
    # fingerprint, so it is not read again after that.
    edited = seeds_copy / f"{EUOBSERVER}.txt"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nA closing line.\n", "utf-8")
    _stamp(edited, 60)
    assert _build(generations, seeds_copy, fake_encoder).switched
    fingerprint = _entries(generations)[CACI]["fingerprint"]
    assert fingerprint[:2] == [touched.stat().st_size, touched.stat().st_mtime_ns]
    opened_files.clear()
    assert _build(generations, seeds_copy, fake_encoder).count("unchanged") == 2
    assert not _seed_files(seeds_copy) & set(opened_files)


def test_a_manifest_from_before_fingerprints_still_finds_nothing_changed(
    generations, seeds_copy, fake_encoder, opened_files
):
    age_files(seeds_copy)
    first = _build(generations, seeds_copy, fake_encoder)
    path = generations.root / first.generation / MANIFEST_FILE
    manifest = json.loads(path.read_text(encoding="utf-8"))
    for entry in manifest["documents"]:
        del entry["fingerprint"]
    path.write_text(json.dumps(manifest), encoding="utf-8")
    fake_encoder.encoded.clear()
    opened_files.clear()
    report = _build(generations, seeds_copy, fake_encoder)
    assert report.count("unchanged") == 2 and not report.switched
    assert fake_encoder.encoded == []
    assert seeds_copy / f"{CACI}.txt" in opened_files  # read and hashed, as before


def test_an_old_calibration_is_redone_on_an_unchanged_corpus_without_embedding_passages(
    generations, seeds_copy, fake_encoder
):
    first = _build(generations, seeds_copy, fake_encoder)
    path = generations.root / first.generation / MANIFEST_FILE
    manifest = json.loads(path.read_text(encoding="utf-8"))
    # As a generation calibrated with the sample quantile wrote it.
    for key in ("quantile", "estimate"):
        del manifest["no_match"][key]
    path.write_text(json.dumps(manifest), encoding="utf-8")
    fake_encoder.encoded.clear()
    second = _build(generations, seeds_copy, fake_encoder)
    assert second.switched and second.count("unchanged") == 2
    assert any("calibrated the old way" in note for note in second.notes)
    assert set(fake_encoder.encoded) <= set(PROBE_QUESTIONS)  # no passage embedded again
    redone = generations.manifest(generations.current())["no_match"]
    assert redone["estimate"] == "harrell-davis"
    third = _build(generations, seeds_copy, fake_encoder)
    assert not third.switched and any("nothing changed" in note for note in third.notes)


def test_editing_only_the_metadata_file_updates_the_document(generations, seeds_copy, fake_encoder):
    age_files(seeds_copy)
    _build(generations, seeds_copy, fake_encoder)
    meta = seeds_copy / f"{CACI}.meta.toml"
    text = meta.read_text(encoding="utf-8")
    meta.write_text(text.replace("published = 2005-11-02", "published = 2005-11-03"), "utf-8")
    report = _build(generations, seeds_copy, fake_encoder)
    assert report.count("updated") == 1 and report.count("unchanged") == 1
    assert _entries(generations)[CACI]["published"] == "2005-11-03"


def test_a_rewrite_within_the_same_clock_tick_is_not_missed(generations, tmp_path, fake_encoder):
    # Coarse file clocks can give two writes the same mtime: a file indexed moments after it
    # was written gets no fingerprint, so a same-size rewrite with the same mtime is still read.
    seeds = tmp_path / "fresh"
    seeds.mkdir()
    path = seeds / "note.txt"
    text = (
        "Astana talks\n\nKazakhstan discussed its Partnership for Peace plan with NATO "
        "officials in Astana, who praised the progress of the peacekeeping battalion."
    )
    path.write_text(text, "utf-8")
    stat = path.stat()
    _build(generations, seeds, fake_encoder)
    assert _entries(generations)["note"]["fingerprint"] is None
    path.write_text(text.replace("in Astana", "in Almaty"), "utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size
    fake_encoder.encoded.clear()
    report = _build(generations, seeds, fake_encoder)
    assert report.count("updated") == 1
    assert any("Almaty" in t for t in fake_encoder.encoded)


def test_deleted_file_disappears_from_the_index(generations, seeds_copy, fake_encoder):
    _build(generations, seeds_copy, fake_encoder)
    (seeds_copy / f"{EUOBSERVER}.txt").unlink()
    report = _build(generations, seeds_copy, fake_encoder)
    assert report.count("removed") == 1
    records = generations.collection(generations.current()).get(include=["metadatas"])
    assert {m["doc_id"] for m in records["metadatas"]} == {CACI}


def test_dry_run_builds_nothing(generations, seeds_copy, fake_encoder):
    report = _build(generations, seeds_copy, fake_encoder, dry_run=True)
    assert report.count("added") == 2 and not report.switched
    assert generations.current() is None
    assert not [p for p in generations.root.iterdir() if p.is_dir()]


def test_rebuild_embeds_everything_again(generations, seeds_copy, fake_encoder):
    _build(generations, seeds_copy, fake_encoder)
    count = len(set(fake_encoder.encoded))
    fake_encoder.encoded.clear()
    report = _build(generations, seeds_copy, fake_encoder, rebuild=True)
    assert report.switched and len(set(fake_encoder.encoded)) == count


def test_vectors_made_another_way_are_all_made_again_once(generations, seeds_copy, fake_encoder):
    """A generation never mixes vectors of two recipes (the int8 model once encoded texts
    in batches, which moved each vector): the first index after a change embeds every
    passage again and says why; the next one reuses them."""
    _build(generations, seeds_copy, fake_encoder)
    count = len(set(fake_encoder.encoded))
    fake_encoder.encoded.clear()
    recast = FakeEncoder()
    recast.recipe = "fake, one text per call"
    report = _build(generations, seeds_copy, recast)
    assert report.switched and len(set(recast.encoded)) == count
    note = " ".join(report.notes)
    assert "embedded again" in note and "fake, one text per call" in note
    assert generations.manifest(generations.current())["vectors"] == "fake, one text per call"
    recast.encoded.clear()
    again = _build(generations, seeds_copy, recast)
    assert not again.switched and recast.encoded == []


class ExplodingEncoder(FakeEncoder):
    """Dies part-way through embedding, like a Ctrl-C or a crash mid-build."""

    def encode(self, texts, progress=None):
        raise KeyboardInterrupt


def test_a_build_killed_midway_leaves_the_old_generation_answering(
    generations, seeds_copy, fake_encoder
):
    first = _build(generations, seeds_copy, fake_encoder)
    (seeds_copy / "new.txt").write_text(
        "A brand new article.\n\nKazakhstan hosted a NATO exercise called Steppe Eagle. "
        "It trained the peacekeeping brigade.\n\nMore text about the exercise followed here.",
        encoding="utf-8",
    )
    with pytest.raises(KeyboardInterrupt):
        _build(generations, seeds_copy, ExplodingEncoder())
    assert generations.current() == first.generation
    hits = Searcher(generations, fake_encoder).search("KAZBAT Altynbayev PARP")
    assert hits and hits[0].doc_id == CACI


def test_a_crash_while_writing_the_new_generation_switches_nothing(
    generations, seeds_copy, fake_encoder, monkeypatch
):
    first = _build(generations, seeds_copy, fake_encoder)
    (seeds_copy / f"{EUOBSERVER}.txt").unlink()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("store.index.build._add_records", crash)
    with pytest.raises(OSError):
        _build(generations, seeds_copy, fake_encoder)
    assert generations.current() == first.generation
    assert {d.doc_id for d in Searcher(generations, fake_encoder).documents()} == {EUOBSERVER, CACI}


def test_a_model_mismatch_tells_the_admin_to_rebuild(generations, seeds_copy, fake_encoder):
    _build(generations, seeds_copy, fake_encoder)
    other = FakeEncoder(model_id="another-model")
    with pytest.raises(ModelMismatchError, match="kz-brief index --rebuild"):
        Searcher(generations, other).search("NATO")


def test_searching_without_an_index_says_how_to_build_one(generations, fake_encoder):
    with pytest.raises(IndexMissingError, match="kz-brief index"):
        Searcher(generations, fake_encoder).search("NATO")


def test_binary_and_non_utf8_files_are_reported_not_fatal(generations, seeds_copy, fake_encoder):
    (seeds_copy / "scan.txt").write_bytes(b"\x00\x01\x02binary")
    (seeds_copy / "old.txt").write_bytes(
        "Kazakhstan and NATO signed the Individual Partnership Action Plan in Astana.\n".encode(
            "cp1251"
        )
        + b"\xff\xfe"
    )
    (seeds_copy / "slides.pptx").write_bytes(b"PK\x03\x04")
    report = _build(generations, seeds_copy, fake_encoder)
    assert report.switched and report.count("added") == 3
    warnings = "\n".join(report.warnings)
    assert "scan.txt: binary" in warnings and "slides.pptx" in warnings
    assert "not UTF-8" in warnings


def test_documents_without_metadata_still_index_with_a_warning(generations, tmp_path, fake_encoder):
    seeds = tmp_path / "bare"
    seeds.mkdir()
    (seeds / "note.txt").write_text(
        "Astana talks\n\nKazakhstan discussed its Partnership for Peace plan with NATO officials "
        "in Astana, who praised the progress of the peacekeeping battalion.",
        encoding="utf-8",
    )
    report = _build(generations, seeds, fake_encoder)
    (doc,) = generations.manifest(generations.current())["documents"]
    assert doc["date_basis"] == "none" and doc["published"] is None
    assert any("undated" in w for w in report.warnings)


def test_search_results_carry_dates_and_basis(generations, seeds_copy, fake_encoder):
    _build(generations, seeds_copy, fake_encoder)
    hits = Searcher(generations, fake_encoder).search("Rogozin lover wife Scheffer")
    assert hits[0].doc_id == EUOBSERVER
    assert hits[0].published == date(2009, 6, 26) and hits[0].date_basis == "metadata"


def test_a_second_build_at_the_same_time_is_refused(generations, seeds_copy, fake_encoder):
    with generations.build_lock():
        with pytest.raises(StoreError, match="Another `kz-brief index` is running"):
            _build(generations, seeds_copy, fake_encoder)
    assert _build(generations, seeds_copy, fake_encoder).switched


FURNITURE = (
    "Subscribe now",
    "30 day free trial",
    "Cancel anytime",
    "already have an account",
    "News in Brief",
    "Latest News",
    "Stakeholders' Highlights",
    "Evacuated women from Libya",
    "Merkel in Paris",
    "EU missing the boat",
    "Read 3338 times",
    "Visit also",
    "turkeyanalyst",
    "Staff Publications",
    "Silk Road Paper",
    "Newsletter",
    "Sign up for upcoming events",
    "AUTHOR’S BIO",
    "19th Mar 2018",
)


def test_no_indexed_passage_carries_furniture_or_repeats_a_paragraph(
    generations, seeds_copy, fake_encoder
):
    _build(generations, seeds_copy, fake_encoder)
    records = generations.collection(generations.current()).get(include=["documents"])
    passages = records["documents"]
    for passage in passages:
        assert not [f for f in FURNITURE if f in passage], passage[:80]
    paragraphs = [p.strip() for passage in passages for p in passage.split("\n") if p.strip()]
    assert len(paragraphs) == len(set(paragraphs))
    background = "BACKGROUND: On October 5, Ambassador Robert Simmons"
    assert sum(p.count(background) for p in passages) == 1
