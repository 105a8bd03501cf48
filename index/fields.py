"""The searchable fields of `TrialRecord`, read from its `IndexAs` markers.

Everything index-side (the Elasticsearch mapping, the SQLite columns, the
facet table, the boosted and highlighted text fields, how filter values are
normalised) is derived from :func:`record_fields`, so adding a field to the
record is the only edit needed to make it searchable (a new facet's name also
goes into `index.search_models.FACET_ORDER`, which orders the facets).
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum
from functools import cache
from typing import Any, Union

from pydantic import BaseModel

from parsers.records import GeoPoint, IndexAs, NoFacets, TrialRecord


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One leaf field of the record.

    path: dotted contract path (aliases, e.g. ``sponsor.class``);
    many: the value at ``path`` can be a list (the field or a parent is a list);
    py_type: the leaf's Python type (``str``, ``float``, an Enum, ``datetime``, ...).
    """

    path: str
    index_as: IndexAs
    many: bool
    py_type: type

    @property
    def enum_values(self) -> tuple[str, ...]:
        if isinstance(self.py_type, type) and issubclass(self.py_type, Enum):
            return tuple(str(member.value) for member in self.py_type)
        return ()

    @property
    def coded(self) -> bool:
        """Values are upper-case codes (an enum, or `IndexAs.normalise` "upper"): a
        filter takes them in any case, pages show them humanised."""
        return bool(self.enum_values) or self.index_as.normalise == "upper"


def unwrap_annotation(annotation: Any) -> tuple[Any, bool]:
    """Strip Optional / list / Annotated; return (inner type, is_list)."""
    many = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = args[0]
        elif origin is list:
            many = True
            annotation = typing.get_args(annotation)[0]
        else:
            return annotation, many


def _walk(model: type[BaseModel], prefix: str, many: bool, faceted: bool) -> list[FieldSpec]:
    specs: list[FieldSpec] = []
    for name, info in model.model_fields.items():
        key = info.alias or name
        path = f"{prefix}{key}"
        marker = next((m for m in info.metadata if isinstance(m, IndexAs)), None)
        inner, is_list = unwrap_annotation(info.annotation)
        if marker is None and isinstance(inner, type) and issubclass(inner, BaseModel):
            here = faceted and not any(isinstance(m, NoFacets) for m in info.metadata)
            specs.extend(_walk(inner, f"{path}.", many or is_list, here))
            continue
        if marker is None:
            continue
        if not faceted and marker.facet is not None:
            marker = replace(marker, facet=None, exact_values=True)
        if inner is GeoPoint:
            py_type: type = GeoPoint
        elif inner is datetime:
            py_type = datetime
        else:
            py_type = inner if isinstance(inner, type) else str
        specs.append(FieldSpec(path, marker, many or is_list, py_type))
    return specs


@cache
def record_fields() -> tuple[FieldSpec, ...]:
    """Every marked leaf field of `TrialRecord`, in model order."""
    return tuple(_walk(TrialRecord, "", False, True))


@cache
def field(path: str) -> FieldSpec:
    for spec in record_fields():
        if spec.path == path:
            return spec
    raise KeyError(f"TrialRecord has no indexed field {path!r}")


def text_fields() -> tuple[FieldSpec, ...]:
    return tuple(s for s in record_fields() if s.index_as.kind == "text")


def values_at(data: Any, path: str) -> list[Any]:
    """All values at a dotted path of a record dict, flattening lists; None dropped."""
    current: list[Any] = [data]
    for part in path.split("."):
        nxt: list[Any] = []
        for item in current:
            if isinstance(item, dict):
                value = item.get(part)
            else:
                continue
            if value is None:
                continue
            if isinstance(value, list):
                nxt.extend(v for v in value if v is not None)
            else:
                nxt.append(value)
        current = nxt
    return current
