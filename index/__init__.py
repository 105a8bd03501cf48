"""The search side: Elasticsearch (mapping, alias lifecycle, bulk, search) and the
embedded SQLite backend behind the same interface (`index.backend.SearchBackend`).

Open one with ``index.open_backend()``; describe a search with
``index.search_models.SearchRequest``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from index.backend import SearchBackend


def open_backend(*args: Any, **kwargs: Any) -> SearchBackend:
    """See `index.backend.open_backend` (imported lazily to keep `import index` light)."""
    from index.backend import open_backend as _open

    return _open(*args, **kwargs)
