"""docker-compose.yml and the Dockerfile, as far as a machine without a Docker engine can check
them: the compose file against the Compose specification's schema, and the facts the two
files must agree on (ports, volumes, healthchecks, the scale profile's wiring)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import pytest
import yaml

from backprop_playground.settings import Settings
from tests.deploy.files import (
    COMPOSE_FILE,
    HEALTH_PATH,
    REPO,
    compose,
    dockerfile,
    dockerfile_env,
    dockerfile_healthcheck,
    health_urls,
    nginx_listen_port,
    nginx_location,
    nginx_seconds,
    nginx_upstream_servers,
    url_port,
)

SCALE = {"app-replica", "nginx", "postgres"}


def check_compose_schema(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec",
         str(path)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


@pytest.fixture(scope="module")
def spec() -> dict:
    return compose()


@pytest.fixture(scope="module")
def services(spec) -> dict:
    return spec["services"]


def env_of(service: dict) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def mounts(service: dict) -> dict[str, tuple[str, bool]]:
    """target -> (source, read-only) of a service's volumes (short syntax)."""
    out = {}
    for item in service.get("volumes", []):
        source, target, *mode = item.split(":")
        out[target] = (source, mode == ["ro"])
    return out


def container_ports(service: dict) -> list[int]:
    return [int(str(p).split(":")[-1].split("/")[0]) for p in service.get("ports", [])]


def sqlite_dir(url: str) -> str:
    assert url.startswith("sqlite:////"), f"not an absolute SQLite URL: {url}"
    return str(PurePosixPath(url.removeprefix("sqlite:///")).parent)


def health_command(service: dict) -> list[str]:
    check = service.get("healthcheck")
    assert check, "no healthcheck"
    assert not check.get("disable", False)
    return check["test"]


# -- the compose file ---------------------------------------------------------------------


