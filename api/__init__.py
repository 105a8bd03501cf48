"""The search API for downstream apps (``/v1``) and the search page for researchers (``/``).

Both sit on `index.backend.SearchBackend`, so they work on Elasticsearch and
on the embedded SQLite backend alike. Build the app with `api.app.create_app`.
"""
