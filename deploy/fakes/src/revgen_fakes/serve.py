"""Run one fake as a process (what `python -m revgen_fakes.<provider>` does)."""
from __future__ import annotations

import argparse

import uvicorn


def serve(app_factory, description: str, default_port: int) -> None:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=default_port)
    args = parser.parse_args()
    uvicorn.run(app_factory(), host=args.host, port=args.port, log_level="warning", proxy_headers=False)
