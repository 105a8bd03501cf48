"""The Elasticsearch index: mapping and analysis, derived from `TrialRecord`'s markers.

Text fields use one analyzer. Where the cluster has the analysis-common module
(stemmers, synonym_graph) the index analyzer is English-like (possessive,
lowercase, stop words, Porter stemmer) and the search analyzer adds the
synonyms of ``index/data/synonyms.txt``; on a minimal cluster both are
standard + lowercase + English stop words, and synonyms are expanded in Python
at query time (`index.text.query_clauses`). `probe_analysis` decides.

Text fields searched with their own weight or highlighted
(`index.text.OWN_FIELDS`) are indexed on their own and copied into
``all_text``; every other text field is only copied into ``all_text``.
Highlighted fields (`IndexAs.highlight`) keep offsets in their postings, so
highlighting does not re-analyse the text. Facet fields (and any with
`IndexAs.exact_values`) are keywords (``.keyword`` under a text field).
Sites are plain objects, not nested documents: a trial is one Lucene
document, so facet counts and distance filters on site fields count
trials, and doc values stay dense (with a nested document per site, a
trial with a hundred sites made a hundred documents, and facet counts on
500,000 trials took about 40% longer). No query needs a site's fields kept together; one that
does (a recruiting site in a given city) would bring nesting back.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from elasticsearch import ApiError, Elasticsearch

from index.fields import FieldSpec, record_fields
from index.search_models import FACETS
from index.text import OWN_FIELDS, STOPWORDS, synonym_rules
from parsers.records import SCHEMA_VERSION

MAPPING_VERSION = 3
ALL_TEXT = "all_text"
KEYWORD_LIMIT = 1024


@dataclass(frozen=True, slots=True)
class Analysis:
    """What the cluster's analysis modules allow."""

    stemming: bool
    synonyms: bool

    @property
    def expand_synonyms_in_python(self) -> bool:
        return not self.synonyms


def probe_analysis(client: Elasticsearch) -> Analysis:
    """Ask the cluster which analysis filters it has (the minimal one has neither)."""

    def works(**body: Any) -> bool:
        try:
            client.indices.analyze(text="trials", **body)
        except ApiError:
            return False
        return True

    stemming = works(
        tokenizer="standard", filter=["lowercase", {"type": "stemmer", "language": "english"}]
    )
    synonyms = works(
        tokenizer="standard", filter=[{"type": "synonym_graph", "synonyms": ["trials, studies"]}]
    )
    return Analysis(stemming=stemming, synonyms=synonyms)


def analysis_settings(analysis: Analysis) -> dict[str, Any]:
    stop = {"type": "stop", "stopwords": sorted(STOPWORDS)}
    filters: dict[str, Any] = {"trialdex_stop": stop}
    chain = ["lowercase", "trialdex_stop"]
    if analysis.stemming:
        filters["trialdex_possessive"] = {"type": "stemmer", "language": "possessive_english"}
        filters["trialdex_stemmer"] = {"type": "stemmer", "language": "english"}
        chain = ["trialdex_possessive", "lowercase", "trialdex_stop", "trialdex_stemmer"]
    search_chain = list(chain)
    if analysis.synonyms:
        filters["trialdex_synonyms"] = {
            "type": "synonym_graph",
            "synonyms": synonym_rules(),
            "lenient": True,
        }
        # Synonyms are matched on lower-cased words, before stop words and stems.
        search_chain.insert(chain.index("lowercase") + 1, "trialdex_synonyms")
    return {
        "analysis": {
            "filter": filters,
            "analyzer": {
                "trialdex_text": {"type": "custom", "tokenizer": "standard", "filter": chain},
                "trialdex_search": {
                    "type": "custom",
                    "tokenizer": "standard",
                    "filter": search_chain,
                },
            },
            "normalizer": {"trialdex_lower": {"type": "custom", "filter": ["lowercase"]}},
        }
    }


def _keyword(spec: FieldSpec) -> dict[str, Any]:
    mapping: dict[str, Any] = {"type": "keyword", "ignore_above": KEYWORD_LIMIT}
    if spec.index_as.keeps_exact_values:
        # Facets aggregate on every search: build their ordinals at refresh,
        # not on the first search after it.
        mapping["eager_global_ordinals"] = True
    return mapping


def _leaf(spec: FieldSpec) -> dict[str, Any]:
    kind = spec.index_as.kind
    if kind == "text":
        mapping: dict[str, Any] = {
            "type": "text",
            "analyzer": "trialdex_text",
            "search_analyzer": "trialdex_search",
            "copy_to": [ALL_TEXT],
        }
        if spec.index_as.highlight:
            mapping["index_options"] = "offsets"
        if spec.path not in OWN_FIELDS:
            # Searched through all_text only: analysing it twice would halve the
            # bulk indexing rate for nothing.
            mapping["index"] = False
        if spec.index_as.keeps_exact_values:
            mapping["fields"] = {"keyword": _keyword(spec)}
        return mapping
    if kind == "keyword":
        return _keyword(spec)
    if kind == "date":
        if spec.py_type is datetime:
            return {"type": "date"}
        return {"type": "date", "format": "yyyy-MM-dd||yyyy-MM||yyyy"}
    if kind == "number":
        return {"type": "long" if spec.py_type is int else "double"}
    if kind == "boolean":
        return {"type": "boolean"}
    if kind == "geo_point":
        return {"type": "geo_point"}
    return {"type": "keyword", "index": False, "doc_values": False}


def mappings() -> dict[str, Any]:
    """The index mapping: one entry per marked record field, plus the catch-all text."""
    root: dict[str, Any] = {
        ALL_TEXT: {
            "type": "text",
            "analyzer": "trialdex_text",
            "search_analyzer": "trialdex_search",
        }
    }
    for spec in record_fields():
        parts = spec.path.split(".")
        props = root
        for part in parts[:-1]:
            props = props.setdefault(part, {"properties": {}})["properties"]
        props[parts[-1]] = _leaf(spec)
    return {
        # Fields a newer record adds stay in _source until the next migrate.
        "dynamic": False,
        "properties": root,
    }


def facet_field(name: str) -> str:
    """The keyword field a facet aggregates and filters on."""
    path = FACETS[name]
    spec = next(s for s in record_fields() if s.path == path)
    return f"{path}.keyword" if spec.index_as.kind == "text" else path


# What ``_source`` holds: "contract" = every field of the record contract, nulls
# included, exactly as the API returns it, so searches can pass it through
# without re-validating. (Indices written before this dropped null fields.)
DOCUMENT_FORMAT = "contract"


def fingerprint(analysis: Analysis) -> str:
    body = json.dumps([mappings(), analysis_settings(analysis), DOCUMENT_FORMAT], sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()[:16]


def index_body(analysis: Analysis, *, replicas: int = 0) -> dict[str, Any]:
    """Settings and mappings for a new versioned index."""
    body_mappings = mappings()
    body_mappings["_meta"] = {
        "mapping_version": MAPPING_VERSION,
        "record_schema": SCHEMA_VERSION,
        "fingerprint": fingerprint(analysis),
        "documents": DOCUMENT_FORMAT,
    }
    return {
        "settings": {
            # One shard: exact facet counts and plenty for a few million trials.
            "number_of_shards": 1,
            "number_of_replicas": replicas,
            "max_inner_result_window": 100,
            **analysis_settings(analysis),
        },
        "mappings": body_mappings,
    }
