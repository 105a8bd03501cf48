"""What every layer of Trialdex may import: its version, its settings, atomic files.

* `core.config`: every setting (environment, Airflow Variable or param, CLI
  flag) resolved in one place with one default each;
* `core.atomic`: files that appear whole or not at all.

This package imports nothing from the rest of the project except the error
types of `parsers.errors`, so any layer can depend on it.
"""

__version__ = "0.1.0"
