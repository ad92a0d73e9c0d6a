"""Corpus files -> a live index generation (dense vectors in Chroma plus a Japanese-aware lexical index)."""
