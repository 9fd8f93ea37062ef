"""Start-up checks: every reason the bot cannot start, found before it starts listening.

`kz-brief serve` runs these first, in every mode; in HTTP mode they run in gunicorn's master
process, before any worker is forked, so a missing index or a damaged file is one clear
line and an exit code (bot.failures), never a worker traceback and "Worker failed to boot".

What is checked, cheaply (nothing loads the model): the state stores (the files in the
data dir, the shared database when KZ_DATABASE_URL is set), the index (pointer, manifest,
model; the Chroma server when CHROMA_HOST is set) and the Slack token (auth.test). The
bot's identity from auth.test is handed to the workers, so a worker that gunicorn restarts
while Slack's API is unreachable still boots.

HTTP mode refuses to start without an index, as Socket Mode does: a server that could
never answer would otherwise sit unready with nothing in its log but "not ready". Faults
that appear later (Chroma going down, a damaged pointer written under a running bot) do
not stop it: `/readyz` says so and the loaded index keeps answering where it can.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.config import ConfigError, Settings
from bot.failures import StartupError
from handlers import messages

logger = logging.getLogger(__name__)
# The SDK logs an ERROR for each failed attempt at auth.test; the check reports the failure
# itself, in one line (StartupError), so those repeats of it are kept out of the log.
_sdk_attempts = logging.getLogger(f"{__name__}.slack_sdk")
_sdk_attempts.setLevel(logging.CRITICAL)


def check_data_dir(settings: Settings) -> None:
    """KZ_DATA_DIR is (or can be made) a folder this process can write in."""
    folder = settings.data_dir
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".kz-brief-write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(messages.data_dir_unusable(str(folder), str(exc))) from exc


def check_state(settings: Settings) -> None:
    """Open and close every state store: the data dir's files (a damaged one named), the
    shared Redis and database when set, and this process's pending-reply journal."""
    from bot.app import open_pending, open_shared_state

    state = open_shared_state(settings)
    for store in (state.threads, state.feedback):
        close = getattr(store, "close", None)
        if close is not None:
            close()
    open_pending(settings).close()


def check_index(settings: Settings) -> str:
    """The generation the bot will serve; StoreError when there is none it can serve."""
    from bot.runtime import open_searcher

    return open_searcher(settings, load=False).check()


def check_slack_token(settings: Settings) -> Any:
    """auth.test with the bot token: the bot's identity, or ConfigError naming the token."""
    from bot.app import make_web_client

    client = make_web_client(settings, sdk_logger=_sdk_attempts)
    try:
        return client.auth_test()
    except SlackApiError as exc:
        raise ConfigError(messages.token_rejected(str(exc.response.get("error")))) from exc
    except OSError as exc:
        raise StartupError(messages.slack_unreachable(client.base_url, str(exc))) from exc


def preflight(settings: Settings) -> Any:
    """Run every start-up check; returns the bot's identity (auth.test). Raises ConfigError
    (a setting) or StartupError / StoreError (files, servers), each one line with the fix."""
    check_data_dir(settings)
    generation = check_index(settings)  # before the state: without an index, nothing else
    check_state(settings)
    identity = check_slack_token(settings)
    logger.info(
        "Start-up checks passed: index generation %s, Slack bot %s",
        generation,
        identity.get("user_id"),
    )
    return identity
