"""The dense store: a Chroma collection per view of a generation, holding our own embeddings only.

A search reads one view (a chunk's question, or its question and answer), and a collection of its own keeps
that search on the index: a metadata filter over one collection of both views made Chroma walk every stored
view's metadata first (12 ms a search at 4,000 views, ten times that at 40,000; 2 ms without). A local store
lives inside the generation's directory; with a Chroma server URL a generation's collections are named
``madoguchi-<generation>-<view>`` on that server. Chroma's default embedding function is never
used (it would download a model): every vector is computed by our embedder and passed in.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import chromadb
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.config import Settings as ChromaSettings


def _chroma_settings() -> ChromaSettings:
    """A fresh object per client: chromadb's clients write their own fields into the one they are given."""
    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


VIEWS = ("q", "qa")  # what is embedded per chunk: its question (or heading), and question plus answer


def collection_name(generation: str, view: str) -> str:
    return f"madoguchi-{generation}-{view}"


def open_client(generation_dir: Path, chroma_url: str | None) -> ClientAPI:
    if chroma_url:
        url = urlparse(chroma_url)
        return chromadb.HttpClient(
            host=url.hostname or "localhost",
            port=url.port or (443 if url.scheme == "https" else 8000),
            ssl=url.scheme == "https",
            settings=_chroma_settings(),
        )
    return chromadb.PersistentClient(path=str(generation_dir / "chroma"), settings=_chroma_settings())


@contextmanager
def writing(generation_dir: Path, chroma_url: str | None) -> Iterator[ClientAPI]:
    """A client to write a generation's store with. A local one is closed after use, so that the next client of
    that store starts afresh and reads what was written (an open one is shared by every later client of the same
    path in this process, even after its files are removed)."""
    client = open_client(generation_dir, chroma_url)
    try:
        yield client
    finally:
        if not chroma_url:
            client.close()  # type: ignore[attr-defined]


def create_collections(client: ClientAPI, generation: str) -> dict[str, Collection]:
    """A new generation's empty collections, by view."""
    return {
        view: client.create_collection(
            collection_name(generation, view), configuration={"hnsw": {"space": "cosine"}}, embedding_function=None
        )
        for view in VIEWS
    }


def open_collections(client: ClientAPI, generation: str) -> dict[str, Collection]:
    """A generation's collections, by view."""
    return {view: client.get_collection(collection_name(generation, view), embedding_function=None) for view in VIEWS}


def write_vectors(
    client: ClientAPI,
    collection: Collection,
    ids: list[str],
    vectors: list[list[float]],
    metadatas: list[dict[str, Any]],
    replacing: bool = False,
) -> None:
    """Write vectors in batches the store accepts; ``replacing``: an id already stored gets the new vector."""
    step = client.get_max_batch_size()
    write = collection.upsert if replacing else collection.add
    for start in range(0, len(ids), step):
        end = start + step
        write(ids=ids[start:end], embeddings=vectors[start:end], metadatas=metadatas[start:end])  # type: ignore[arg-type]


def drop_collections(generation_dir: Path, chroma_url: str | None, generation: str) -> None:
    """Forget a generation's vectors on a server (a local store goes with its directory)."""
    if chroma_url:
        client = open_client(generation_dir, chroma_url)
        stored = {c.name for c in client.list_collections()}
        for name in (collection_name(generation, view) for view in VIEWS):
            if name in stored:
                client.delete_collection(name)
