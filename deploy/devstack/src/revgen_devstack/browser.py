"""A real headless Chromium for browser tests: Debian's `chromium` (./dev installs it where
it can), driven by Playwright through its executable path. Playwright's own browser
download cannot be reached from our machines, so it is never used.

Each test's screenshots go to `.revgen/screenshots/<test name>/` for a person to look at.
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

# Without the background-networking switches Chromium keeps calling Google's hosts, which a
# closed network refuses many times a second.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(os.environ.get("REVGEN_SCREENSHOTS_DIR", ".revgen/screenshots"))


def chromium_path() -> str | None:
    """Where Chromium is: REVGEN_CHROMIUM, else `chromium` on the PATH."""
    return os.environ.get("REVGEN_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def screenshot_dir(test_name: str) -> Path:
    folder = SCREENSHOTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name)
    folder.mkdir(parents=True, exist_ok=True)
    return folder
