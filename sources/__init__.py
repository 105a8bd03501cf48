"""Sources of trials behind one seam: see `sources.base` for the protocol.

* `sources.ctgov`: ClinicalTrials.gov (API v2 harvester);
* `sources.listing`: patient-facing listing sites (`sources.listing_sites`
  holds their configuration);
* `sources.registry`: the adapter of a source name, and those of the raw
  stores on disk.
"""
