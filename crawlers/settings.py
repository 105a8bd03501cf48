"""Scrapy project settings for Trialdex crawlers: polite by default.

Tests and benchmarks switch the politeness delays off through overrides
(`crawlers.listing_cli.crawl_listing(settings_overrides=...)`); production
runs keep them. Trialdex's own settings are prefixed ``TRIALDEX_``.
"""

from __future__ import annotations

from core import __version__, config

BOT_NAME = "trialdex"
SPIDER_MODULES = ["crawlers.listing_spider", "crawlers.ctgov_spider"]

# Where raw responses and the crawl frontier live (``--raw-dir`` overrides).
_CONFIG = config.load()
TRIALDEX_RAW_DIR = str(_CONFIG.raw_dir("listing"))
# Sites must be able to reach whoever runs the crawler.
TRIALDEX_CONTACT_URL = _CONFIG.contact_url


def user_agent(contact_url: str) -> str:
    return f"TrialdexBot/{__version__} (+{contact_url})"


USER_AGENT = user_agent(TRIALDEX_CONTACT_URL)

ROBOTSTXT_OBEY = True
ROBOTSTXT_CRAWL_DELAY_MAX = 30.0  # a site's Crawl-delay is honoured up to this many seconds

# Politeness: a few parallel requests per site, paced by observed latency.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.5
DOWNLOAD_DELAY_JITTER = 0.5  # ±50%, so requests do not tick like a metronome
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
DOWNLOAD_TIMEOUT = 30

# Pages larger than this are refused (logged, reported as failed); a listing
# page is tens of kilobytes.
DOWNLOAD_MAXSIZE = 5 * 1024 * 1024
DOWNLOAD_WARNSIZE = 1024 * 1024

# Retries: 5xx and 429, waiting Retry-After or an exponential backoff.
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 1.0  # seconds before the first retry without Retry-After
RETRY_BACKOFF_MAX = 60.0
RETRY_AFTER_MAX = 600.0  # a longer Retry-After gives the page up instead of stalling the crawl

# Items per response processed in parallel: a response yields one page and a few
# links, and Scrapy would start this many tasks for each response (100 by default).
CONCURRENT_ITEMS = 4

COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"

# The frontier (crawlers.frontier) deduplicates URLs durably; an in-memory
# fingerprint set as well would only grow with the site.
DUPEFILTER_CLASS = "scrapy.dupefilters.BaseDupeFilter"

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawlers.middlewares.RobotsCrawlDelayMiddleware": 100,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawlers.middlewares.RetryAfterMiddleware": 550,
    # Below compression and redirects on the way out, so a 304 is turned back
    # into the stored page before anything else looks at it.
    "crawlers.middlewares.ConditionalRequestMiddleware": 585,
    # Per-request work with nothing to do here (no site credentials; the run
    # summary comes from the frontier, not from downloader stats).
    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
    "scrapy.downloadermiddlewares.stats.DownloaderStats": None,
}
SPIDER_MIDDLEWARES = {
    # Last on the way out: sees only requests every other middleware let through.
    "crawlers.middlewares.FrontierMiddleware": 10,
    # The spider follows only trial and listing URL patterns, and the frontier
    # visits each once: depth and URL-length guards add cost per link, not safety.
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
}
ITEM_PIPELINES = {
    "crawlers.pipelines.RawStorePipeline": 300,
}
