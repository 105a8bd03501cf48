"""The pipeline's task logic as plain functions: crawl, parse, quality gate, index,
reconcile and reparse.

The Airflow DAGs in ``dags/`` only wire these together; everything here runs
(and is tested) without Airflow. Big data moves between steps as files under a
partition directory keyed by source and data interval; steps return small
JSON-able summaries (paths and counts) that Airflow passes through XCom.
"""
