"""`python -m backprop_playground`: serve the app with uvicorn (HOST, PORT, WORKERS, or flags)."""

from __future__ import annotations

import argparse
import os

import uvicorn

from .settings import Settings


def main() -> None:
    settings = Settings()
    parser = argparse.ArgumentParser(description="Serve Backprop Playground")
    parser.add_argument("--host", default=settings.host, help=f"default {settings.host}")
    parser.add_argument("--port", type=int, default=settings.port, help=f"default {settings.port}")
    parser.add_argument(
        "--workers", type=int, default=settings.workers, help=f"default {settings.workers}"
    )
    args = parser.parse_args()
    # the app (in every worker) reads the address it is served on from its settings
    os.environ["HOST"] = args.host
    uvicorn.run(
        "backprop_playground.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        access_log=False,
    )


if __name__ == "__main__":
    main()
