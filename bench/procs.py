"""Run `kz-brief` as a real subprocess and measure it: wall time, peak RSS, output timing.

Peak RSS comes from the kernel's accounting for that one child (`os.wait4`), so it is the
product's own high-water mark, not the benchmark's.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = REPO / ".venv" / "bin"
KZ_BRIEF = BIN / "kz-brief"
PYTHON = BIN / "python"


@dataclass
class Finished:
    """A finished subprocess: what it printed, how long it ran, its peak RSS."""

    args: list[str]
    returncode: int
    wall_seconds: float
    peak_rss_mb: float
    stdout: str
    stderr: str
    # perf_counter() seconds after start at which each stdout line arrived.
    line_times: list[float] = field(default_factory=list)

    def check(self) -> Finished:
        if self.returncode != 0:
            raise RuntimeError(
                f"{' '.join(self.args)} exited {self.returncode}:\n{self.stderr[-3000:]}"
            )
        return self


def bench_env(data_dir: Path, seeds_dir: Path, backend: str, **extra: str) -> dict[str, str]:
    """The environment of one measured command: its own data dir, corpus and encoder.

    Settings a developer's `.env` might hold (a Chroma server, another model) are set
    explicitly, so the real environment wins over `.env` and every run is comparable.
    """
    env = dict(os.environ)
    env.update(
        KZ_DATA_DIR=str(data_dir),
        KZ_SEEDS_DIR=str(seeds_dir),
        KZ_EMBEDDING_BACKEND=backend,
        KZ_EMBEDDING_MODEL="",
        CHROMA_HOST="",
        LOG_LEVEL="INFO",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        ANONYMIZED_TELEMETRY="False",
        COLUMNS="200",  # rich wraps at 80 columns when not on a terminal
        TOKENIZERS_PARALLELISM="false",
    )
    env.update(extra)
    return env


def run(args: Sequence[str], env: dict[str, str], stdin_lines: Sequence[str] = ()) -> Finished:
    """Run one command to completion; stdin lines are fed from a thread while stdout is read
    line by line, so each output line is timestamped when it arrives."""
    argv = [str(a) for a in args]
    started = time.perf_counter()
    process = subprocess.Popen(
        argv,
        cwd=REPO,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    assert process.stdin and process.stdout and process.stderr
    feeder = threading.Thread(target=_feed, args=(process.stdin, stdin_lines), daemon=True)
    feeder.start()
    errors: list[str] = []
    reader = threading.Thread(target=lambda: errors.append(process.stderr.read()), daemon=True)
    reader.start()
    lines, times = [], []
    for line in process.stdout:
        times.append(time.perf_counter() - started)
        lines.append(line)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    feeder.join()
    reader.join()
    return Finished(
        args=argv,
        returncode=process.returncode,
        wall_seconds=wall,
        peak_rss_mb=usage.ru_maxrss / 1024,
        stdout="".join(lines),
        stderr="".join(errors),
        line_times=times,
    )


def _feed(stdin, lines: Sequence[str]) -> None:
    try:
        for line in lines:
            stdin.write(line.replace("\n", " ") + "\n")
        stdin.close()
    except BrokenPipeError:  # the command exited early; its return code tells why
        pass
