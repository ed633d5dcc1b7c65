"""Reading the deployment files: docker-compose.yml, the Dockerfile and deploy/nginx.conf."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"
DOCKERFILE = REPO / "Dockerfile"
NGINX_CONF = REPO / "deploy" / "nginx.conf"
HEALTH_PATH = "/api/v1/health"


def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def dockerfile() -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (INSTRUCTION, arguments), continuation lines joined."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        whole = (pending + line).strip()
        pending = ""
        keyword, _, args = whole.partition(" ")
        instructions.append((keyword.upper(), args.strip()))
    return instructions


def dockerfile_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for keyword, args in dockerfile():
        if keyword == "ENV":
            env.update(item.split("=", 1) for item in shlex.split(args))
    return env


def dockerfile_healthcheck() -> str:
    """The shell command of the Dockerfile's HEALTHCHECK (after its options)."""
    checks = [args for keyword, args in dockerfile() if keyword == "HEALTHCHECK"]
    assert len(checks) == 1, checks
    options, sep, command = checks[0].partition(" CMD ")
    assert sep, f"HEALTHCHECK without CMD: {checks[0]}"
    return command.strip()


def health_urls(command: str | list[str]) -> list[str]:
    """The http:// URLs a healthcheck command requests."""
    text = command if isinstance(command, str) else " ".join(command)
    return re.findall(r"https?://[^\s'\"]+", text)


def url_port(url: str) -> int:
    port = urlsplit(url).port
    assert port is not None, url
    return port


def nginx_listen_port() -> int:
    ports = re.findall(r"^\s*listen\s+(\d+)\s*;", NGINX_CONF.read_text(), flags=re.M)
    assert len(ports) == 1, ports
    return int(ports[0])


def nginx_upstream_servers() -> list[str]:
    """The addresses (host:port) of the `server` lines of nginx.conf's upstream block."""
    blocks = re.findall(r"\bupstream\s+\w+\s*\{(.*?)\}", NGINX_CONF.read_text(), flags=re.S)
    assert len(blocks) == 1, blocks
    return re.findall(r"^\s*server\s+(\S+?)(?:\s[^;]*)?;", blocks[0], flags=re.M)


def nginx_location(pattern: str) -> dict[str, list[str]]:
    """The directives (name -> the arguments of each) of nginx.conf's location `pattern`."""
    blocks = re.findall(
        r"\blocation\s+(?:~\s+)?" + re.escape(pattern) + r"\s*\{(.*?)\}",
        NGINX_CONF.read_text(),
        flags=re.S,
    )
    assert len(blocks) == 1, (pattern, blocks)
    out: dict[str, list[str]] = {}
    for line in blocks[0].splitlines():
        line = line.split("#")[0].strip().rstrip(";")
        if line:
            name, _, args = line.partition(" ")
            out.setdefault(name, []).append(args.strip())
    return out


def nginx_seconds(value: str) -> float:
    """An nginx time (`90`, `90s`, `10m`, `1h`) in seconds."""
    number, unit = re.fullmatch(r"(\d+)(ms|s|m|h|d)?", value).groups()
    return int(number) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}[unit or "s"]


def nginx_conf_for_test(tmp: Path, listen_port: int, upstreams: list[str]) -> str:
    """deploy/nginx.conf as the tests run it: listening on loopback, the upstream's servers
    replaced by local replicas, without Docker's resolver, and every file nginx writes (pid,
    logs, buffered bodies) inside `tmp`. The access log names the replica of each request."""
    text = NGINX_CONF.read_text()
    text, n = re.subn(r"^\s*resolver\s[^;]*;\n", "", text, flags=re.M)
    assert n == 1, "nginx.conf: expected one resolver line (Docker's DNS)"

    def local_servers(match: re.Match) -> str:
        body = re.sub(r"^(\s*)server\s[^;]*;\n", "", match.group(2), flags=re.M)
        servers = "".join(f"        server {u};\n" for u in upstreams)
        return match.group(1) + servers + body + match.group(3)

    text, n = re.subn(r"(\bupstream\s+\w+\s*\{\n)(.*?)(\})", local_servers, text, flags=re.S)
    assert n == 1, "nginx.conf: expected one upstream block"
    text, n = re.subn(
        r"^(\s*)listen\s+\d+\s*;", rf"\1listen 127.0.0.1:{listen_port};", text, flags=re.M
    )
    assert n == 1, "nginx.conf: expected one listen line"
    paths = "".join(
        f"    {kind}_temp_path {tmp / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    test_only = (
        f"{paths}"
        "    log_format upstreams '$upstream_addr $status $request_method $uri';\n"
        f"    access_log {tmp / 'access.log'} upstreams;\n"
    )
    text, n = re.subn(r"^http\s*\{\n", lambda m: m.group(0) + test_only, text, flags=re.M)
    assert n == 1, "nginx.conf: expected one http block"
    return f"pid {tmp / 'nginx.pid'};\nerror_log {tmp / 'error.log'} warn;\n" + text
