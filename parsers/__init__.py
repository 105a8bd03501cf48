"""Pure parsers: raw bytes or registry JSON in, `TrialRecord` out.

Nothing here imports Scrapy, Airflow or Elasticsearch.
"""
