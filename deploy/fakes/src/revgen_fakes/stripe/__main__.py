"""`python -m revgen_fakes.stripe --port 12111`: the Stripe fake as a process, for a local
run without a Stripe account (`./dev up` starts it). Controls: POST /_fake/control/{name}."""
import argparse

import uvicorn

from revgen_fakes.stripe import create_app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12111)
    args = parser.parse_args()
    uvicorn.run(create_app(), host=args.host, port=args.port, log_level="warning", proxy_headers=False)


if __name__ == "__main__":
    main()
