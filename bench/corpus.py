"""Generate benchmark corpora of a chosen passage count from the seed articles, offline.

Every generated document is a plain article (a headline, then prose paragraphs) with a
`NAME.meta.toml` giving its title, author, publisher and published date. Paragraphs are made
by recombining the sentences the cleaner keeps from the seed articles, with rare names,
numbers and dates varied, so retrieval works on text like the real corpus while every
sentence (and so every passage and sentence window) is distinct: the indexer embeds each
distinct text once, and repeated text would flatter its throughput.

Each paragraph is 380-700 characters of whole sentences: two neighbours never fit in one
~700-character passage and none is long enough to be cut, so one paragraph is one passage
and the passage count is known before indexing (bench/run.py still checks it against the
manifest's chunk counts). The seed documents themselves are copied in, so the question set
still has its answers at every scale.
"""

from __future__ import annotations

import json
import random
import re
import shutil
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from store.ingest.clean import kept_paragraphs
from store.ingest.corpus import META_SUFFIX, discover
from store.ingest.prepare import prepare
from store.ingest.sentences import sentence_spans

GENERATOR_VERSION = "1"
STAMP_FILE = ".bench-corpus.json"
MIN_PARAGRAPH = 380
MAX_PARAGRAPH = 700
PARAGRAPHS_PER_DOC = (6, 14)
# A capitalised word used fewer times than this in the seeds is treated as a name to vary
# (Altynbayev, Rogozin); the frequent ones (Kazakhstan, Nato, Russia) carry the topic.
RARE_NAME_USES = 3
_CAPITALISED = re.compile(r"(?<=[a-z,;] )([A-Z][a-z]{3,})\b")
_NUMBER = re.compile(r"\b\d{1,4}\b")
_MONTHS = (
    "January February March April May June July August September October November December"
).split()
_SYLLABLES = (
    "ba be bek da dar er gal gul ka kan khan la lan ma mar na nur ol ra ran sa sul ta tai "
    "tas u ul za zhan ak al as at"
).split()
_SURNAME_ENDINGS = ("ov", "ev", "in", "ova", "eva", "uly", "bayev", "enko", "er", "son")
_PUBLISHERS = (
    "Steppe Review",
    "Caspian Security Monitor",
    "Eurasia Defence Weekly",
    "Central Asia Policy Brief",
    "Alliance Affairs Quarterly",
    "Astana Observer",
    "Partnership Papers",
    "Silk Road Strategic Notes",
)
_TITLE_TEMPLATES = (
    "Kazakhstan and NATO weigh {noun} in {month} {year}",
    "{surname} on the next steps of the {noun}",
    "Astana's {noun} with the alliance enters year {number}",
    "What the {noun} means for Central Asia after {year}",
    "Partners and rivals: the {noun} seen from {city}",
)
_NOUNS = (
    "partnership plan",
    "peacekeeping agreement",
    "transit deal",
    "defence reform",
    "security dialogue",
    "training programme",
    "interoperability review",
)
_CITIES = ("Astana", "Almaty", "Brussels", "Moscow", "Beijing", "Tashkent", "Bishkek")


@dataclass(frozen=True)
class GeneratedCorpus:
    """Where a corpus was written and how many passages its paragraphs should make."""

    path: Path
    documents: int
    expected_passages: int


def seed_sentences(seeds_dir: Path) -> list[str]:
    """The distinct sentences of the kept article text of every seed document."""
    found: dict[str, None] = {}
    for document in discover(seeds_dir).documents:
        for paragraph in kept_paragraphs(prepare(document).verdicts):
            for start, end in sentence_spans(paragraph.text):
                sentence = " ".join(paragraph.text[start:end].split())
                if 40 <= len(sentence) <= MAX_PARAGRAPH - 60:
                    found[sentence] = None
    return list(found)


def rare_names(sentences: list[str]) -> frozenset[str]:
    """Capitalised words seen inside sentences too rarely to carry the topic: people's names."""
    uses = Counter(word for s in sentences for word in _CAPITALISED.findall(s))
    lower = {w.lower() for s in sentences for w in re.findall(r"\b[a-z]+\b", s)}
    return frozenset(w for w, n in uses.items() if n < RARE_NAME_USES and w.lower() not in lower)


class SentenceVariator:
    """Turns seed sentences into new, never-repeated sentences with varied names and numbers."""

    def __init__(self, sentences: list[str], rng: random.Random):
        self.sentences = sentences
        self.names = rare_names(sentences)
        # First words that may be lower-cased behind a date clause: the seeds also write
        # them in lower case ("The" -> "the", but never "Kazakhstan").
        self.lowerable = frozenset(w for s in sentences for w in re.findall(r"\b[a-z]+\b", s))
        self.rng = rng
        self.seen: set[str] = set()

    def surname(self) -> str:
        rng = self.rng
        stem = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3)))
        return stem.capitalize() + rng.choice(_SURNAME_ENDINGS)

    def _date_clause(self) -> str:
        rng = self.rng
        month, year = rng.choice(_MONTHS), rng.randint(1995, 2024)
        if rng.random() < 0.5:
            return f"In {month} {year}, "
        return f"On {rng.randint(1, 28)} {month} {year}, "

    def _vary_numbers(self, sentence: str) -> str:
        def replace(match: re.Match[str]) -> str:
            digits = match.group(0)
            if len(digits) == 4 and digits[:2] in ("19", "20"):
                return str(self.rng.randint(1995, 2024))
            low = 10 ** (len(digits) - 1) if len(digits) > 1 else 1
            return str(self.rng.randint(low, 10 ** len(digits) - 1))

        return _NUMBER.sub(replace, sentence)

    def _vary_names(self, sentence: str) -> str:
        chosen: dict[str, str] = {}

        def replace(match: re.Match[str]) -> str:
            word = match.group(1)
            if word not in self.names:
                return word
            return chosen.setdefault(word, self.surname())

        return _CAPITALISED.sub(replace, sentence)

    def _with_date(self, sentence: str) -> str:
        first, _, rest = sentence.partition(" ")
        if first.lower() in self.lowerable:
            first = first.lower()
        return self._date_clause() + f"{first} {rest}".strip()

    def _variant(self, sentence: str) -> str:
        return self._vary_names(self._vary_numbers(sentence))

    def vary(self, sentence: str) -> str:
        """A variant of `sentence` not produced before (a date clause is added if needed)."""
        candidate = self._variant(sentence)
        if self.rng.random() < 0.3:
            candidate = self._with_date(candidate)
        while candidate in self.seen:
            candidate = self._with_date(self._variant(sentence))
        self.seen.add(candidate)
        return candidate


