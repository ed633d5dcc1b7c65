"""Configuration, read from the environment (pydantic-settings)."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    # Server processes of `python -m backprop_playground`: one per core of the target machine.
    workers: int = 2
    # Memory bound of the state cache (checkpoints of training runs), in megabytes.
    cache_mb: float = 256.0
    # Memory bound of the cache of GET answers about links (bytes sent, plain and gzip).
    response_cache_mb: float = 64.0
    # Largest request body accepted, in bytes; larger bodies get 413.
    max_body_bytes: int = 2_000_000
    # Requests whose estimated work exceeds this many seconds are refused up front with 422.
    work_budget_seconds: float = 6.0
    frontend_dir: Path = REPO_ROOT / "frontend"
    node_modules_dir: Path = REPO_ROOT / "node_modules"
    database_url: str = f"sqlite:///{REPO_ROOT / 'data' / 'links.sqlite3'}"
    public_base_url: str = ""
    link_rate_per_minute: int = 30
    # Live classes: a class expires after this many hours without a change.
    class_ttl_hours: float = 24.0
    # Open event streams a class accepts (over every process and replica); more get 429.
    class_max_followers: int = 2000
    # Open event streams per client address and process: a lecture hall behind one NAT address.
    class_streams_per_address: int = 2500
    # Votes per client address and process in any 60 s (a hall of 2,000 voting three times).
    class_votes_per_minute: int = 6000
    # Unknown class codes asked for per client address and process in any 60 s: codes cannot
    # be guessed by trying (a hall behind one address mistypes a few hundred at most).
    class_misses_per_minute: int = 600
    # View changes a class may publish per minute (Play publishes a few a second).
    class_views_per_minute: int = 1200
    # New scenarios a class may publish per minute (each is stored as a link).
    class_scenarios_per_minute: int = 120
    # A comment line on every event stream this often (proxies close idle connections).
    class_ping_seconds: float = 5.0
    # How often a process's watcher looks for changes made by other processes (SQLite).
    class_watch_seconds: float = 0.02
    # Answers of POST /step and friends shared between identical bodies for this long.
    shared_answer_seconds: float = 2.0
    # Memory bound of those shared answers (bytes sent, plain and gzip).
    shared_answer_mb: float = 32.0
