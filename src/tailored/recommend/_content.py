"""Content-based recommendations: TF-IDF over item text and attributes (scikit-learn)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import scipy.sparse as sp
from pydantic import BaseModel, ConfigDict, Field

from ._scoring import Columns, Scores, ScoringModel

if TYPE_CHECKING:
    from ._interactions import Interactions

_NON_WORD = re.compile(r"\W+")


class ContentConfig(BaseModel):
    """Settings of :class:`ContentBased`."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    ngram_max: int = Field(2, ge=1, le=3)
    """Word n-grams from 1 to this length become terms."""
    min_df: int = Field(1, ge=1)
    """Terms found in fewer items are dropped."""
    max_features: int | None = Field(100_000, ge=1)
    """Keep at most this many terms (the most frequent); ``None`` keeps them all."""
    sublinear_tf: bool = True
    """Count a term repeated ``n`` times in one item as ``1 + log n``."""


class Describable(Protocol):
    """What :func:`item_documents` reads from an item (the catalog's ``Item`` has it all)."""

    @property
    def item_id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def description(self) -> str | None: ...
    @property
    def categories(self) -> Sequence[str]: ...
    @property
    def brand(self) -> str | None: ...
    @property
    def tags(self) -> Sequence[str]: ...
    @property
    def properties(self) -> Mapping[str, Any]: ...


def _token(*parts: object) -> str:
    return _NON_WORD.sub("_", "_".join(str(p) for p in parts)).strip("_").lower()


def item_documents(items: Iterable[Describable]) -> dict[str, str]:
    """One text per item: its words plus attribute terms such as ``brand_acme``.

    Attribute terms keep ``brand: Acme`` apart from the word "acme" in a description, and
    whole category names match as one term as well as word by word.
    """
    docs: dict[str, str] = {}
    for item in items:
        words = [item.title, item.description or "", *item.categories, *item.tags]
        terms = [_token("category", c) for c in item.categories]
        terms += [_token("tag", t) for t in item.tags]
        if item.brand:
            words.append(item.brand)
            terms.append(_token("brand", item.brand))
        terms += [
            _token(key, value)
            for key, value in sorted(item.properties.items())
            if isinstance(value, str | int | bool)
        ]
        docs[item.item_id] = " ".join([*words, *terms])
    return docs


class ContentBased(ScoringModel):
    """Recommends items whose text resembles the user's items (TF-IDF, cosine).

    Knows every item of ``documents`` even without interactions, so new items are reachable
    from the first day: ``similar()`` and ``recommend_for_items()`` range over them all.

    Args:
        documents: Item id to text (see :func:`item_documents` for catalog items).
        config: TF-IDF settings.
    """

    def __init__(self, documents: Mapping[str, str], config: ContentConfig | None = None) -> None:
        self.documents = dict(documents)
        self.config = config or ContentConfig()

    @property
    def item_ids(self) -> tuple[str, ...]:
        """The fitted interactions' items, then the items known only by their text."""
        return self._ids

    @property
    def item_position(self) -> Mapping[str, int]:
        """Column of every id in :attr:`item_ids`."""
        return self._position

    def _fit(self, data: Interactions) -> None:
        # scikit-learn is imported when needed: it costs about a second at start-up.
        from sklearn.feature_extraction.text import TfidfVectorizer

        known = set(data.items)
        self._ids = data.items + tuple(i for i in self.documents if i not in known)
        self._position = {item: n for n, item in enumerate(self._ids)}
        c = self.config
        vectorizer = TfidfVectorizer(
            ngram_range=(1, c.ngram_max),
            min_df=c.min_df,
            max_features=c.max_features,
            sublinear_tf=c.sublinear_tf,
            dtype=np.float32,
        )
        texts = [self.documents.get(i, "") for i in self._ids]
        if any(t.strip() for t in texts):
            self.vectors: sp.csr_matrix = vectorizer.fit_transform(texts).tocsr()
        else:
            self.vectors = sp.csr_matrix((len(texts), 1), dtype=np.float32)
        self._collaborative = self.vectors[: len(data.items)]

    def _user_scores(self, users: Columns) -> Scores:
        profiles = self.data.matrix[users] @ self._collaborative
        return np.asarray((profiles @ self.vectors.T).toarray(), dtype=np.float32)

    def _history_scores(self, cols: Columns, strengths: Scores) -> Scores:
        profile = sp.csr_matrix(strengths.reshape(1, -1)) @ self.vectors[cols]
        return np.asarray((self.vectors @ profile.T).toarray(), dtype=np.float32).ravel()

    def _item_scores(self, col: int) -> Scores:
        return np.asarray((self.vectors @ self.vectors[col].T).toarray(), dtype=np.float32).ravel()
