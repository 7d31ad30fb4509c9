"""Training corpus for boilerstrip, derived from the staged research corpora.

``python -m boilerstrip.data build`` reads the source archives in place, renders every
page into scraper-style plain text in each of ``html.STYLES``, labels every line by
aligning it with the source's gold (or, for L3S-GN1, from its block annotations),
adds aggregator and clean documents, and writes site-disjoint train/dev/test files.
Nothing built here is shipped: several sources are research-use only.
"""

from .align import align_lines, tokens
from .build import read_records
from .corpora import Page, read_all, read_source, site_of

__all__ = ["Page", "read_all", "read_source", "site_of", "align_lines", "tokens", "read_records"]
