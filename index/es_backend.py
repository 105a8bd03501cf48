"""The Elasticsearch backend: alias lifecycle, bulk indexing and search.

Readers and writers use the alias (``trials``). Behind it is one versioned
index, ``trials-v<N>-<UTC timestamp>``, created from the index template.
`setup()` is safe on every deploy: it puts the template and, when the alias
does not exist yet, creates the first index behind it. `migrate()` builds a
complete new index from the records and then swaps the alias in one atomic
`_aliases` call, so readers see the old index until the new one is whole.
The cluster may lack `_reindex` (the minimal distribution does), so a
migration always re-reads the records.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import orjson
import simdjson
from elastic_transport import ApiResponseMeta, Serializer
from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError, helpers
from elasticsearch.exceptions import HTTP_EXCEPTIONS
from elasticsearch.serializer import OrjsonSerializer

from core import config
from index import cursor as cursors
from index.backend import IndexReport, Progress
from index.coverage import COVERAGE_FIELDS, SOURCE_PATH, SourceCoverage, tally_documents
from index.errors import SearchRequestError
from index.es_bulk import bulk_delete, bulk_index
from index.es_mapping import (
    DOCUMENT_FORMAT,
    MAPPING_VERSION,
    Analysis,
    facet_field,
    fingerprint,
    index_body,
    probe_analysis,
)
from index.es_query import (
    count_query,
    facet_searches,
    hits_search_needed,
    msearch_body,
    sort_clause,
    suggest_body,
)
from index.geo import nearest_site_json
from index.search_models import (
    Facet,
    SearchRequest,
    SearchResponse,
    facet_request,
    suggest_prefix,
)
from parsers.errors import ConfigurationError, ServiceError
from parsers.records import TrialRecord

# While a new index is filled nobody reads it: no refreshes, and the
# translog is fsynced in the background (a crash means re-running the load).
BULK_LOAD_SETTINGS: dict[str, Any] = {
    "refresh_interval": "-1",
    "translog": {"durability": "async", "sync_interval": "30s"},
}
AFTER_BULK_LOAD_SETTINGS: dict[str, Any] = {
    "index": {"refresh_interval": None, "translog": {"durability": "request"}}
}
# A migrated index is merged to one segment before the alias swap: it is then
# read far more than written, and later upserts make small segments of their own.
MERGED_SEGMENTS = 1

# The client's connection pool blocks when every connection is busy, and a
# waiting thread can lose the next free one again and again (seen as searches
# stalled for seconds). The API serves sync routes from up to 40 threads per
# worker, so the pool has room for all of them.
CONNECTIONS = 48
SEARCH_TIMEOUT = str(config.raw_value("es_search_timeout") or "10s")


@dataclass
class MigrationResult:
    index: str
    previous: list[str]
    report: IndexReport
    deleted_indices: list[str] = field(default_factory=list)


def _item_error(meta: ApiResponseMeta, item: dict[str, Any]) -> ApiError:
    """The error the client would raise for one failed `_msearch` item."""
    status = int(item.get("status", 500))
    error = item.get("error")
    message = str(error.get("type", error)) if isinstance(error, dict) else str(error)
    cls = HTTP_EXCEPTIONS.get(status, ApiError)
    return cls(message=message, meta=replace(meta, status=status), body=item)


class _RawJson(Serializer):
    """Leaves JSON answers as bytes: `search_json` parses them lazily (simdjson)."""

    mimetype = "application/json"

    def loads(self, data: bytes) -> Any:
        return data

    def dumps(self, data: Any) -> bytes:
        return orjson.dumps(data)


@contextlib.contextmanager
def _service(action: str, url: str) -> Iterator[None]:
    """Translate client errors into `ServiceError` naming the cluster and the action."""
    try:
        yield
    except NotFoundError as exc:
        raise ServiceError(f"Elasticsearch at {url}: {action}: not found ({exc.message})") from exc
    except ApiError as exc:
        raise ServiceError(f"Elasticsearch at {url}: {action} failed: {exc}") from exc
    except TransportError as exc:
        raise ServiceError(f"Elasticsearch at {url} is unreachable ({action}): {exc}") from exc


class ElasticsearchBackend:
    """`SearchBackend` on an Elasticsearch 9 cluster."""

    name = "elasticsearch"

    def __init__(
        self,
        url: str | Elasticsearch,
        *,
        alias: str = "trials",
        replicas: int | None = None,
        request_timeout: float = 30,
    ) -> None:
        if isinstance(url, Elasticsearch):
            self.client = url
            self.url = str(url.transport.node_pool.get().base_url)
        else:
            self.url = url.rstrip("/")
            self.client = Elasticsearch(
                self.url,
                request_timeout=request_timeout,
                retry_on_timeout=True,
                max_retries=2,
                connections_per_node=CONNECTIONS,
                # Whole records come back (`get`, health's mappings); orjson parses
                # them several times faster than the standard library. Searches
                # use `raw_client` and parse lazily instead.
                serializer=OrjsonSerializer(),
            )
        self.alias = alias
        self.replicas = int(config.raw_value("es_replicas") or 0) if replicas is None else replicas
        self._analysis: Analysis | None = None
        self._complete: dict[str, bool] = {}
        self._raw_client: Elasticsearch | None = None
        self._raw_lock = threading.Lock()

    # Lifecycle

    @property
    def analysis(self) -> Analysis:
        if self._analysis is None:
            with _service("probing analysis modules", self.url):
                self._analysis = probe_analysis(self.client)
        return self._analysis

    @property
    def template_name(self) -> str:
        return f"{self.alias}-template"

    def put_template(self) -> None:
        body = index_body(self.analysis, replicas=self.replicas)
        with _service("putting the index template", self.url):
            self.client.indices.put_index_template(
                name=self.template_name,
                index_patterns=[f"{self.alias}-v*"],
                template=body,
                priority=200,
                meta={"managed_by": "trialdex", "mapping_version": MAPPING_VERSION},
            )

    def new_index_name(self) -> str:
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
        return f"{self.alias}-v{MAPPING_VERSION}-{stamp}"

    def create_index(self, *, bulk_load: bool = False) -> str:
        """A new empty versioned index (not behind the alias yet)."""
        name = self.new_index_name()
        body = index_body(self.analysis, replicas=self.replicas)
        if bulk_load:
            body["settings"].update(BULK_LOAD_SETTINGS)
        with _service(f"creating index {name}", self.url):
            self.client.indices.create(index=name, **body)
        return name

    def merge(self, index: str) -> None:
        """Merge a freshly loaded index into `MERGED_SEGMENTS` segments before
        readers see it: fewer segments mean less per-segment work in every
        search (facet counts map segment ordinals to global ones per value)."""
        self.client.options(request_timeout=3600).indices.forcemerge(
            index=index, max_num_segments=MERGED_SEGMENTS, wait_for_completion=True
        )

    def finish_bulk_load(self, index: str) -> None:
        """Back to normal refresh and durable translog after a bulk load."""
        self.client.indices.put_settings(index=index, settings=AFTER_BULK_LOAD_SETTINGS)

    def indices(self) -> list[str]:
        """Indices behind the alias (normally one)."""
        with _service(f"reading alias {self.alias}", self.url):
            found = self.client.options(ignore_status=404).indices.get_alias(name=self.alias)
        body = found.body if hasattr(found, "body") else found
        if not isinstance(body, dict) or "error" in body or body.get("status") == 404:
            return []
        return sorted(body)

    def setup(self) -> None:
        """Template plus a first index behind the alias; safe to run on every deploy."""
        self.put_template()
        if self.indices():
            return
        with _service(f"checking {self.alias}", self.url):
            if self.client.indices.exists(index=self.alias):
                raise ConfigurationError(
                    f"{self.alias!r} is a concrete index on {self.url}, not an alias; "
                    "rename or delete it, then run setup again"
                )
        name = self.create_index()
        try:
            with _service(f"pointing {self.alias} at {name}", self.url):
                self.client.indices.update_aliases(
                    actions=[{"add": {"index": name, "alias": self.alias, "is_write_index": True}}]
                )
        except ServiceError:
            # Another deploy won the race; keep its index.
            self.client.options(ignore_status=404).indices.delete(index=name)
            if not self.indices():
                raise

    def migrate(
        self,
        records: Iterable[TrialRecord] | Callable[[], Iterable[TrialRecord]],
        *,
        progress: Progress | None = None,
        keep_previous: int = 1,
        max_failure_ratio: float = 0.01,
    ) -> MigrationResult:
        """Fill a new index from ``records`` and swap the alias to it atomically.

        If the run fails, or more than ``max_failure_ratio`` of the records
        are refused, the new index is deleted and the alias is left alone.
        """
        self.put_template()
        source = records() if callable(records) else records
        new = self.create_index(bulk_load=True)
        try:
            report = bulk_index(self.client, new, source, progress=progress)
            attempted = report.indexed + len(report.failures)
            if attempted and len(report.failures) > max_failure_ratio * attempted:
                raise ServiceError(
                    f"migration into {new} refused {len(report.failures)} of {attempted} "
                    f"records (first: {report.failures[0].id}: {report.failures[0].reason}); "
                    f"alias {self.alias} left unchanged"
                )
            with _service(f"finishing {new}", self.url):
                self.finish_bulk_load(new)
                self.client.indices.refresh(index=new)
                self.merge(new)
                self.client.cluster.health(index=new, wait_for_status="yellow", timeout="60s")
        except BaseException:
            with contextlib.suppress(ApiError, TransportError):
                self.client.options(ignore_status=404).indices.delete(index=new)
            raise
        previous = self.indices()
        actions: list[dict[str, Any]] = [
            {"remove": {"index": old, "alias": self.alias}} for old in previous
        ]
        actions.append({"add": {"index": new, "alias": self.alias, "is_write_index": True}})
        with _service(f"swapping {self.alias} to {new}", self.url):
            self.client.indices.update_aliases(actions=actions)
        deleted = self._prune(keep={new}, keep_previous=keep_previous)
        return MigrationResult(new, previous, report, deleted)

    def rebuild(
        self, records: Callable[[], Iterable[TrialRecord]], *, progress: Progress | None = None
    ) -> IndexReport:
        """`migrate` with its defaults: a new versioned index, then the alias swap."""
        return self.migrate(records, progress=progress).report

    def _prune(self, *, keep: set[str], keep_previous: int) -> list[str]:
        """Delete old versioned indices, keeping the newest ``keep_previous`` for rollback
        (and so a search that started on the old index can finish)."""
        with _service("listing indices", self.url):
            found = self.client.indices.get(index=f"{self.alias}-v*", expand_wildcards="open")
        olds = sorted((n for n in found if n not in keep), reverse=True)
        doomed = olds[keep_previous:]
        if doomed:
            with _service("deleting old indices", self.url):
                self.client.options(ignore_status=404).indices.delete(index=",".join(doomed))
        return doomed

    def drop(self) -> None:
        """Delete the alias's indices and the template (tests, `--reset`)."""
        with _service("dropping", self.url):
            self.client.options(ignore_status=404).indices.delete(index=f"{self.alias}-v*")
            self.client.options(ignore_status=404).indices.delete_index_template(
                name=self.template_name
            )

    def close(self) -> None:
        if self._raw_client is not None:
            self._raw_client.close()
        self.client.close()

    def health(self) -> dict[str, object]:
        try:
            with _service("health", self.url):
                cluster = self.client.cluster.health()
                indices = self.indices()
                current = None
                if indices:
                    meta = self.client.indices.get_mapping(index=indices[0])[indices[0]]
                    marks = meta["mappings"].get("_meta", {})
                    current = (
                        marks.get("fingerprint") == fingerprint(self.analysis)
                        and marks.get("documents") == DOCUMENT_FORMAT
                    )
                return {
                    "backend": self.name,
                    "ok": cluster["status"] in ("green", "yellow") and bool(indices),
                    "url": self.url,
                    "alias": self.alias,
                    "indices": indices,
                    "status": cluster["status"],
                    "count": self.count() if indices else 0,
                    "mapping_current": current,
                    "synonyms": "cluster" if self.analysis.synonyms else "query-time",
                }
        except ServiceError as exc:
            return {"backend": self.name, "ok": False, "url": self.url, "error": str(exc)}

    # Writing

    def index_records(
        self, records: Iterable[TrialRecord], *, progress: Progress | None = None
    ) -> IndexReport:
        """Upsert into the index behind the alias, then refresh so searches see them."""
        report = bulk_index(self.client, self.alias, records, progress=progress)
        with _service("refreshing", self.url):
            self.client.indices.refresh(index=self.alias)
        return report

    def delete(self, ids: Iterable[str]) -> int:
        deleted = bulk_delete(self.client, self.alias, ids)
        with _service("refreshing", self.url):
            self.client.indices.refresh(index=self.alias)
        return deleted

    # Reading

    def get(self, id: str) -> TrialRecord | None:
        with _service(f"getting {id}", self.url):
            try:
                found = self.client.get(index=self.alias, id=id)
            except NotFoundError as exc:
                # A missing document answers {"found": false}; a missing index does not.
                if isinstance(exc.body, dict) and exc.body.get("found") is False:
                    return None
                raise
        return TrialRecord.model_validate(found["_source"])

    def count(self) -> int:
        with _service("counting", self.url):
            return int(self.client.count(index=self.alias)["count"])

    def ids(self, source: str | None = None) -> set[str]:
        query: dict[str, Any] = (
            {"term": {"source.name": source}} if source is not None else {"match_all": {}}
        )
        with _service("listing ids", self.url):
            return {
                hit["_id"]
                for hit in helpers.scan(
                    self.client, index=self.alias, query={"query": query}, _source=False, size=5000
                )
            }

    def coverage_by_source(self) -> dict[str, SourceCoverage]:
        """A scan of the records' coverage paths only (``_source`` filtering), judged in
        Python: criteria and site facilities are not indexed on their own (see
        `index.es_mapping`), so no query or aggregation could tell them apart."""
        if not self.indices():
            return {}
        paths = [SOURCE_PATH, *(p for paths in COVERAGE_FIELDS.values() for p in paths)]
        with _service("reading coverage per source", self.url):
            hits = helpers.scan(
                self.client,
                index=self.alias,
                query={"query": {"match_all": {}}},
                _source=paths,
                size=5000,
            )
            return tally_documents(hit["_source"] for hit in hits)

    def search(self, request: SearchRequest) -> SearchResponse:
        """Hits and facet counts in one `_msearch` round trip, as a validated model."""
        return SearchResponse.model_validate_json(self.search_json(request))

    def search_json(self, request: SearchRequest) -> bytes:
        """`search`'s answer encoded as the API sends it, built from the raw
        `_msearch` bytes. Stored records are already in the contract
        (`es_mapping.DOCUMENT_FORMAT`), so each hit's ``_source`` is copied
        through as JSON text: a page of trials with hundreds of sites is never
        turned into Python objects. A facet search failing or timing out is
        reported on its facets, not raised; the hits search failing raises as a
        plain search would."""
        started = time.perf_counter()
        after = None
        if request.cursor:
            width = len(sort_clause(request))
            after = cursors.decode(request.cursor, self.name, request.sort, width)
        expand = self.analysis.expand_synonyms_in_python
        plan = facet_searches(request, expand_synonyms=expand)
        searches = msearch_body(
            request,
            index=self.alias,
            expand_synonyms=expand,
            search_after=after,
            timeout=SEARCH_TIMEOUT,
            facets=plan,
        )
        # One parser per call: a simdjson parser serves one document at a time,
        # and requests arrive on many threads.
        parser = simdjson.Parser()
        with_hits = hits_search_needed(request, plan)
        with _service("searching", self.url):
            try:
                answer = self.raw_client.msearch(searches=searches)
                document: Any = parser.parse(answer.body)
                responses = document["responses"]
                found = responses[0] if with_hits else None
                if found is not None and "error" in found:
                    raise _item_error(answer.meta, found.as_dict())
            except ApiError as exc:
                if after is not None and exc.status_code == 400:
                    raise SearchRequestError(
                        "cursor does not fit this query; start from the first page"
                    ) from exc
                raise
        hits: list[dict[str, Any]] = []
        next_cursor = None
        late: set[str] = set()
        if found is not None:
            raw_hits = found["hits"]["hits"]
            shown = min(len(raw_hits), request.size)
            hits = [self._hit_data(raw_hits[i], request) for i in range(shown)]
            if len(raw_hits) > request.size and shown:
                last = raw_hits[shown - 1]["sort"].as_list()
                next_cursor = cursors.encode(self.name, request.sort, last)
            if found.get("timed_out"):
                late.update(request.facet_names())
            del raw_hits

        total: int | None = None
        counts: dict[str, dict[str, Any]] = {}
        for i, facet_search in enumerate(plan, start=1 if with_hits else 0):
            counted = responses[i]
            if "error" in counted or counted.get("timed_out"):
                late.update(facet_search.names)
                continue
            if facet_search.counts_total:
                total = int(counted["hits"]["total"]["value"])
            aggregations = counted["aggregations"].as_dict() if "aggregations" in counted else {}
            for name in facet_search.names:
                counts[name] = aggregations.get(name, {})
        if total is None:
            tracked = found["hits"].get("total") if found is not None else None
            total = int(tracked["value"]) if tracked is not None else self._count(request)
        del found, responses, document  # frees the parser's document
        facets = [
            self._facet_data(request, name, counts.get(name, {}), late)
            for name in request.facet_names()
        ]
        return orjson.dumps(
            {
                "total": total,
                "hits": hits,
                "facets": facets,
                "facets_timed_out": [n for n in request.facet_names() if n in late],
                "next_cursor": next_cursor,
                "backend": self.name,
                "took_ms": round((time.perf_counter() - started) * 1000, 2),
            }
        )

    @property
    def raw_client(self) -> Elasticsearch:
        """A client that leaves JSON answers as bytes, for `search_json`
        (made once, by whichever request thread comes first)."""
        if self._raw_client is not None:
            return self._raw_client
        with self._raw_lock:
            if self._raw_client is None:
                self._raw_client = Elasticsearch(
                    self.url,
                    request_timeout=self.client.transport.node_pool.get().config.request_timeout,
                    retry_on_timeout=True,
                    max_retries=2,
                    connections_per_node=CONNECTIONS,
                    serializers={"application/json": _RawJson()},
                )
            return self._raw_client

    def _count(self, request: SearchRequest) -> int:
        """The total when no search counted it (its facet search failed): one `_count`."""
        with _service("counting", self.url):
            query = count_query(request, expand_synonyms=self.analysis.expand_synonyms_in_python)
            return int(self.client.count(index=self.alias, query=query)["count"])

    @staticmethod
    def _facet_data(
        request: SearchRequest, name: str, terms: dict[str, Any], late: set[str]
    ) -> dict[str, Any]:
        chosen = set(request.selected(name))
        return {
            "name": name,
            "truncated": terms.get("sum_other_doc_count", 0) > 0,
            "values": [
                {"value": str(b["key"]), "count": b["doc_count"], "selected": b["key"] in chosen}
                for b in terms.get("buckets", [])
            ],
            "timed_out": name in late,
        }

    def _hit_data(self, raw: Any, request: SearchRequest) -> dict[str, Any]:
        """One hit from its lazily parsed `_msearch` entry."""
        source = raw["_source"]
        record: Any
        sites: Any
        if self._documents_complete(raw["_index"]):
            record = orjson.Fragment(source.mini)
            sites = source.get("sites") or []
        else:
            full = TrialRecord.model_validate_json(source.mini)
            record = full.model_dump(mode="json", by_alias=True)
            sites = record["sites"]
        score = raw.get("_score")
        hit: dict[str, Any] = {
            "record": record,
            "score": float(score) if score is not None else None,
            "highlights": raw["highlight"].as_dict() if "highlight" in raw else {},
            "nearest_site": None,
            "distance_km": None,
        }
        if request.near is not None:
            nearest = nearest_site_json(sites, request.near, request.radius_km)
            if nearest is not None:
                site, distance = nearest
                hit["nearest_site"] = site if isinstance(site, dict) else orjson.Fragment(site.mini)
                hit["distance_km"] = round(distance, 3)
        return hit

    def _documents_complete(self, index: str) -> bool:
        """Whether ``index`` stores records whole (nulls included); older indices
        left nulls out, and their records are completed through the model. Read
        once per index: an index's document format never changes."""
        known = self._complete.get(index)
        if known is None:
            with _service(f"reading the mapping of {index}", self.url):
                mapping = self.client.indices.get_mapping(index=index)[index]["mappings"]
            known = mapping.get("_meta", {}).get("documents") == DOCUMENT_FORMAT
            self._complete[index] = known
        return known

    def facet_values(
        self, name: str, request: SearchRequest | None = None, size: int = 100
    ) -> Facet:
        # Counts cover the whole result set, so a cursor has no place here.
        req = facet_request(name, request, size).model_copy(update={"cursor": None})
        return self.search(req).facets[0]

    def suggest(self, field: str, prefix: str, size: int = 10) -> list[str]:
        prefix = suggest_prefix(field, prefix)
        if not prefix:
            return []
        body = suggest_body(field, prefix, max(1, min(size, 100)))
        with _service("suggesting", self.url):
            found = self.client.search(index=self.alias, **body)
        return [str(b["key"]) for b in found["aggregations"]["values"]["buckets"]]


__all__ = ["ElasticsearchBackend", "MigrationResult", "facet_field"]
