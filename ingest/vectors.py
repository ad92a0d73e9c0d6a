"""The dense store: one Chroma collection per generation, holding our own embeddings only.

A local store lives inside the generation's directory; with a Chroma server URL every generation is a
collection named ``madoguchi-<generation>`` on that server. Chroma's default embedding function is never
used (it would download a model): every vector is computed by our embedder and passed in.
"""

from __future__ import annotations

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


def collection_name(generation: str) -> str:
    return f"madoguchi-{generation}"


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


def create_collection(client: ClientAPI, generation: str) -> Collection:
    return client.create_collection(
        collection_name(generation), configuration={"hnsw": {"space": "cosine"}}, embedding_function=None
    )


def open_collection(client: ClientAPI, generation: str) -> Collection:
    return client.get_collection(collection_name(generation), embedding_function=None)


def write_vectors(
    client: ClientAPI,
    collection: Collection,
    ids: list[str],
    vectors: list[list[float]],
    metadatas: list[dict[str, Any]],
) -> None:
    step = client.get_max_batch_size()
    for start in range(0, len(ids), step):
        end = start + step
        collection.add(ids=ids[start:end], embeddings=vectors[start:end], metadatas=metadatas[start:end])  # type: ignore[arg-type]


def drop_collection(generation_dir: Path, chroma_url: str | None, generation: str) -> None:
    """Forget a generation's vectors on a server (a local store goes with its directory)."""
    if chroma_url:
        client = open_client(generation_dir, chroma_url)
        if collection_name(generation) in {c.name for c in client.list_collections()}:
            client.delete_collection(collection_name(generation))
