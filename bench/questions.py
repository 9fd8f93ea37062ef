"""The latency question set: the eval questions, each asked four ways (212 questions).

Perturbing the wording keeps every question distinct (nothing is answered from a repeat),
while keeping the mix of kinds of the eval set: names, paraphrases, cross-document, date
filters and off-topic questions that must find nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

EVAL_FILE = Path(__file__).resolve().parent.parent / "tests" / "eval" / "questions.jsonl"
_VARIANTS = (
    "{q}",
    "Please tell me: {q}",
    "{q} Quote the sources.",
    "Quick question, {q}",
)


def eval_questions(path: Path = EVAL_FILE) -> list[str]:
    """The questions of a `kz-brief eval` question set, in file order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


def latency_questions(path: Path = EVAL_FILE, minimum: int = 200) -> list[str]:
    """At least `minimum` distinct questions: every eval question in each wording, in turn."""
    base = eval_questions(path)
    found: list[str] = []
    while len(found) < minimum:
        for template in _VARIANTS:
            found.extend(template.format(q=q) for q in base)
        if len(found) < minimum:  # a tiny question set: number the further rounds
            base = [f"{q} ({len(found) // len(base)})" for q in eval_questions(path)]
    return found
