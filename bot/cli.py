"""The `kz-brief` command line: import, index, status, ask, eval, chat and serve.

Heavy libraries (torch, chromadb) are imported inside the commands, so `--help` and a
no-change `index` stay fast.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bot.config import ConfigError, Settings, load_settings
from bot.failures import StartupError, Stop
from bot.logs import configure_logging

if TYPE_CHECKING:
    from store.index.build import IndexReport
    from store.ingest.importers import ImportOutcome

console = Console()
errors = Console(stderr=True)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the store's and settings' errors into a one-line reason and the exit code of
    their kind (bot.failures)."""
    from store.errors import StoreError

    try:
        yield
    except (StoreError, ConfigError, StartupError) as exc:
        raise Stop.because(exc) from exc


def settings_from(ctx: click.Context) -> Settings:
    return ctx.obj


class _Commands(click.Group):
    """The command group; `serve` (and with it Slack's libraries, ~0.1 s) is imported only
    when it is asked for, so `index`, `status` and `ask` start without it."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), "serve"})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name == "serve":
            from bot.slack_commands import serve

            return serve
        return super().get_command(ctx, cmd_name)


@click.group(cls=_Commands)
@click.version_option(package_name="kz-brief")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """kz-brief: verbatim, dated answers about Kazakhstan-NATO relations.

    \b
    Examples:
      kz-brief import report.pdf     a PDF, web page, .docx or URL into seeds/
      kz-brief index                 build or update the index from seeds/
      kz-brief status                what is indexed, with dates
      kz-brief ask "Who is Altynbayev?"
      kz-brief ask --json - < questions.txt
      kz-brief chat                  a local console, no Slack needed
      kz-brief serve                 connect to Slack (Socket Mode)
    """
    try:
        settings = load_settings()
    except ConfigError as exc:
        raise Stop.because(exc) from exc
    configure_logging(settings.log_level or "WARNING", settings.log_format)
    ctx.obj = settings


# ----- index -----------------------------------------------------------------------------


@cli.command()
@click.option("--rebuild", is_flag=True, help="Re-embed everything, ignoring the current index.")
@click.option("--dry-run", is_flag=True, help="Say what would change; build nothing.")
@click.option(
    "--explain",
    "explain_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Show every paragraph of FILE as kept or dropped, and the rule that decided.",
)
@click.pass_context
def index(ctx: click.Context, rebuild: bool, dry_run: bool, explain_file: Path | None) -> None:
    """Build a new index generation from the seeds folder (incremental by content hash).

    \b
    Examples:
      kz-brief index                 only new or edited documents are embedded
      kz-brief index --dry-run       what would be added, updated, removed
      kz-brief index --rebuild       re-embed everything (after a model change)
      kz-brief index --explain seeds/article.txt
    """
    settings = settings_from(ctx)
    if explain_file is not None:
        with user_errors():
            explain(explain_file, settings)
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from bot.runtime import open_indexer

    with user_errors(), _reindex_lock(settings, dry_run):
        indexer = open_indexer(settings)
        bar = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=errors,
            transient=True,
        )

        def embedding_progress(total: int) -> Callable[[int], None]:
            task = bar.add_task("Embedding passages", total=total)
            return lambda count: bar.advance(task, count)

        try:
            with bar:
                report = indexer.build(
                    settings.seeds_dir,
                    rebuild=rebuild,
                    dry_run=dry_run,
                    progress=embedding_progress,
                )
        except KeyboardInterrupt:
            errors.print(
                "Interrupted: nothing was switched; the previous index generation is still "
                "being served."
            )
            sys.exit(130)
    print_index_report(report)


@contextmanager
def _reindex_lock(settings: Settings, dry_run: bool) -> Iterator[None]:
    """With REDIS_URL set, the lock `/kz-brief reindex` takes on every replica, so this
    build never races one started from Slack or from another machine."""
    if not settings.redis_url or dry_run:
        yield
        return
    from store.state.base import REINDEX_LOCK, holding
    from store.state.factory import redis_client
    from store.state.locks import RedisLocks

    with holding(RedisLocks(redis_client(settings.redis_url)), REINDEX_LOCK) as held:
        if not held:
            raise click.ClickException(
                "A re-index is already running (started from Slack, or by `kz-brief index` on "
                "another machine with the same REDIS_URL). Try again when it is done."
            )
        yield


def print_index_report(report: IndexReport) -> None:
    """The summary table: documents and passages added, updated, removed, unchanged."""
    title = "Dry run: nothing was built" if report.dry_run else "Index summary"
    table = Table(title=title)
    table.add_column("")
    for status in ("added", "updated", "removed", "unchanged"):
        table.add_column(status, justify="right")
    statuses = ("added", "updated", "removed", "unchanged")
    table.add_row("documents", *(str(report.count(s)) for s in statuses))
    table.add_row("passages", *(str(report.chunk_count(s)) for s in statuses))
    console.print(table)
    if not report.dry_run:
        console.print(
            f"Texts embedded (passages and their sentences): {report.embedded_texts}; "
            f"passages whose vectors were reused: {report.reused_passages}."
        )
    for note in report.notes:
        console.print(f"Note: {note}", markup=False)
    warnings = report.warnings
    console.print(f"Warnings: {len(warnings)}")
    for warning in warnings:
        console.print(f"  [yellow]![/yellow] {escape(warning)}", highlight=False)
    if report.switched:
        console.print(
            f"Now serving generation {report.generation} from {report.location}.", markup=False
        )


def explain(path: Path, settings: Settings) -> None:
    """Print the cleaner's verdict on every paragraph of one file, and its date decision."""
    from bot.runtime import corpus_limits, encoder_for
    from store.index.embed import similarity_function
    from store.ingest.clean import format_explanation
    from store.ingest.corpus import DocumentTooLargeError, read_document
    from store.ingest.prepare import prepare
    from store.types import period_text

    try:
        document = read_document(path, path.stem, corpus_limits(settings))
    except DocumentTooLargeError as exc:
        raise Stop(f"{path} is {exc}: not read further.") from exc
    if document is None:
        raise Stop(f"{path} is a binary file, not text.")
    ready = prepare(document, similarity_function(encoder_for(settings)))
    for line in format_explanation(ready.verdicts):
        # One line per paragraph even when piped: a terminal wraps it, grep still finds it.
        console.print(line, highlight=False, markup=False, soft_wrap=True)
    shown = period_text(ready.published, ready.date_precision) if ready.published else "none"
    console.print(f"\nTitle: {ready.title}", highlight=False, markup=False, soft_wrap=True)
    if ready.author:
        whence = "metadata" if document.metadata.author else "its byline"
        console.print(f"Author: {ready.author} ({whence})", highlight=False, markup=False)
    console.print(
        f"Date: {shown} (basis: {ready.date_basis}; {ready.date_note})",
        highlight=False,
        markup=False,
    )
    console.print(f"Passages: {len(ready.chunks)}", highlight=False)
    for warning in ready.warnings:
        console.print(f"Warning: {warning}", highlight=False, markup=False)


