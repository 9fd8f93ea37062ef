"""A question about a source itself, asked in Slack, through the real app and searcher:
the reply is a clearly marked source card with the page's byline quoted verbatim."""

from __future__ import annotations

import json
from pathlib import Path

from tests.handlers.conftest import RunningBot, context_texts, quote_sections


def test_who_wrote_the_caci_piece_gets_its_card_in_the_thread(bot: RunningBot) -> None:
    bot.mention("Who wrote the CACI piece?")
    reply = bot.slack.wait_for("chat.postMessage")[0].body
    text = json.dumps(reply["blocks"], ensure_ascii=False)
    contexts = context_texts(reply["blocks"])
    assert any("answered from each document's details" in line for line in contexts)
    assert "Roger N. McDermott · CACI Analyst" in text and "2 Nov 2005" in text
    assert "date from the document's metadata" in text
    (byline, dateline) = quote_sections(reply["blocks"])
    assert byline.startswith("> By Roger N McDermott")
    assert dateline == "> Wednesday, 02 November 2005"
    offsets = [line for line in contexts if line.startswith("Byline, quoted from")]
    assert offsets and "caci-2005-kazakhstan-legal-basis-nato.txt" in offsets[0]
    start, end = (int(n) for n in offsets[0].rsplit("characters ", 1)[1].rstrip(")").split("–"))
    source = next(Path(__file__).resolve().parents[2].glob("seeds/caci-2005-*.txt"))
    assert source.read_text(encoding="utf-8")[start:end] == byline.removeprefix("> ")
    assert "McDermott" in reply["text"]
