"""Run Trialdex DAGs through Airflow on one machine: an Airflow home, its database, ``dag.test()``.

`airflow_env` gives the environment (home, DAGs folder, SQLite metadata
database, no examples); `migrate` prepares the database; an `AirflowSession`
is a child Python process that runs ``dag.test()`` for each run it is sent,
so Airflow reads a clean configuration from that environment, its logs go to
a file, and the DAG files are parsed once for many runs. The child is
``python -m devtools.airflow_runner``: one JSON request per line on stdin,
one result per run on stdout.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from parsers.errors import ServiceError
from pipeline.dagconfig import SQLITE_WRITER_POOL, SQLITE_WRITER_POOL_DESCRIPTION
from pipeline.partitions import parse_moment

DAGS_FOLDER = Path(__file__).resolve().parent.parent / "dags"
_MARK = "@@trialdex-dag-run@@ "
# dag.test() logs these around every task; they drive progress displays.
_TASK_EVENT = re.compile(r"\[DAG TEST\] (starting|end task) task_id=(\S+)")

TaskEvent = Callable[[str, str, str], None]  # (dag_id, "starting" | "end task", task_id)


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
    )
    return env


def migrate(env: Mapping[str, str], log: IO[str] | None = None) -> None:
    """``airflow db migrate`` (creates or upgrades the metadata database; cheap when current),
    then the pool the index-writing tasks run in, as an operator creates it.

    ``dag.test()`` itself runs a task whose pool does not exist (it checks no
    pool); a scheduler would leave it scheduled for ever, so the home is made
    like a deployment's."""
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    _airflow(env, log, "db", "migrate")
    _airflow(env, log, "pools", "set", SQLITE_WRITER_POOL, "1", SQLITE_WRITER_POOL_DESCRIPTION)


def _airflow(env: Mapping[str, str], log: IO[str] | None, *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "airflow", *args],
        env=dict(env),
        stdout=log or subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        tail = (done.stdout or "")[-2000:]
        command = " ".join(args[:2])
        raise ServiceError(f"airflow {command} failed (exit {done.returncode}): {tail}")


@dataclass
class DagRunResult:
    dag_id: str
    state: str
    tasks: dict[str, str] = field(default_factory=dict)
    tries: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.state == "success"


class AirflowSession:
    """A child process running DAGs with ``dag.test()``; use as a context manager."""

    def __init__(
        self, env: Mapping[str, str], log: IO[str] | None = None, on_task: TaskEvent | None = None
    ) -> None:
        self.log = log
        self.on_task = on_task
        self._pending: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "devtools.airflow_runner"],
            env=dict(env),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log if log is not None else subprocess.DEVNULL,
            text=True,
        )

    def submit(self, dag_id: str, logical_date: datetime | str, conf: Mapping[str, Any]) -> None:
        """Start a run; `result` waits for it (runs finish in the order submitted)."""
        assert self.proc.stdin is not None
        request = {"dag_id": dag_id, "logical_date": parse_moment(logical_date).isoformat()}
        self.proc.stdin.write(json.dumps({**request, "conf": dict(conf)}) + "\n")
        self.proc.stdin.flush()
        self._pending.append(dag_id)

    def result(self) -> DagRunResult:
        assert self.proc.stdout is not None and self._pending
        dag_id = self._pending.pop(0)
        for line in self.proc.stdout:
            if line.startswith(_MARK):
                if self.log is not None:
                    self.log.flush()
                return DagRunResult(**json.loads(line[len(_MARK) :]))
            if self.log is not None:
                self.log.write(line)
            event = _TASK_EVENT.search(line)
            if event and self.on_task is not None:
                self.on_task(dag_id, event.group(1), event.group(2))
        self.proc.wait()
        raise ServiceError(
            f"the Airflow process ended (exit status {self.proc.returncode}) "
            f"before DAG {dag_id} finished; see its log"
        )

    def run(
        self, dag_id: str, logical_date: datetime | str, conf: Mapping[str, Any]
    ) -> DagRunResult:
        self.submit(dag_id, logical_date, conf)
        return self.result()

    def close(self) -> None:
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.log is not None:
            self.log.flush()

    def __enter__(self) -> AirflowSession:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc is not None:
            self.proc.kill()
        self.close()


def run_dag(
    dag_id: str,
    logical_date: datetime | str,
    conf: Mapping[str, Any],
    env: Mapping[str, str],
    log: IO[str] | None = None,
) -> DagRunResult:
    """One ``dag.test()`` run in a fresh child process."""
    with AirflowSession(env, log) as session:
        return session.run(dag_id, logical_date, conf)


# -- the child -------------------------------------------------------------------


def _state(state: Any) -> str:
    return str(getattr(state, "value", state))


def _run_here(bag: Any, dag_id: str, logical_date: str, conf: dict[str, Any]) -> DagRunResult:
    started = time.monotonic()
    dag = bag.get_dag(dag_id)
    if dag is None:
        raise ServiceError(f"no DAG {dag_id!r} in {bag.dag_folder}; known: {sorted(bag.dags)}")
    run = dag.test(logical_date=parse_moment(logical_date), run_conf=conf)
    instances = run.get_task_instances()
    return DagRunResult(
        dag_id,
        _state(run.state),
        tasks={ti.task_id: _state(ti.state) for ti in instances},
        tries={ti.task_id: int(ti.try_number or 0) for ti in instances},
        seconds=round(time.monotonic() - started, 2),
    )


def _serve() -> int:
    from airflow.models import DagBag

    bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        try:
            if bag.import_errors:
                problems = "; ".join(
                    f"{p}: {e.strip().splitlines()[-1]}" for p, e in bag.import_errors.items()
                )
                raise ServiceError(f"DAG files failed to import: {problems}")
            result = _run_here(bag, request["dag_id"], request["logical_date"], request["conf"])
        except Exception as exc:  # reported to the parent, which decides
            result = DagRunResult(request["dag_id"], "error", error=f"{type(exc).__name__}: {exc}")
        sys.stdout.flush()
        print(_MARK + json.dumps(asdict(result)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(_serve())
