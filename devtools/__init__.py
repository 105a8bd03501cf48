"""Tooling around the product, never imported by it.

What lives here serves developers, tests and demonstrations, not a
deployment: the benchmarks (`bench_*`), the generated listing site
(`sample_site` with its `sample_data` and `sample_pages`), the local
ClinicalTrials.gov API v2 emulator (`ctgov_emulator`), the registry-scale
record generator (`generator`), the development Elasticsearch server
(`dev_es`), and the demo harness that runs the DAGs through Airflow
(`demo`, `airflow_runner`). The `trialdex` console script exposes them as
``bench``, ``sample-site``, ``ctgov-emulator``, ``dev-es`` and ``demo``.

The layer contract (``make lint``) keeps the product packages from
importing anything here.
"""
