"""`trialdex demo --no-serve` runs the DAGs through Airflow on SQLite and reports the counts."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def test_demo_without_serving_indexes_both_sources_into_sqlite(tmp_path, ctgov_subset):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AIRFLOW", "ELASTICSEARCH_URL", "TRIALDEX_HOME", "TRIALDEX_SQLITE"))
    }
    env["TRIALDEX_CORPUS"] = str(ctgov_subset)
    data = tmp_path / "var"
    done = subprocess.run(
        [sys.executable, "-m", "trialdex.cli", "demo", "--no-serve", "--data-dir", str(data)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    out = done.stdout
    assert done.returncode == 0, out + done.stderr[-3000:]
    assert "index: SQLite" in out
    rows = {
        m.group(1): [int(x) for x in m.group(2).split()]
        for m in re.finditer(r"^\s+(ctgov|listing_sample)\s+success\s+([\d ]+?)\s*$", out, re.M)
    }
    assert set(rows) == {"ctgov", "listing_sample"}, out
    # pages, new pages, parsed, quarantined, indexed, searchable, stated
    assert rows["ctgov"][2] == rows["ctgov"][4] == rows["ctgov"][5] == rows["ctgov"][6] == 12
    assert rows["listing_sample"][4] > 30 and rows["listing_sample"][3] >= 1
    assert (data / "trialdex.sqlite").exists()
    assert (data / "airflow" / "airflow.db").exists()
    assert (data / "reports" / "latest.json").exists()
    assert Path(data / "runs" / "listing_sample").is_dir()