def test_compose_file_matches_the_compose_specification():
    result = check_compose_schema(COMPOSE_FILE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_rejects_a_broken_compose_file(spec, tmp_path):
    """The validation is real: a misspelt key in a healthcheck fails it."""
    broken = yaml.safe_load(yaml.safe_dump(spec))
    broken["services"]["app"]["healthcheck"]["intervall"] = "15s"
    path = tmp_path / "docker-compose.yml"
    path.write_text(yaml.safe_dump(broken))
    result = check_compose_schema(path)
    assert result.returncode != 0
    assert "intervall" in result.stdout + result.stderr


def test_plain_up_runs_the_app_alone_and_the_scale_profile_the_rest(services):
    default = {name for name, s in services.items() if not s.get("profiles")}
    assert default == {"app"}
    scale = {name for name, s in services.items() if "scale" in s.get("profiles", [])}
    assert scale == SCALE


def test_app_keeps_its_sqlite_links_on_a_named_volume(spec, services):
    app = services["app"]
    data_dir = sqlite_dir(env_of(app)["DATABASE_URL"])
    source, read_only = mounts(app)[data_dir]
    assert source in spec["volumes"], "a named volume, so links outlive the container"
    assert not read_only
    assert data_dir in dockerfile_volumes()


def test_every_service_has_a_healthcheck_and_the_apps_check_health(services):
    app_port = int(dockerfile_env()["PORT"])
    for name in ("app", "app-replica"):
        urls = health_urls(health_command(services[name]))
        assert [urlsplit(u).path for u in urls] == [HEALTH_PATH], name
        assert url_port(urls[0]) == app_port, name
    nginx_urls = health_urls(health_command(services["nginx"]))
    assert [urlsplit(u).path for u in nginx_urls] == [HEALTH_PATH]
    assert url_port(nginx_urls[0]) == nginx_listen_port()
    assert "pg_isready" in " ".join(health_command(services["postgres"]))


def test_app_publishes_the_port_the_image_serves(services):
    exposed = [int(p) for k, args in dockerfile() if k == "EXPOSE" for p in args.split()]
    assert container_ports(services["app"]) == exposed == [int(dockerfile_env()["PORT"])]


def test_app_and_replicas_run_the_same_image_built_here(services):
    app, replica = services["app"], services["app-replica"]
    assert app["image"] == replica["image"]
    assert app["build"] == replica["build"] == "."


def test_replicas_store_links_in_the_postgres_service(services):
    replica, postgres = services["app-replica"], services["postgres"]
    url = urlsplit(env_of(replica)["DATABASE_URL"])
    pg_env = env_of(postgres)
    assert url.scheme in ("postgresql", "postgres")
    assert (url.hostname, url.port or 5432) == ("postgres", 5432)
    assert url.username == pg_env["POSTGRES_USER"]
    assert url.password == pg_env["POSTGRES_PASSWORD"]
    assert url.path.lstrip("/") == pg_env["POSTGRES_DB"]
    assert replica["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_postgres_keeps_its_data_on_a_named_volume(spec, services):
    source, read_only = mounts(services["postgres"])["/var/lib/postgresql/data"]
    assert source in spec["volumes"] and not read_only


def test_replicas_are_reached_only_through_nginx(services):
    replica = services["app-replica"]
    # no published port: `--scale app-replica=N` cannot collide, and only the compose network
    # (nginx) reaches the replicas, which is why they may trust X-Forwarded-For
    assert "ports" not in replica
    assert env_of(replica).get("FORWARDED_ALLOW_IPS") == "*"


def test_nginx_runs_deploy_nginx_conf_in_front_of_the_replicas(services):
    nginx = services["nginx"]
    source, read_only = mounts(nginx)["/etc/nginx/nginx.conf"]
    assert (REPO / source).resolve() == (REPO / "deploy" / "nginx.conf").resolve()
    assert read_only
    assert container_ports(nginx) == [nginx_listen_port()]
    assert nginx["depends_on"]["app-replica"]["condition"] == "service_healthy"
    assert nginx_upstream_servers() == [f"app-replica:{dockerfile_env()['PORT']}"]


def test_nginx_passes_class_events_on_unbuffered_and_keeps_them_open():
    events, root = nginx_location("^/api/v1/classes/[^/]+/events$"), nginx_location("/")
    # the same upstream, headers and protocol as every other request
    for name in ("proxy_pass", "proxy_http_version", "proxy_set_header"):
        assert events[name] == root[name], name
    assert events["proxy_buffering"] == ["off"]
    assert events["gzip"] == ["off"]
    # far longer than the app's gap between comment lines (CLASS_PING_SECONDS)
    (timeout,) = events["proxy_read_timeout"]
    assert nginx_seconds(timeout) >= 600
    assert nginx_seconds(timeout) > 10 * Settings().class_ping_seconds


# -- the Dockerfile -----------------------------------------------------------------------


def dockerfile_volumes() -> list[str]:
    out: list[str] = []
    for keyword, args in dockerfile():
        if keyword == "VOLUME":
            out += yaml.safe_load(args) if args.startswith("[") else args.split()
    return out


def test_image_serves_on_all_interfaces_and_its_port():
    env = dockerfile_env()
    assert env["HOST"] == "0.0.0.0", "on 127.0.0.1 the container would be unreachable"
    urls = health_urls(dockerfile_healthcheck())
    assert [urlsplit(u).path for u in urls] == [HEALTH_PATH]
    assert url_port(urls[0]) == int(env["PORT"])
    cmd = [args for keyword, args in dockerfile() if keyword == "CMD"]
    assert [yaml.safe_load(c) for c in cmd] == [["python", "-m", "backprop_playground"]]


def test_image_keeps_links_in_its_volume():
    env = dockerfile_env()
    assert sqlite_dir(env["DATABASE_URL"]) in dockerfile_volumes()


def test_image_installs_with_the_pinned_constraints():
    steps = dockerfile()
    installs = [i for i, (k, args) in enumerate(steps) if k == "RUN" and "pip install" in args]
    assert len(installs) == 1
    words = steps[installs[0]][1].split()
    assert words[words.index("-c") + 1] == "constraints.txt"
    copied_before = [args.split()[:-1] for k, args in steps[: installs[0]] if k == "COPY"]
    assert any("constraints.txt" in sources for sources in copied_before)


def test_everything_the_image_copies_exists():
    for keyword, args in dockerfile():
        if keyword == "COPY" and not args.startswith("--from"):
            for source in args.split()[:-1]:
                assert (REPO / source).exists(), source


def test_every_runtime_dependency_is_pinned():
    project = tomllib.loads((REPO / "backend" / "pyproject.toml").read_text())["project"]
    pins = {
        line.split("==")[0].strip().lower().replace("_", "-")
        for line in (REPO / "constraints.txt").read_text().splitlines()
        if "==" in line
    }
    for requirement in project["dependencies"]:
        name = requirement.split("[")[0].split(">")[0].split("=")[0].split("<")[0].strip()
        assert name.lower().replace("_", "-") in pins, requirement
