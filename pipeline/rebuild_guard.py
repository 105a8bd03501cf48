"""The check before a rebuilt index is swapped in: never replace the live index by a worse one.

A reparse from an empty raw store, or of pages saved after a site changed its
layout, runs without an error and builds an index that is smaller or emptier
than the one serving. So before `SearchBackend.rebuild`, the numbers of the
records that would fill the new index (`pipeline.quality.coverage_by_source`)
are set against the live index's (`SearchBackend.coverage_by_source`), per
``source.name``, and the swap is refused when, for a source the live index
holds:

* its trial count falls by more than ``max_count_drop`` of the live count, or
  to zero (always a drop, whatever the thresholds);
* the share of its records that have a coverage field falls by more than
  ``max_coverage_drop`` (when the live index holds at least ``min_items``
  records of the source, below which its shares are noise, and the new
  records hold any).

Sources only the new records have are reported, never a reason to refuse. A
caller may judge only some sources (`trialdex index --migrate` judges the
sources of its files), unless the new records are none at all: an empty new
index in place of one with trials is always refused.
Both sides and the verdict are written to the report file (refused, allowed or
forced alike); ``force`` swaps whatever the verdict, and says so in the log.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.backend import SearchBackend
from index.coverage import SourceCoverage
from pipeline.partitions import write_json
from pipeline.quality import QualityGateError
from pipeline.settings import GateThresholds

log = logging.getLogger("trialdex.pipeline")

TRIALS = "trials"  # the metric of a source's trial count


class SwapRefused(QualityGateError):
    """The rebuilt index would hold less than the live one beyond the thresholds."""


@dataclass(frozen=True)
class Drop:
    """One metric of one source that fell too far: live and new values, the allowed fall."""

    source: str
    metric: str  # TRIALS, or a coverage field
    live: float
    new: float
    allowed: float

    def describe(self) -> str:
        if self.metric == TRIALS:
            fall = 1 - self.new / self.live
            return (
                f"source {self.source}: trials live {self.live:.0f}, new {self.new:.0f} "
                f"(-{fall:.1%}; allowed -{self.allowed:.1%})"
            )
        return (
            f"source {self.source}: coverage of {self.metric} live {self.live:.1%}, "
            f"new {self.new:.1%} ({(self.new - self.live) * 100:+.1f} points; "
            f"allowed -{self.allowed * 100:.1f})"
        )


def drops(
    live: Mapping[str, SourceCoverage],
    new: Mapping[str, SourceCoverage],
    thresholds: GateThresholds,
    sources: Collection[str] | None = None,
) -> list[Drop]:
    """Every source (of ``sources``, default all) and metric that fell beyond
    ``thresholds`` from ``live`` to ``new``."""
    if not any(c.records for c in new.values()):
        sources = None
    found: list[Drop] = []
    for source, was in sorted(live.items()):
        if not was.records or (sources is not None and source not in sources):
            continue
        now = new.get(source, SourceCoverage())
        fall = 1 - now.records / was.records
        if fall > thresholds.max_count_drop or not now.records:
            found.append(Drop(source, TRIALS, was.records, now.records, thresholds.max_count_drop))
        if was.records < max(thresholds.min_items, 1) or not now.records:
            continue
        for name in was.have:
            before, after = was.share(name), now.share(name)
            if before - after > thresholds.max_coverage_drop:
                found.append(Drop(source, name, before, after, thresholds.max_coverage_drop))
    return found


def check_swap(
    search: SearchBackend,
    new: Mapping[str, SourceCoverage],
    thresholds: GateThresholds,
    *,
    where: str,
    force: bool = False,
    force_hint: str = "force the swap",
    report: Path | None = None,
    sources: Collection[str] | None = None,
) -> dict[str, Any]:
    """Compare ``new`` with ``search``'s live index (`drops`); raise `SwapRefused` naming
    every drop unless ``force``. Returns the comparison (also written to ``report``)."""
    live = search.coverage_by_source()
    found = drops(live, new, thresholds, sources)
    verdict = "forced" if found and force else "refused" if found else "allowed"
    comparison: dict[str, Any] = {
        "index": where,
        "swap": verdict,
        "drops": [d.describe() for d in found],
        "thresholds": thresholds.to_dict(),
        "live": {source: c.to_dict() for source, c in live.items()},
        "new": {source: c.to_dict() for source, c in sorted(new.items())},
    }
    if report is not None:
        write_json(report, comparison)
    stored = f"; both sides are in {report}" if report is not None else ""
    if verdict == "refused":
        raise SwapRefused(
            f"rebuilt index not swapped into {where}: "
            + "; ".join(comparison["drops"])
            + f". The live index is unchanged and still serving{stored}. "
            f"If the drop is expected, {force_hint}."
        )
    if verdict == "forced":
        log.warning(
            "forced swap into %s despite: %s%s", where, "; ".join(comparison["drops"]), stored
        )
    return comparison
