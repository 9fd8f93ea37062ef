"""`make bench`: index throughput, re-index, query latency, memory and retrieval quality.

Every number comes from one run on this machine: `kz-brief index` and `kz-brief ask -` run
as real subprocesses (wall clock, peak RSS from the kernel), the search API is timed in a
separate clean process (bench/probe.py), on the seeds and on generated corpora of about 1k,
10k and 100k passages (bench/corpus.py). PyTorch and onnx-int8 are compared on the same
corpora in the same run; the larger corpora are built once, with onnx-int8. The table is
printed and written, with the machine and versions, to BENCHMARKS.md.

Usage:
  python bench/run.py                       the full table (seeds, 1k, 10k, 100k)
  python bench/run.py --quick               seeds and 1k only, a shorter memory run
  python bench/run.py --scales seeds,10k    chosen corpora
Work files (corpora, indexes, the ONNX export) go to --work (default /tmp/kz-brief-bench).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from corpus import check_sample, generate  # noqa: E402
from procs import KZ_BRIEF, PYTHON, REPO, Finished, bench_env, run  # noqa: E402
from questions import EVAL_FILE, latency_questions  # noqa: E402
from report import Row, machine_facts, render_markdown, render_table  # noqa: E402

SCALES = {"seeds": 0, "1k": 1_000, "10k": 10_000, "100k": 100_000}
BACKENDS = ("torch", "onnx-int8")
MODEL_LOADING = "loading embedding model"


@dataclass
class Plan:
    """What to measure: corpora, where both encoders are compared, the memory run."""

    scales: list[str]
    both_backends: set[str]
    long_run: int
    sample_every: int
    work: Path
    output: Path | None
    render_from: Path | None = None
    started: float = field(default_factory=time.time)


def log(message: str) -> None:
    """Progress goes to stderr; stdout carries only the table."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def corpus_for(plan: Plan, scale: str) -> tuple[Path, int | None, int | None]:
    """(folder, expected passages, documents) of one corpus; generated ones are cached."""
    if scale == "seeds":
        return REPO / "seeds", None, None
    started = time.perf_counter()
    made = generate(REPO / "seeds", plan.work / "corpora" / scale, SCALES[scale])
    expected, actual = check_sample(made.path)
    if expected != actual:
        raise RuntimeError(
            f"corpus {scale}: sampled documents make {actual} passages, not {expected}; "
            "the generator's one-paragraph-one-passage assumption no longer holds"
        )
    log(f"corpus {scale}: {made.documents} documents, {made.expected_passages} passages "
        f"expected ({time.perf_counter() - started:.1f}s)")  # fmt: skip
    return made.path, made.expected_passages, made.documents


def export_onnx_once(plan: Plan) -> None:
    """Export and quantize the ONNX model before anything is timed (it is cached for good
    in a real data dir, so a one-off export must not count against indexing)."""
    models = plan.work / "models"
    models.mkdir(parents=True, exist_ok=True)
    code = (
        "from pathlib import Path; from store.index.embed import open_encoder; "
        f"open_encoder('all-MiniLM-L6-v2', 'onnx-int8', Path({str(models)!r})).encode(['x'])"
    )
    run([PYTHON, "-c", code], bench_env(plan.work, REPO / "seeds", "onnx-int8")).check()


def data_dir(plan: Plan, scale: str, backend: str) -> Path:
    """A fresh data dir per (corpus, encoder), sharing the exported ONNX model."""
    path = plan.work / "data" / f"{scale}-{backend}"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    (path / "models").symlink_to(plan.work / "models")
    return path


def manifest_passages(data: Path) -> tuple[int, int]:
    """(passages, documents) from the current generation's manifest."""
    index = data / "index"
    generation = json.loads((index / "CURRENT").read_text(encoding="utf-8"))["generation"]
    manifest = json.loads((index / generation / "manifest.json").read_text(encoding="utf-8"))
    documents = manifest["documents"]
    return sum(int(d["chunk_count"]) for d in documents), len(documents)