def paragraphs_for(variator: SentenceVariator, count: int) -> list[str]:
    """`count` paragraphs of 380-700 characters of whole sentences; within a document no
    seed sentence is used twice (the cleaner drops near-copies within a page)."""
    paragraphs: list[str] = []
    pool: list[str] = []
    current = ""
    while len(paragraphs) < count:
        if not pool:
            pool = variator.sentences[:]
            variator.rng.shuffle(pool)
        sentence = variator.vary(pool.pop())
        joined = f"{current} {sentence}" if current else sentence
        if len(joined) <= MAX_PARAGRAPH:
            current = joined
        elif len(sentence) <= MAX_PARAGRAPH:
            current = sentence  # too short to stand alone, too long with the next: restart
        else:
            continue
        if len(current) >= MIN_PARAGRAPH:
            paragraphs.append(current)
            current = ""
    return paragraphs


def _title(rng: random.Random, variator: SentenceVariator, number: int) -> str:
    template = rng.choice(_TITLE_TEMPLATES)
    return template.format(
        noun=rng.choice(_NOUNS),
        month=rng.choice(_MONTHS),
        year=rng.randint(1995, 2024),
        surname=variator.surname(),
        number=number % 30 + 2,
        city=rng.choice(_CITIES),
    )


def _meta_toml(title: str, author: str, publisher: str, published: date) -> str:
    # JSON strings are valid TOML basic strings.
    return (
        f"title = {json.dumps(title)}\n"
        f"author = {json.dumps(author)}\n"
        f"publisher = {json.dumps(publisher)}\n"
        f"published = {published.isoformat()}\n"
        'notes = "Generated by bench/corpus.py from the seed articles."\n'
    )


def _copy_seeds(seeds_dir: Path, target: Path) -> int:
    """Copy the seed documents in; returns their passage count."""
    passages = 0
    for document in discover(seeds_dir).documents:
        relative = document.path.relative_to(seeds_dir)
        destination = target / "seeds" / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(document.path, destination)
        meta = document.path.with_name(document.path.stem + META_SUFFIX)
        if meta.exists():
            shutil.copy2(meta, destination.with_name(meta.name))
        passages += len(prepare(document).chunks)
    return passages


def generate(seeds_dir: Path, target: Path, passages: int, seed: int = 7) -> GeneratedCorpus:
    """Write a corpus of about `passages` passages to `target` (reused if already there)."""
    stamp = {"version": GENERATOR_VERSION, "passages": passages, "seed": seed}
    stamp_path = target / STAMP_FILE
    if stamp_path.exists():
        saved = json.loads(stamp_path.read_text(encoding="utf-8"))
        if {k: saved.get(k) for k in stamp} == stamp:
            return GeneratedCorpus(target, saved["documents"], saved["expected_passages"])
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    rng = random.Random(seed)
    variator = SentenceVariator(seed_sentences(seeds_dir), rng)
    expected = _copy_seeds(seeds_dir, target)
    documents = 0
    first_day = date(1995, 1, 1)
    while expected < passages:
        count = min(rng.randint(*PARAGRAPHS_PER_DOC), passages - expected)
        title = _title(rng, variator, documents)
        body = "\n\n".join([title] + paragraphs_for(variator, count)) + "\n"
        folder = target / f"batch-{documents // 1000:03d}"
        folder.mkdir(exist_ok=True)
        name = f"doc-{documents:06d}"
        (folder / f"{name}.txt").write_text(body, encoding="utf-8")
        published = first_day + timedelta(days=rng.randint(0, 365 * 30))
        author = f"{rng.choice(_SYLLABLES).capitalize()}. {variator.surname()}"
        meta = _meta_toml(title, author, rng.choice(_PUBLISHERS), published)
        (folder / f"{name}{META_SUFFIX}").write_text(meta, encoding="utf-8")
        documents += 1
        expected += count
    documents += len(discover(target / "seeds").documents)
    saved = {**stamp, "documents": documents, "expected_passages": expected}
    stamp_path.write_text(json.dumps(saved), encoding="utf-8")
    return GeneratedCorpus(target, documents, expected)


def check_sample(corpus: Path, sample: int = 40, seed: int = 1) -> tuple[int, int]:
    """(expected, actual) passages over a sample of generated documents, through the real
    cleaning and chunking pipeline: a mismatch means the generator's assumption broke."""
    found = [d for d in discover(corpus).documents if not d.doc_id.startswith("seeds/")]
    chosen = random.Random(seed).sample(found, min(sample, len(found)))
    expected = sum(len(d.text.split("\n\n")) - 1 for d in chosen)
    actual = sum(len(prepare(d).chunks) for d in chosen)
    return expected, actual
