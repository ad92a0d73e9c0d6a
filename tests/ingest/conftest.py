"""Fixtures of the ingest tests."""

import shutil

import pytest

from tests.helpers import copy_corpus


@pytest.fixture
def working_index(tmp_path, sample_index):
    """A private copy of the ingested sample corpus and of its index, free to change."""
    corpus = copy_corpus(tmp_path / "corpus")
    index_dir = tmp_path / "index"
    shutil.copytree(sample_index[0], index_dir)
    return corpus, index_dir