def measure_build(row: Row, env: dict[str, str], data: Path) -> None:
    """A full fresh build, then a second `kz-brief index` that should find nothing to do."""
    fresh = run([KZ_BRIEF, "index"], env).check()
    # Let the kernel write the new generation out now: at 100k passages that is ~2 GB, and
    # flushing it while later steps are timed would slow them, not the build.
    os.sync()
    row.build_seconds = fresh.wall_seconds
    row.index_rss_mb = fresh.peak_rss_mb
    found = re.search(r"Texts embedded \(passages and their sentences\): (\d+)", fresh.stdout)
    row.texts_embedded = int(found.group(1)) if found else 0
    row.passages, row.documents = manifest_passages(data)
    again = run([KZ_BRIEF, "index"], env).check()
    row.noop_seconds = again.wall_seconds
    row.noop_rss_mb = again.peak_rss_mb
    row.noop_loaded_model = MODEL_LOADING in again.stderr
    row.noop_up_to_date = "nothing changed" in again.stdout


def measure_eval(row: Row, env: dict[str, str]) -> None:
    """`kz-brief eval` on the question set: hit@3, MRR, no-match accuracy (hybrid)."""
    done = run([KZ_BRIEF, "eval", EVAL_FILE.relative_to(REPO), "--no-baseline"], env).check()
    # Columns: hit@1, hit@3, MRR, no-match accuracy, false no-match, ...
    cells = r"\s*[│|]\s*".join([r"([\d.]+)"] * 4 + [r"(\d+)"])
    found = re.search(r"hybrid \(dense \+ BM25\)\s*[│|]\s*" + cells, done.stdout)
    if not found:
        raise RuntimeError(f"cannot read the eval table:\n{done.stdout}")
    row.quality = {
        "hit@3": float(found.group(2)),
        "MRR": float(found.group(3)),
        "no-match accuracy": float(found.group(4)),
        "answerable refused": int(found.group(5)),
    }


def measure_probe(row: Row, env: dict[str, str], questions: Path, plan: Plan, long: int) -> None:
    """The search API in-process (warm), query encoding alone, and RSS over a long run."""
    args = [PYTHON, Path(__file__).parent / "probe.py", questions, "--encode"]
    if long:
        args += ["--long", str(long), "--sample-every", str(plan.sample_every)]
    done = run(args, env).check()
    result = json.loads(done.stdout.strip().splitlines()[-1])
    row.api_ms = result["answer_ms"]
    row.encode_ms = result["encode_ms"]
    row.probe_load_seconds = result["load_seconds"]
    row.rss_series = result.get("rss_series", [])
    row.probe_peak_rss_mb = result["peak_rss_mb"]


def measure_ask(row: Row, env: dict[str, str], questions: list[str]) -> None:
    """`kz-brief ask --json -` fed every question on stdin: start-up to the first answer,
    then each further answer's time from the gap between output lines."""
    done: Finished = run([KZ_BRIEF, "ask", "--json", "-"], env, stdin_lines=questions).check()
    times = done.line_times
    if len(times) != len(questions):
        raise RuntimeError(f"ask - answered {len(times)} of {len(questions)} questions")
    row.startup_seconds = times[0]
    row.ask_ms = [(b - a) * 1000 for a, b in zip(times, times[1:])]
    row.search_rss_mb = done.peak_rss_mb


def measure(plan: Plan, scale: str, backend: str, questions_file: Path, long: int) -> Row:
    corpus, expected, _ = corpus_for(plan, scale)
    data = data_dir(plan, scale, backend)
    env = bench_env(data, corpus, backend)
    row = Row(corpus=scale, backend=backend, expected_passages=expected)
    log(f"{scale}/{backend}: fresh build")
    measure_build(row, env, data)
    log(f"{scale}/{backend}: {row.passages} passages in {row.build_seconds:.1f}s; "
        f"no-change re-index {row.noop_seconds:.2f}s")  # fmt: skip
    if scale == "seeds":
        measure_eval(row, env)
    questions = questions_file.read_text(encoding="utf-8").splitlines()
    log(f"{scale}/{backend}: search API, {len(questions)} questions" + (
        f", then {long} for memory" if long else ""))  # fmt: skip
    measure_probe(row, env, questions_file, plan, long)
    log(f"{scale}/{backend}: kz-brief ask -")
    measure_ask(row, env, questions)
    return row


