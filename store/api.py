"""The one small search API that the CLI and every Slack handler call.

`store.search.searcher.Searcher` implements it over an index generation; tests may hand handlers
any object with the same methods.
"""

from __future__ import annotations

from typing import Protocol

# Handlers turn a reply in a thread the bot answered into a question with this.
from store.search.query import follow_up_question
from store.types import Answer, DateFilter, DocumentInfo, Hit, IndexInfo


class SearchAPI(Protocol):
    def answer(self, question: str, k: int = 3, sort: str | None = None) -> Answer:
        """Read filters (`since:2008`, `sort:date`) from the question, search, and explain."""
        ...

    def search(
        self,
        query: str,
        k: int = 3,
        filters: DateFilter | None = None,
        sort: str = "relevance",
    ) -> list[Hit]:
        """The best passages for `query`, best first (or oldest first with sort='date')."""
        ...

    def documents(self) -> list[DocumentInfo]:
        """Every indexed document, oldest first, undated last."""
        ...

    def passage(self, chunk_id: str) -> Hit | None:
        """The passage `chunk_id` of the generation being served (None: not in it), so a
        feedback click on a passage that no longer exists is refused."""
        ...

    def info(self) -> IndexInfo:
        """The generation being served."""
        ...

    def refresh(self) -> None:
        """Serve the newest index generation from now on (after an in-process re-index);
        otherwise a searcher notices a new one by itself within a second or two."""
        ...


__all__ = ["SearchAPI", "follow_up_question"]
