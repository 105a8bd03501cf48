"""Failure notification for every Trialdex DAG and task, through Airflow's notifiers.

Each task's ``on_failure_callback`` (and each DAG's, for runs that fail
without a failed task, such as a ``dagrun_timeout``) is a `ConfiguredNotifier`.
It is built when DAG files are parsed but only reads the settings
``failure_notifier`` (an importable `BaseNotifier` class) and
``failure_notifier_kwargs`` (its keyword arguments as JSON) when a failure
happens, so parsing imports no provider and reads no Variable. The default,
`LogFailureNotifier`, logs the failure at ERROR into the task's log (or the
DAG processor's). A notifier that cannot be loaded or that fails to send does
not swallow the alarm: the failure is logged as by the default, with the reason
the configured notifier failed.
"""

from __future__ import annotations

import importlib
import json
import logging
from collections.abc import Mapping
from typing import Any, cast

from airflow.sdk import BaseNotifier, Context

from core import config

log = logging.getLogger("trialdex.failure")

DEFAULT_NOTIFIER = "pipeline.notify.LogFailureNotifier"
# The reason Airflow gives a DAG-level callback when a task failed: that task's
# own callback has told of it already, with the exception and the log.
TASK_FAILURE_REASON = "task_failure"


def describe_failure(context: Mapping[str, Any]) -> str:
    """One line naming what failed: DAG id, run id, task id, try, exception, log URL."""
    ti = context.get("task_instance") or context.get("ti")
    dag = context.get("dag")
    dag_id = getattr(dag, "dag_id", None) or getattr(ti, "dag_id", None) or "?"
    run_id = context.get("run_id") or getattr(ti, "run_id", None) or "?"
    reason = context.get("reason")
    if reason:  # a DAG-level callback: the run failed
        parts = [f"Trialdex DAG run failed ({reason}): dag_id={dag_id} run_id={run_id}"]
        if ti is not None:
            parts.append(f"last task_id={ti.task_id}")
    else:
        parts = [f"Trialdex task failed: dag_id={dag_id} run_id={run_id}"]
        if ti is not None:
            parts.append(f"task_id={ti.task_id} try={getattr(ti, 'try_number', '?')}")
    exception = context.get("exception")
    if exception is not None:
        detail = (
            f"{type(exception).__name__}: {exception}"
            if isinstance(exception, BaseException)
            else str(exception)
        )
        parts.append(f"exception={detail}")
    log_url = _log_url(ti)
    if log_url:
        parts.append(f"log={log_url}")
    return " ".join(parts)


def _log_url(ti: Any) -> str | None:
    try:
        url = getattr(ti, "log_url", None)
    except Exception:  # the URL is a courtesy: its absence must not stop the alarm
        return None
    return str(url) if url else None


class LogFailureNotifier(BaseNotifier):
    """The default notifier: logs the failure (`describe_failure`) at ERROR."""

    def notify(self, context: Context) -> None:
        log.error("%s", describe_failure(cast(Mapping[str, Any], context)))


def load_notifier(
    class_path: str | None, kwargs_json: str | Mapping[str, Any] | None
) -> BaseNotifier:
    """An instance of the notifier class at ``class_path`` (``module.Class``) with ``kwargs``.

    Raises ValueError naming the setting at fault when the class cannot be
    imported, is not a notifier, or the arguments are not a JSON object."""
    path = class_path or DEFAULT_NOTIFIER
    module_name, _, class_name = path.rpartition(".")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ValueError(f"failure_notifier={path!r} cannot be imported: {exc}") from exc
    if not (isinstance(cls, type) and issubclass(cls, BaseNotifier)):
        raise ValueError(f"failure_notifier={path!r} is not an Airflow BaseNotifier class")
    kwargs: Any = kwargs_json or {}
    if isinstance(kwargs, str):
        try:
            kwargs = json.loads(kwargs)
        except ValueError as exc:
            raise ValueError(f"failure_notifier_kwargs is not JSON: {exc}") from exc
    if not isinstance(kwargs, Mapping):
        raise ValueError("failure_notifier_kwargs must be a JSON object")
    try:
        notifier: BaseNotifier = cls(**kwargs)
        return notifier
    except TypeError as exc:
        raise ValueError(f"failure_notifier_kwargs do not fit {path}: {exc}") from exc


def _variable(name: str) -> Any:
    """An Airflow Variable, or None where none can be read (outside a task or processor)."""
    try:
        from pipeline.airflow_settings import variable

        return variable(name)
    except Exception:  # no Variable service here: the environment still applies
        return None


class ConfiguredNotifier(BaseNotifier):
    """Tells the configured notifier of a failure, resolving the setting at that moment.

    ``run_level`` marks a DAG's own callback: it stays quiet when the run
    failed because a task failed (`TASK_FAILURE_REASON`), since the task's
    callback has reported that failure with its exception."""

    def __init__(self, *, run_level: bool = False) -> None:
        super().__init__()
        self.run_level = run_level

    def notify(self, context: Context) -> None:
        fields = cast(Mapping[str, Any], context)
        if self.run_level and fields.get("reason") == TASK_FAILURE_REASON:
            return
        try:
            target = load_notifier(
                config.raw_value("failure_notifier", variables=_variable),
                config.raw_value("failure_notifier_kwargs", variables=_variable),
            )
            target(context)
        except Exception as exc:  # the alarm must still be raised, here in the log
            log.error("%s", describe_failure(fields))
            log.error("the configured failure notifier failed: %s: %s", type(exc).__name__, exc)