def plan_rows(plan: Plan) -> list[tuple[str, str]]:
    """(corpus, encoder) pairs in run order: both encoders where compared, else onnx-int8."""
    rows = []
    for scale in plan.scales:
        backends = BACKENDS if scale in plan.both_backends else ("onnx-int8",)
        rows.extend((scale, backend) for backend in backends)
    return rows


def parse_args(argv: list[str]) -> Plan:
    parser = argparse.ArgumentParser(description="kz-brief benchmarks (see BENCHMARKS.md)")
    parser.add_argument("--scales", default="seeds,1k,10k,100k", help="of seeds,1k,10k,100k")
    parser.add_argument(
        "--both-backends", default="seeds,1k", help="corpora indexed with torch and onnx-int8"
    )
    parser.add_argument("--quick", action="store_true", help="seeds and 1k, short memory run")
    parser.add_argument("--long-run", type=int, default=2000, help="questions in the RSS run")
    parser.add_argument("--sample-every", type=int, default=200)
    parser.add_argument("--work", type=Path, default=Path("/tmp/kz-brief-bench"))
    parser.add_argument("--output", type=Path, default=REPO / "BENCHMARKS.md")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument(
        "--render-from", type=Path, help="re-render a saved WORK/results.json; measure nothing"
    )
    args = parser.parse_args(argv)
    scales = [s.strip() for s in args.scales.split(",") if s.strip()]
    if args.quick:
        scales, args.long_run = ["seeds", "1k"], min(args.long_run, 600)
    unknown = [s for s in scales if s not in SCALES]
    if unknown:
        parser.error(f"unknown scale(s) {', '.join(unknown)}; choose from {', '.join(SCALES)}")
    return Plan(
        scales=sorted(scales, key=SCALES.__getitem__),
        both_backends={s.strip() for s in args.both_backends.split(",")},
        long_run=args.long_run,
        sample_every=args.sample_every,
        work=args.work.resolve(),
        output=None if args.no_write else args.output,
        render_from=args.render_from,
    )


def render_saved(path: Path, output: Path | None) -> None:
    """Print (and write) the table again from a run's results.json, measuring nothing."""
    saved = json.loads(path.read_text(encoding="utf-8"))
    rows = [Row(**row) for row in saved["rows"]]
    print(render_table(rows))
    if output is not None:
        output.write_text(
            render_markdown(rows, saved["facts"], saved["elapsed"], saved["command"]),
            encoding="utf-8",
        )


def main(argv: list[str]) -> None:
    plan = parse_args(argv)
    if plan.render_from is not None:
        render_saved(plan.render_from, plan.output)
        return
    plan.work.mkdir(parents=True, exist_ok=True)
    log(f"work dir {plan.work}; corpora {', '.join(plan.scales)}")
    questions = latency_questions()
    questions_file = plan.work / "questions.txt"
    questions_file.write_text("\n".join(questions) + "\n", encoding="utf-8")
    export_onnx_once(plan)
    pairs = plan_rows(plan)
    rows = [
        measure(plan, scale, backend, questions_file, plan.long_run if n == len(pairs) - 1 else 0)
        for n, (scale, backend) in enumerate(pairs)
    ]
    elapsed = time.time() - plan.started
    facts = machine_facts()
    command = " ".join(["bench/run.py", *argv])
    saved = {"rows": [asdict(r) for r in rows], "facts": facts, "elapsed": elapsed}
    saved["command"] = command
    (plan.work / "results.json").write_text(json.dumps(saved), encoding="utf-8")
    print(render_table(rows))
    markdown = render_markdown(rows, facts, elapsed, command)
    if plan.output is not None:
        plan.output.write_text(markdown, encoding="utf-8")
        log(f"wrote {plan.output}")
    log(f"done in {elapsed / 60:.1f} min")


if __name__ == "__main__":
    main(sys.argv[1:])
