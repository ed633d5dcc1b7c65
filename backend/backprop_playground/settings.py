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