# ----- import ----------------------------------------------------------------------------


@cli.command(name="import")
@click.argument("sources", nargs=-1, required=True)
@click.option(
    "--into",
    "into",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder to write NAME.txt + NAME.meta.toml into (default: KZ_SEEDS_DIR).",
)
@click.option("--dry-run", is_flag=True, help="Say what would be imported; write nothing.")
@click.pass_context
def import_command(ctx: click.Context, sources: tuple[str, ...], into: Path | None, dry_run: bool):
    """Turn web pages, PDFs, Word files and URLs into documents the index reads.

    Each SOURCE (a file, a folder, or an http(s) URL) becomes NAME.txt (its text) and
    NAME.meta.toml (title, author, publisher, url, published, and where each came from);
    the original is kept byte for byte under .originals/. Importing the same source again
    changes nothing unless the source changed. Exit status 1 if any source failed.

    \b
    Examples:
      kz-brief import ~/Downloads/report.pdf
      kz-brief import saved-pages/ https://example.org/news/astana-forum
      kz-brief import memo.docx --into seeds/2007 --dry-run
    """
    from store.ingest.importers import FetchLimits, import_sources

    settings = settings_from(ctx)
    target = into or settings.seeds_dir
    limits = FetchLimits(
        max_bytes=int(settings.import_max_mb * 1024 * 1024), timeout=settings.import_timeout
    )
    with user_errors():
        outcomes = import_sources(list(sources), target, limits, dry_run=dry_run)
    print_import_report(outcomes, target, dry_run)
    if any(outcome.status == "failed" for outcome in outcomes):
        sys.exit(1)


