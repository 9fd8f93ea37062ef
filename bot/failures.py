"""How kz-brief stops when it cannot do its job: one line naming the setting or file and
the fix, and an exit code that says which kind of problem it is, the same in every command
and every mode (`index`, `ask`, Socket Mode, HTTP mode under gunicorn).

- 2 (EXIT_SETTINGS): a setting is missing or malformed. Fix `.env` or the environment;
  starting again unchanged fails the same way.
- 1 (EXIT_UNAVAILABLE): something the settings point at cannot be used as it is: no index
  yet, a damaged pointer or state file, a Chroma server that does not answer, an unwritable
  data dir. The line says what to run or start; a restart may succeed once it is done.
"""

from __future__ import annotations

import click

from bot.config import ConfigError

EXIT_UNAVAILABLE = 1
EXIT_SETTINGS = 2


class StartupError(Exception):
    """kz-brief cannot start with what it found; the message names the file and the fix."""


def exit_code_for(error: BaseException) -> int:
    return EXIT_SETTINGS if isinstance(error, ConfigError) else EXIT_UNAVAILABLE


class Stop(click.ClickException):
    """A one-line reason and the exit code of its kind (click prints `Error: ...`)."""

    def __init__(self, message: str, exit_code: int = EXIT_UNAVAILABLE) -> None:
        super().__init__(message)
        self.exit_code = exit_code

    @classmethod
    def because(cls, error: BaseException, message: str | None = None) -> Stop:
        return cls(message or str(error), exit_code_for(error))
