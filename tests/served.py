"""`trialdex serve` started as a user starts it: a child process, waited for until it answers."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def trialdex_serve(
    options: Sequence[str], *, cwd: Path, env: Mapping[str, str], wait_s: float = 60
) -> Iterator[str]:
    """``trialdex serve OPTIONS --port <free>`` run from ``cwd``; yields its base URL once
    ``/v1/health`` answers, and stops the server afterwards."""
    port = free_port()
    command = [sys.executable, "-m", "trialdex.cli", "serve", *options, "--port", str(port)]
    proc = subprocess.Popen(
        command, cwd=cwd, env=dict(env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + wait_s
        while True:
            if proc.poll() is not None:
                pytest.fail(f"trialdex serve exited: {proc.stdout.read() if proc.stdout else ''}")
            try:
                if httpx.get(f"{base}/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"trialdex serve did not answer within {wait_s:.0f} s")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
