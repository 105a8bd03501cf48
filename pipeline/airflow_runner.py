"""Run Trialdex DAGs through Airflow on one machine: an Airflow home, its database, ``dag.test()``.

`airflow_env` gives the environment (home, DAGs folder, SQLite metadata
database, no examples); `migrate` prepares the database; `run_dag` runs one
DAG run for a logical date in a child process, so every run starts with a
clean Airflow configuration and its log goes to a file, and returns the
state of the run and of each task. ``python -m pipeline.airflow_runner`` is
that child.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from parsers.errors import ServiceError
from pipeline.partitions import parse_moment

DAGS_FOLDER = Path(__file__).resolve().parent.parent / "dags"
_MARK = "@@trialdex-dag-run@@ "


def airflow_env(
    home: Path, dags_folder: Path = DAGS_FOLDER, base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Environment for Airflow commands and ``dag.test()`` with its home under ``home``."""
    env = dict(os.environ if base is None else base)
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(dags_folder),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home / 'airflow.db'}",
        AIRFLOW__CORE__UNIT_TEST_MODE="False",
    )
    return env


def migrate(env: Mapping[str, str], log: IO[str] | None = None) -> None:
    """``airflow db migrate`` (creates or upgrades the metadata database; cheap when current)."""
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        env=dict(env),
        stdout=log or subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        tail = (done.stdout or "")[-2000:]
        raise ServiceError(f"airflow db migrate failed (exit {done.returncode}): {tail}")


@dataclass
class DagRunResult:
    dag_id: str
    state: str
    tasks: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.state == "success"


def start_dag(
    dag_id: str,
    logical_date: datetime | str,
    conf: Mapping[str, Any] | None,
    env: Mapping[str, str],
    log: IO[str] | None = None,
) -> subprocess.Popen[str]:
    """Start one DAG run in a child process; finish it with `wait_dag`."""
    moment = parse_moment(logical_date).isoformat()
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline.airflow_runner", dag_id, moment, json.dumps(conf or {})],
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=log or subprocess.STDOUT,
        text=True,
    )


def wait_dag(proc: subprocess.Popen[str], dag_id: str, log: IO[str] | None = None) -> DagRunResult:
    result: dict[str, Any] | None = None
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith(_MARK):
            result = json.loads(line[len(_MARK) :])
        elif log is not None:
            log.write(line)
    proc.wait()
    if result is None:
        raise ServiceError(f"DAG {dag_id} did not run (exit status {proc.returncode}); see its log")
    return DagRunResult(**result)


def run_dag(
    dag_id: str,
    logical_date: datetime | str,
    conf: Mapping[str, Any] | None,
    env: Mapping[str, str],
    log: IO[str] | None = None,
) -> DagRunResult:
    """One ``dag.test()`` run of ``dag_id`` in a child process with ``env``."""
    return wait_dag(start_dag(dag_id, logical_date, conf, env, log), dag_id, log)


def _run_here(dag_id: str, logical_date: str, conf: dict[str, Any]) -> DagRunResult:
    from airflow.models import DagBag

    started = time.monotonic()
    bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    if bag.import_errors:
        problems = "; ".join(f"{p}: {e.splitlines()[-1]}" for p, e in bag.import_errors.items())
        raise ServiceError(f"DAG files failed to import: {problems}")
    dag = bag.get_dag(dag_id)
    if dag is None:
        raise ServiceError(f"no DAG {dag_id!r} in {bag.dag_folder}; known: {sorted(bag.dags)}")
    run = dag.test(logical_date=parse_moment(logical_date), run_conf=conf)
    tasks = {ti.task_id: _state(ti.state) for ti in run.get_task_instances()}
    return DagRunResult(dag_id, _state(run.state), tasks, round(time.monotonic() - started, 2))


def _state(state: Any) -> str:
    return str(getattr(state, "value", state))


def _main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: python -m pipeline.airflow_runner DAG_ID DATE CONF_JSON", file=sys.stderr)
        return 2
    result = _run_here(argv[0], argv[1], json.loads(argv[2]))
    sys.stdout.flush()
    print(_MARK + json.dumps(result.__dict__, default=str), flush=True)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
