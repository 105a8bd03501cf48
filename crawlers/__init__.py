"""Scrapy spiders and pipelines: they navigate and store raw pages; parsing lives in `parsers`."""
