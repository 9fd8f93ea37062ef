"""The two Slack app manifests: the same app (events, scopes, command, features) in Socket
Mode and in HTTP mode, differing only where the mode does."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from bot.serve import EVENTS_PATH
from handlers.command import COMMAND
from tests.conftest import REPO


def manifest(name: str) -> dict[str, Any]:
    return yaml.safe_load((REPO / name).read_text(encoding="utf-8"))


SOCKET, HTTP = manifest("manifest.yml"), manifest("manifest.http.yml")


def without_mode(app: dict[str, Any]) -> dict[str, Any]:
    """The manifest without what the transport decides: Socket Mode and the request URLs."""
    stripped = copy.deepcopy(app)
    settings = stripped["settings"]
    settings.pop("socket_mode_enabled")
    settings["event_subscriptions"].pop("request_url", None)
    settings["interactivity"].pop("request_url", None)
    for command in stripped["features"]["slash_commands"]:
        command.pop("url", None)
    return stripped


def test_both_manifests_describe_the_same_app() -> None:
    assert without_mode(SOCKET) == without_mode(HTTP)


def test_they_differ_only_in_the_transport() -> None:
    assert SOCKET["settings"]["socket_mode_enabled"] is True
    assert HTTP["settings"]["socket_mode_enabled"] is False
    assert "request_url" not in SOCKET["settings"]["event_subscriptions"]
    assert "request_url" not in SOCKET["settings"]["interactivity"]
    assert all("url" not in c for c in SOCKET["features"]["slash_commands"])
    urls = {
        HTTP["settings"]["event_subscriptions"]["request_url"],
        HTTP["settings"]["interactivity"]["request_url"],
        *(c["url"] for c in HTTP["features"]["slash_commands"]),
    }
    # One path serves events, commands and clicks (bot.serve), over HTTPS.
    assert len(urls) == 1
    (url,) = urls
    assert url.startswith("https://") and url.endswith(EVENTS_PATH)


@pytest.mark.parametrize("app", [SOCKET, HTTP], ids=["socket", "http"])
def test_each_manifest_asks_for_what_the_app_handles_and_nothing_more(app: dict[str, Any]) -> None:
    assert [c["command"] for c in app["features"]["slash_commands"]] == [COMMAND]
    assert "reindex" in app["features"]["slash_commands"][0]["usage_hint"]
    events = app["settings"]["event_subscriptions"]["bot_events"]
    assert set(events) == {
        "app_mention",
        "message.im",
        # Group DMs the bot is in, answered like DMs.
        "message.mpim",
        # Thread follow-ups without a mention, and edits, in public and private channels.
        "message.channels",
        "message.groups",
        "app_home_opened",
    }
    scopes = set(app["oauth_config"]["scopes"]["bot"])
    assert scopes == {
        "app_mentions:read",
        "chat:write",
        "commands",
        "im:history",
        "mpim:history",
        "channels:history",
        "groups:history",
    }
    # Each message event needs its history scope.
    for event in events:
        if event.startswith("message."):
            assert f"{event.removeprefix('message.')}:history" in scopes, event
    assert app["settings"]["interactivity"]["is_enabled"] is True
    home = app["features"]["app_home"]
    assert home["home_tab_enabled"] and home["messages_tab_enabled"]
    assert home["messages_tab_read_only_enabled"] is False
