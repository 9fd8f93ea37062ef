"""Real servers for tests: Redis, PostgreSQL and `chroma run`, each started on a free
loopback port in a temporary folder and stopped afterwards.

A test that needs one skips, saying which package to install, only when its binary is
missing (`.ci/run` installs redis-server and postgresql when it runs as root).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMA = Path(sys.executable).with_name("chroma")
POSTGRES_USER = "kzadmin"
# A password with characters URLs must escape, so tests catch a URL that leaks or mangles it.
POSTGRES_PASSWORD = "s3cret-pg:pass/word"
POSTGRES_PASSWORD_IN_URL = "s3cret-pg%3Apass%2Fword"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait(ready, process: subprocess.Popen | None, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if process is not None and process.poll() is not None:
            raise AssertionError(f"{what} exited with status {process.returncode}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not start within {timeout:.0f} s")
        time.sleep(0.05)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- Redis ---------------------------------------------------------------------------------


def _redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(64).startswith(b"+PONG")
    except OSError:
        return False


@contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """A throw-away redis-server (no persistence); yields its redis:// URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(lambda: _redis_answers(port), process, "redis-server")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        _stop(process)


# --- PostgreSQL ----------------------------------------------------------------------------


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_major_version)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _major_version(path: str) -> int:
    part = Path(path).parents[1].name
    return int(part) if part.isdigit() else 0


class PostgresServer:
    """A PostgreSQL cluster of its own: `initdb` in a temporary folder, loopback only,
    password authentication. As root it runs as the `postgres` user (initdb refuses root)."""

    def __init__(self) -> None:
        bindir = _postgres_bin()
        if bindir is None:
            pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
        self.bindir = bindir
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                pytest.skip("running as root and there is no `postgres` user to run PostgreSQL")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        # Not under pytest's tmp_path: as root that is private to root.
        self.folder = Path(tempfile.mkdtemp(prefix="kz-brief-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def _owned(self, path: Path) -> None:
        if self.as_user:
            shutil.chown(path, "postgres", "postgres")

    def start(self) -> None:
        self._owned(self.folder)
        password_file = self.folder / "password"
        password_file.write_text(POSTGRES_PASSWORD, encoding="utf-8")
        self._owned(password_file)
        subprocess.run(
            [
                *self.as_user,
                str(self.bindir / "initdb"),
                "--pgdata",
                str(self.data),
                "--username",
                POSTGRES_USER,
                "--pwfile",
                str(password_file),
                "--auth",
                "scram-sha-256",
                "--encoding",
                "UTF8",
                "--no-sync",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        password_file.unlink()
        self.process = subprocess.Popen(
            [
                *self.as_user,
                str(self.bindir / "postgres"),
                "-D",
                str(self.data),
                "-p",
                str(self.port),
                "-k",
                str(self.folder),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=off",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait(self._answers, self.process, "PostgreSQL")

    def _answers(self) -> bool:
        import psycopg

        try:
            with psycopg.connect(self.url("postgres"), connect_timeout=1):
                return True
        except psycopg.OperationalError:
            return False

    def url(self, database: str) -> str:
        """postgresql://USER:PASSWORD@127.0.0.1:PORT/DATABASE, the form operators write."""
        return (
            f"postgresql://{POSTGRES_USER}:{POSTGRES_PASSWORD_IN_URL}"
            f"@127.0.0.1:{self.port}/{database}"
        )

    def create_database(self, name: str) -> str:
        """A new, empty database; returns its URL."""
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process)
            self.process = None
        shutil.rmtree(self.folder, ignore_errors=True)


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer()
    try:
        server.start()
        yield server
    finally:
        server.stop()


# --- Chroma --------------------------------------------------------------------------------


class ChromaServer:
    """A `chroma run` process on loopback with its data in a temp folder."""

    def __init__(self, path: Path, port: int | None = None):
        self.path, self.port = path, port or free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                str(CHROMA),
                "run",
                "--path",
                str(self.path),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait(self._answers, self.process, "chroma run")

    def _answers(self) -> bool:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/v2/heartbeat", timeout=1)
            return True
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process)
            self.process = None
