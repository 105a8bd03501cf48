"""Start a crawl in a child process and read its summary: the one client of `crawlers.run`.

`run_spider` may be called any number of times from one process (a Twisted
reactor cannot restart, so the crawl never runs in the caller's process). It
returns the run's `CrawlSummary` for a finished or an interrupted crawl
(``summary.finished`` tells which) and raises `ServiceError`, naming the
spider, its arguments and the log, when the child ends without a summary.
If the caller is interrupted or times out, the child is killed with it: no
crawl is left running unsupervised.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from crawlers.frontier import CrawlSummary, Frontier
from parsers.errors import ServiceError

Progress = Callable[[dict[str, int]], None]
ArgValue = str | int | float | Sequence[str]


def command(
    spider: str,
    raw_dir: Path,
    arguments: Mapping[str, ArgValue | None],
    settings: Mapping[str, Any] | None = None,
) -> list[str]:
    """The runner's command line; list arguments repeat their ``-a``, None ones are left out."""
    cmd = [sys.executable, "-m", "crawlers.run", spider, "--raw-dir", str(raw_dir)]
    for name, value in arguments.items():
        if value is None:
            continue
        values = [value] if isinstance(value, str | int | float) else list(value)
        cmd += [a for v in values for a in ("-a", f"{name}={v}")]
    for name, setting in (settings or {}).items():
        cmd += ["-s", f"{name}={json.dumps(setting)}"]
    return cmd


def run_spider(
    spider: str,
    raw_dir: Path | str,
    arguments: Mapping[str, ArgValue | None],
    *,
    settings: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
    timeout: float | None = None,
) -> CrawlSummary:
    """Crawl with ``spider`` into ``raw_dir``; see the module docstring.

    ``progress`` is called about twice a second with the run's URL counts by
    state (spiders with a frontier only).
    """
    raw = Path(raw_dir)
    raw.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f"{spider}-summary-", suffix=".json", dir=raw)
    os.close(fd)
    summary_path = Path(name)
    summary_path.unlink()
    cmd = [*command(spider, raw, arguments, settings), "--summary-json", str(summary_path)]
    # stderr to a file, not a pipe: a chatty child must never block on a full pipe.
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        try:
            _wait(proc, spider, raw, progress, timeout)
        except BaseException:
            proc.kill()
            proc.wait()
            summary_path.unlink(missing_ok=True)
            raise
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    if not summary_path.exists():
        shown = ", ".join(f"{k}={v}" for k, v in arguments.items() if v)
        raise ServiceError(
            f"{spider} crawl ({shown}) failed (exit {proc.returncode}): "
            f"{stderr.strip()[-2000:] or 'no output'}; log: {raw / 'logs' / f'{spider}.log'}"
        )
    summary = CrawlSummary.from_json(summary_path.read_text())
    summary_path.unlink()
    return summary


def _wait(
    proc: subprocess.Popen[bytes],
    spider: str,
    raw: Path,
    progress: Progress | None,
    timeout: float | None,
) -> None:
    deadline = None if timeout is None else time.monotonic() + timeout
    frontier = Frontier(raw) if progress else None
    try:
        while True:
            try:
                proc.wait(timeout=0.5)
                break
            except subprocess.TimeoutExpired:
                if deadline is not None and time.monotonic() > deadline:
                    raise ServiceError(f"{spider} crawl into {raw} timed out") from None
            if frontier is not None and progress is not None:
                run_id = frontier.latest_run(spider, unfinished=True)
                if run_id is not None:
                    progress(frontier.counts(run_id))
    finally:
        if frontier is not None:
            frontier.close()