def print_import_report(outcomes: list[ImportOutcome], target: Path, dry_run: bool) -> None:
    """One row per source: what happened, its name, and the date found with its basis;
    then what each import noted (an encoding detected, a creation date not used)."""
    from store.ingest.importers import STATUSES

    title = "Dry run: nothing was written" if dry_run else f"Imported into {target}"
    table = Table(title=title)
    for column in ("source", "result", "document", "published", "date basis / reason"):
        table.add_column(column, no_wrap=column in ("result", "published"), overflow="fold")
    notes: list[str] = []
    for outcome in outcomes:
        source = outcome.source if "://" in outcome.source else Path(outcome.source).name
        if outcome.status in ("skipped", "failed"):
            style = "red" if outcome.status == "failed" else "yellow"
            status = f"[{style}]{outcome.status}[/{style}]"
            table.add_row(escape(source), status, "", "", escape(outcome.reason))
            continue
        if outcome.published:
            basis = f"{outcome.date_basis}: {outcome.date_source}"
        else:
            basis = "none found (the indexer dates it from its text)"
        table.add_row(
            escape(source),
            outcome.status,
            escape(f"{outcome.name}.txt"),
            outcome.published or "—",
            escape(basis),
        )
        notes.extend(f"{outcome.name}: {note}" for note in outcome.notes)
    console.print(table)
    for note in notes:
        console.print(f"  {note}", highlight=False, markup=False, soft_wrap=True)
    for outcome in outcomes:  # one whole line per problem, never wrapped: easy to grep
        if outcome.status in ("skipped", "failed"):
            line = f"  {outcome.status}: {outcome.source}: {outcome.reason}"
            console.print(line, highlight=False, markup=False, soft_wrap=True)
    counts = ", ".join(
        f"{sum(o.status == status for o in outcomes)} {status}" for status in STATUSES
    )
    console.print(f"{'Would have: ' if dry_run else ''}{counts}.", highlight=False)
    if not dry_run and any(o.status in ("imported", "updated") for o in outcomes):
        console.print("Next: run `kz-brief index` to index them.", highlight=False)


# ----- status ----------------------------------------------------------------------------


@cli.command()
@click.pass_context
def status(ctx: click.Context) -> None:
    """Where the index is, which model built it, and every document with its date."""
    from bot.runtime import generations_for
    from store.errors import IndexMissingError
    from store.index.build import vector_recipe
    from store.search.calibrate import Calibration
    from store.search.searcher import _document_info
    from store.types import period_text

    settings = settings_from(ctx)
    with user_errors():
        generations = generations_for(settings)
        generation = generations.current()
        if generation is None:
            raise IndexMissingError(
                f"No index at {generations.location} yet: run `kz-brief index`."
            )
        manifest = generations.manifest(generation)
    plain = {"highlight": False, "markup": False}
    console.print(f"Index:      {generations.location}", **plain)
    console.print(f"Generation: {generation} (built {manifest.get('built_at')})", **plain)
    recipe = vector_recipe(manifest)
    console.print(
        f"Model:      {manifest.get('model')} ({recipe}, {manifest.get('dimension')} dimensions)",
        **plain,
    )
    if manifest.get("model") != settings.embedding_model:
        console.print(
            f"The configured model is {settings.embedding_model}: run `kz-brief index --rebuild`.",
            style="red",
            **plain,
        )
    console.print(
        f"No match:   {Calibration.from_manifest(manifest).describe()}",
        highlight=False,
        markup=False,
    )
    table = Table()
    for column in ("document", "title", "published", "date basis", "passages"):
        table.add_column(column)
    for entry in manifest.get("documents", []):
        doc = _document_info(entry)
        table.add_row(
            escape(doc.doc_id),
            escape(doc.title),
            period_text(doc.published, doc.date_precision) if doc.published else "—",
            escape(doc.date_basis),
            str(doc.chunk_count),
        )
    console.print(table)


# ----- ask, chat, eval -------------------------------------------------------------------


@cli.command()
@click.argument("question")
@click.option("-k", "k", default=3, show_default=True, type=click.IntRange(1, 20))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per question, one line.")
@click.option(
    "--sort",
    type=click.Choice(["relevance", "date"]),
    default=None,
    help="date: a chronological brief, oldest first.",
)
@click.pass_context
def ask(ctx: click.Context, question: str, k: int, as_json: bool, sort: str | None) -> None:
    """Answer QUESTION with verbatim, dated passages; `-` reads one question per line.

    \b
    Filters inside the question: since:2008  before:2006  in:2005
    Examples:
      kz-brief ask "What did Rogozin say about Kazakhstan?"
      kz-brief ask "NATO partnership since:2008" -k 5
      kz-brief ask --sort date "Kazakhstan and NATO"
      printf 'Who is Altynbayev?\\nWhat is KAZBAT?\\n' | kz-brief ask --json -
    """
    from bot.render import answer_json_line, render_answer
    from bot.runtime import open_searcher

    settings = settings_from(ctx)
    questions = _stdin_questions() if question == "-" else iter([question])
    with user_errors():
        searcher = open_searcher(settings)
        for text in questions:
            answer = searcher.answer(text, k=k, sort=sort)
            if as_json:
                click.echo(answer_json_line(answer))
                sys.stdout.flush()
            else:
                render_answer(console, answer)


