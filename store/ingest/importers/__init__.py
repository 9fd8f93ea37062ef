"""`kz-brief import`: documents as admins have them (HTML, PDF, DOCX, text, URLs) into the
`NAME.txt` + `NAME.meta.toml` pairs the indexer reads. One module per format, `fetch` for
URLs, `batch` for the orchestration."""

from store.ingest.importers.base import Extracted, Found, ImportFailure
from store.ingest.importers.batch import STATUSES, ImportOutcome, import_sources
from store.ingest.importers.fetch import FetchLimits

__all__ = [
    "STATUSES",
    "Extracted",
    "FetchLimits",
    "Found",
    "ImportFailure",
    "ImportOutcome",
    "import_sources",
]
