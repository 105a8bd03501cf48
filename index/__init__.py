"""The search side: Elasticsearch (mapping, alias lifecycle, bulk, search) and the
embedded SQLite backend behind the same interface."""
