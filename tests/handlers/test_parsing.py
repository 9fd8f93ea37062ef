"""Reading what people typed: sub-commands, the bot's mention, Slack's text encoding."""

from __future__ import annotations

import pytest

from handlers.parsing import Request, event_text_to_plain, parse_request, strip_bot_mention


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Request("help", "")),
        ("   ", Request("help", "")),
        ("help", Request("help", "")),
        ("Help me", Request("help", "me")),
        ("sources", Request("sources", "")),
        ("brief", Request("help", "")),
        ("brief  PfP cooperation ", Request("brief", "PfP cooperation")),
        ("BRIEF Astana", Request("brief", "Astana")),
        ("briefly, what is the IPAP?", Request("question", "briefly, what is the IPAP?")),
        ("What is the IPAP? since:2005", Request("question", "What is the IPAP? since:2005")),
    ],
)
def test_parse_request(text: str, expected: Request) -> None:
    assert parse_request(text) == expected


def test_strip_bot_mention_keeps_other_mentions() -> None:
    assert strip_bot_mention("<@UBOT> hi <@UBOT|kz> <@U2> there", "UBOT") == "hi <@U2> there"
    assert strip_bot_mention("  spaced   out ", None) == "spaced out"


def test_event_text_is_decoded_to_what_was_typed() -> None:
    assert event_text_to_plain("Tom &amp; Jerry &lt;b&gt; &amp;lt;") == "Tom & Jerry <b> &lt;"
    assert event_text_to_plain("see <https://nato.int/x|NATO> and <https://a.b>") == (
        "see NATO and https://a.b"
    )
