"""`trialdex crawl ctgov`, `trialdex ctgov-emulator` and `trialdex bench ctgov` wiring."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devtools.ctgov_emulator import running_emulator
from trialdex.cli import build_parser, main
from trialdex.commands.bench import BENCHMARKS


@pytest.mark.slow
def test_crawl_ctgov_prints_the_summary(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with running_emulator(corpus) as api:
        since = "2025-10-01"
        expected = sorted(n for n, s in api.studies.items() if s.last_update >= since)
        status = main(
            [
                "crawl",
                "ctgov",
                "--since",
                since,
                "--base-url",
                api.url,
                "--raw-dir",
                str(tmp_path / "raw"),
                "--page-size",
                "50",
                "--json",
            ]
        )
        assert status == 0
        summary = json.loads(capsys.readouterr().out)
        assert summary["studies"] == summary["total_count"] == len(expected) > 0
        assert summary["since"] == since and summary["failures"] == 0
        assert sorted(api.served) == expected


def test_crawl_without_a_source_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["crawl"]) == 2
    assert "ctgov" in capsys.readouterr().out


def test_emulator_command_and_benchmark_are_registered() -> None:
    args = build_parser().parse_args(["ctgov-emulator", "--port", "0", "--throttle-every", "5"])
    assert args.port == 0 and args.throttle_every == 5
    assert BENCHMARKS["ctgov"] == "devtools.bench_ctgov"
