"""A notifier for tests: appends each failure it is told of to a JSON-lines file."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

from airflow.sdk import BaseNotifier, Context


class FileNotifier(BaseNotifier):
    """Writes one line per failure: DAG id, task id, run id and the exception."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = Path(path)

    def notify(self, context: Context) -> None:
        fields = cast(Mapping[str, Any], context)
        ti = fields.get("task_instance")
        line = {
            "dag_id": getattr(fields.get("dag"), "dag_id", None),
            "task_id": getattr(ti, "task_id", None),
            "run_id": fields.get("run_id"),
            "reason": fields.get("reason"),
            "exception": str(fields.get("exception")),
        }
        with self.path.open("a") as out:
            out.write(json.dumps(line) + "\n")
