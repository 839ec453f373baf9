"""Screenshot a run report with headless Chromium, offline, to check by eye that its charts render.

    .venv/bin/python scripts/screenshot_report.py data/demo/reports/2026-03-15.html
    .venv/bin/python scripts/screenshot_report.py --home data/demo            # the newest report
    .venv/bin/python scripts/screenshot_report.py REPORT --out /tmp/report.png --height 3200

Chromium is not part of the project (Debian: `apt-get install chromium`; a CJK
font such as `fonts-wqy-microhei` shows the Chinese). Every host name resolves
to nothing while it renders, so the picture is what an air-gapped PC shows.
Not a test: CI has no browser. Prints the PNG's path and size.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def find_browser(given: str | None) -> str:
    for name in ([given] if given else BROWSERS):
        found = shutil.which(name)
        if found:
            return found
    raise SystemExit(f"no headless browser found ({given or ', '.join(BROWSERS)}); "
                     "install one, e.g. `apt-get install chromium`")


def newest_report(home: Path) -> Path:
    reports = sorted((home / "reports").glob("????-??-??.html"))
    if not reports:
        raise SystemExit(f"{home}: no report in {home / 'reports'} (run a night first)")
    return reports[-1]


def screenshot(report: Path, out: Path, browser: str, width: int, height: int) -> Path:
    with tempfile.TemporaryDirectory(prefix="datapool-chromium-") as profile:
        command = [browser, "--headless", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                   f"--user-data-dir={profile}",
                   "--host-resolver-rules=MAP * ~NOTFOUND",  # offline: nothing may load from a network
                   f"--window-size={width},{height}", f"--screenshot={out}", report.resolve().as_uri()]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.insert(1, "--no-sandbox")  # Chromium refuses to run as root with its sandbox
        done = subprocess.run(command, capture_output=True, text=True, timeout=180)
    if done.returncode != 0 or not out.exists() or out.read_bytes()[:8] != PNG_SIGNATURE:
        raise SystemExit(f"{browser} wrote no screenshot (exit {done.returncode}): {done.stderr.strip()[-500:]}")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("report", nargs="?", type=Path, help="reports/<date>.html (default: newest in --home)")
    parser.add_argument("--home", type=Path, default=Path("data/demo"), help="home whose newest report to take")
    parser.add_argument("--out", type=Path, default=Path("/tmp/report-screenshot.png"), help="PNG to write")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=2400)
    parser.add_argument("--browser", help="browser executable (default: the first of %s found)" % ", ".join(BROWSERS))
    args = parser.parse_args(argv)
    report = args.report or newest_report(args.home)
    if not report.is_file():
        raise SystemExit(f"{report}: no such report")
    out = screenshot(report, args.out, find_browser(args.browser), args.width, args.height)
    print(f"{out} ({out.stat().st_size:,} bytes, {args.width}x{args.height}) from {report}")


if __name__ == "__main__":
    sys.exit(main())
