"""`trialdex schema`: print the JSON Schema of the trial record."""

from __future__ import annotations

import argparse
import json
from typing import Any


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "schema", help="print the JSON Schema of TrialRecord (the public record contract)"
    )
    p.add_argument("--indent", type=int, default=2, help="JSON indentation (0 for one line)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from parsers.records import json_schema

    print(json.dumps(json_schema(), indent=args.indent or None))
    return 0
