"""Import the DAG folder with the network and databases forbidden; print what was found as JSON.

Run as a child process (``python tests/dags/dag_check.py DAGS_FOLDER``) so Airflow
reads the test's environment afresh.
"""

from __future__ import annotations

import json
import socket
import sqlite3
import sys

touched: list[str] = []


def _no_network(self: socket.socket, *args: object, **kwargs: object) -> None:
    touched.append(f"socket.connect{args!r}")
    raise OSError("network use while importing DAG files")


socket.socket.connect = _no_network  # type: ignore[method-assign,assignment]
socket.socket.connect_ex = _no_network  # type: ignore[method-assign,assignment]
socket.create_connection = lambda *a, **k: _no_network(None, *a)  # type: ignore[assignment,arg-type]

from airflow.models import DagBag  # noqa: E402  (after the patches, on purpose)

_real_sqlite_connect = sqlite3.connect


def _watch_sqlite(*args: object, **kwargs: object) -> sqlite3.Connection:
    touched.append(f"sqlite3.connect{args!r}")
    return _real_sqlite_connect(*args, **kwargs)  # type: ignore[arg-type]


sqlite3.connect = _watch_sqlite  # type: ignore[assignment]


def _callbacks(callback: object) -> list[str]:
    """Callbacks by class name (a notifier) or function name."""
    found = callback if isinstance(callback, list) else [callback] if callback else []
    return [getattr(c, "__name__", type(c).__name__) for c in found]


def _seconds(delta: object) -> float | None:
    return delta.total_seconds() if delta is not None else None  # type: ignore[attr-defined]


bag = DagBag(dag_folder=sys.argv[1])
dags = {}
for dag_id, dag in bag.dags.items():
    dags[dag_id] = {
        "doc_md": bool(dag.doc_md and dag.doc_md.strip()),
        "doc_text": dag.doc_md or "",
        "description": dag.description,
        "dagrun_timeout": _seconds(dag.dagrun_timeout),
        "on_failure_callback": _callbacks(dag.on_failure_callback),
        "tags": sorted(dag.tags),
        "schedule": repr(dag.timetable),
        "fileloc": dag.fileloc,
        "tasks": {
            t.task_id: {
                "retries": t.retries,
                "backoff": t.retry_exponential_backoff,
                "outlets": [getattr(o, "uri", str(o)) for o in t.outlets],
                "upstream": sorted(t.upstream_task_ids),
                "doc_md": t.doc_md or "",
                "execution_timeout": _seconds(t.execution_timeout),
                "pool": t.pool,
                "on_failure_callback": _callbacks(t.on_failure_callback),
            }
            for t in dag.tasks
        },
        "params": sorted(dag.params.keys()),
        "asset_schedule": [
            getattr(a, "uri", str(a))
            for a in getattr(getattr(dag.timetable, "asset_condition", None), "objects", [])
        ],
    }
print(json.dumps({"import_errors": bag.import_errors, "dags": dags, "touched": touched}))
