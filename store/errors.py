"""Errors the store raises for people to read: each message names the fix."""

from __future__ import annotations


class StoreError(Exception):
    """Base of every error the store reports to a user (CLI exit or bot apology)."""


class IndexMissingError(StoreError):
    """No index generation has been built yet."""


class ModelMismatchError(StoreError):
    """The index was built with another embedding model than the one configured."""


class IndexUnavailableError(StoreError):
    """The index cannot be reached (a Chroma server is down, files are unreadable)."""
