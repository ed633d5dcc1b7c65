"""`python -m backprop_playground`: serve the app with uvicorn."""

from __future__ import annotations

import argparse
import os

import uvicorn


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve Backprop Playground")
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("WORKERS", "2")),
        help="server processes (default 2, one per core of the target machine)",
    )
    args = parser.parse_args()
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