def _stdin_questions() -> Iterator[str]:
    for line in sys.stdin:
        if line.strip():
            yield line.strip()


# What people type to leave a console ("/quit" too); never a question worth searching.
QUIT_WORDS = frozenset({"", "q", "quit", "exit", "bye"})


@cli.command()
@click.option("-k", "k", default=3, show_default=True, type=click.IntRange(1, 20))
@click.pass_context
def chat(ctx: click.Context, k: int) -> None:
    """A local console: ask questions and read the answers the bot would give in Slack."""
    from bot.render import render_answer
    from bot.runtime import open_searcher

    settings = settings_from(ctx)
    with user_errors():
        console.print("Loading the index and the model...", style="dim")
        searcher = open_searcher(settings)
        console.print(
            "kz-brief console. Ask a question (filters: since:2008 before:2006 in:2005, "
            "sort:date); an empty line, quit or Ctrl-D quits."
        )
        while True:
            try:
                question = console.input("[bold]? [/bold]")
            except (EOFError, KeyboardInterrupt):
                console.print()
                return
            if question.strip().lower().lstrip("/") in QUIT_WORDS:
                return
            render_answer(console, searcher.answer(question, k=k))


MODE_LABELS = {
    "hybrid": "hybrid (dense + BM25)",
    "dense": "dense only (baseline)",
    "lexical": "BM25 only (baseline)",
}


@cli.command(name="eval")
@click.argument("questions_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-k", "k", default=3, show_default=True, type=click.IntRange(1, 20))
@click.option(
    "--baseline/--no-baseline", default=True, help="Also score dense-only and BM25-only ranking."
)
@click.option(
    "--corpus",
    "corpus",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Score on an index of these folders (repeatable) instead of the configured one.",
)
@click.option("--by-kind/--no-by-kind", default=True, help="Tables per kind, trait and half.")
@click.option("--show-failures", is_flag=True, help="List the questions answered wrongly.")
@click.pass_context
def evaluate_command(
    ctx: click.Context,
    questions_file: Path,
    k: int,
    baseline: bool,
    corpus: tuple[Path, ...],
    by_kind: bool,
    show_failures: bool,
) -> None:
    """Score retrieval on a question set: hit@1, hit@k, MRR, no-match accuracy, filler rate.

    \b
    Examples:
      kz-brief eval tests/eval/questions.jsonl
      kz-brief eval tests/eval/hard.jsonl --corpus seeds \\
          --corpus tests/store/ingest/pages --corpus tests/eval/corpus
    """
    from bot.runtime import encoder_for, generations_for
    from store.search.eval_corpus import corpus_index
    from store.search.evaluate import (
        evaluate,
        load_questions,
        missing_snippets,
        overlaps,
        source_texts,
    )
    from store.search.searcher import Searcher

    settings = settings_from(ctx)
    with user_errors():
        questions = load_questions(questions_file)
        encoder = encoder_for(settings)
        generations = (
            corpus_index(list(corpus), settings.data_dir, encoder)
            if corpus
            else generations_for(settings)
        )
        modes = ["hybrid", "dense", "lexical"] if baseline else ["hybrid"]
        searchers = {mode: Searcher(generations, encoder, mode=mode) for mode in modes}
        texts = source_texts(searchers["hybrid"])
        overlap = overlaps(questions, texts)
        reports = {
            mode: evaluate(searcher, questions, k, overlap) for mode, searcher in searchers.items()
        }
    for problem in missing_snippets(questions, texts):
        errors.print(f"[yellow]relevant text found in no document:[/yellow] {escape(problem)}")
    print_eval_tables(questions_file, questions, reports, k, by_kind)
    if show_failures:
        for mode, report in reports.items():
            for outcome in report.failures():
                console.print(
                    f"[{mode}] {outcome.question.id} {outcome.question.kind} "
                    f"{outcome.question.question!r}: returned {outcome.returned}, relevant "
                    f"rank {outcome.first_relevant_rank}, cards {list(outcome.card_docs)}",
                    highlight=False,
                    markup=False,
                )


def print_eval_tables(questions_file, questions, reports, k: int, by_kind: bool) -> None:
    """The summary per ranking, then (with `by_kind`) hit@k / MRR per kind, trait and half;
    never narrower than its columns, so a pipe or a script reads whole rows."""
    wide = Console(width=max(console.width, 170))
    hybrid = reports["hybrid"]
    paraphrased = hybrid.subset(lambda o: o.paraphrased).answerable_count
    table = Table(
        title=escape(
            f"{len(questions)} questions from {questions_file}: "
            f"{hybrid.answerable_count} answerable ({paraphrased} paraphrased), "
            f"{hybrid.off_topic_count} to refuse"
        )
    )
    columns = ("retrieval", "hit@1", f"hit@{k}", "MRR", "no-match accuracy", "false no-match")
    for column in (*columns, "filler rate", "passages/answer", "furniture shown"):
        table.add_column(column)
    for mode, report in reports.items():
        table.add_row(
            MODE_LABELS[mode],
            f"{report.hit_at_1:.3f}",
            f"{report.hit_at_k:.3f}",
            f"{report.mrr:.3f}",
            f"{report.no_match_accuracy:.3f}",
            str(report.false_no_match),
            f"{report.filler_rate:.3f}",
            f"{report.passages_per_answer:.2f}",
            str(report.forbidden_shown),
        )
    wide.print(table)
    extras = [
        f"{label}: {value:.3f}"
        for label, value in (
            ("sources that disagree both shown", hybrid.both_sides),
            ("questions about sources answered with the right cards", hybrid.card_accuracy),
        )
        if value is not None
    ]
    if extras:
        wide.print("hybrid: " + "; ".join(extras), highlight=False)
    if not by_kind:
        return
    groups = {mode: report.groups() for mode, report in reports.items()}
    slices = Table(title=f"by kind, trait and half: right / questions; hit@{k} / MRR per ranking")
    slices.add_column("slice")
    slices.add_column("right")
    for mode in reports:
        slices.add_column(f"{mode} hit@{k} / MRR")
    for name, part in groups["hybrid"].items():
        right = sum(o.right for o in part.outcomes)
        cells = [
            f"{groups[mode][name].hit_at_k:.2f} / {groups[mode][name].mrr:.2f}"
            if part.answerable_count
            else "—"
            for mode in reports
        ]
        slices.add_row(escape(name), f"{right}/{len(part.outcomes)}", *cells)
    wide.print(slices)


# ----- feedback --------------------------------------------------------------------------


@cli.command()
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per passage, one line.")
@click.pass_context
def feedback(ctx: click.Context, limit: int, as_json: bool) -> None:
    """Readers' flags on passages (Useful / Outdated / Wrong source), most flagged first.

    Reads the database every replica writes to (KZ_DATABASE_URL; by default
    KZ_DATA_DIR/feedback.sqlite3). Fix a stale or wrong source in seeds/, then run
    `kz-brief index`.
    """
    from store.state.feedback import FLAG_LABELS, FLAGS, open_feedback

    settings = settings_from(ctx)
    with user_errors():
        store = open_feedback(settings.data_dir, settings.database_url)
        try:
            passages = store.passages()
        finally:
            store.close()
    if as_json:
        for passage in passages[:limit]:
            click.echo(
                json.dumps(
                    {
                        "doc_id": passage.doc_id,
                        "chunk_id": passage.chunk_id,
                        "title": passage.title,
                        "excerpt": passage.excerpt,
                        "counts": passage.counts,
                        "last_at": passage.last_at,
                    },
                    ensure_ascii=False,
                )
            )
        return
    if not passages:
        console.print("No feedback yet.")
        return
    table = Table(title="Feedback on passages")
    table.add_column("document")
    table.add_column("passage")
    for flag in FLAGS:
        table.add_column(FLAG_LABELS[flag], justify="right")
    table.add_column("last flagged")
    for passage in passages[:limit]:
        table.add_row(
            f"{escape(passage.title or passage.doc_id)}\n[dim]{escape(passage.doc_id)}[/dim]",
            f"{escape(passage.excerpt[:80])}…\n[dim]{escape(passage.chunk_id)}[/dim]",
            *(str(passage.counts[flag]) for flag in FLAGS),
            escape(passage.last_at),
        )
    console.print(table)


# ----- Slack (`serve` is added by `_Commands`) -------------------------------------------


@cli.command()
@click.pass_context
def run(ctx: click.Context) -> None:
    """What `make run` does: Socket Mode when Slack tokens are set, otherwise the console."""
    from bot.slack_commands import SOCKET_MODE, serve, slack_setting_problems
    from handlers import messages

    settings = settings_from(ctx)
    problems = slack_setting_problems(settings, http=False)
    if not problems:
        ctx.invoke(serve)
        return
    errors.print(messages.missing_slack_settings(SOCKET_MODE, problems), markup=False)
    errors.print("\nStarting the local console instead (kz-brief chat).\n", markup=False)
    ctx.invoke(chat)
