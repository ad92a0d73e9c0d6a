"""English names of the things residents throw away, as the Japanese names a city's garbage list may use for
them: "How do I throw away a frying pan?" asks about フライパン. The thing is what is left of the question once
its asking words are taken out; its Japanese names come from a glossary of household things
(``service/data/items_en.tsv``) and, for loanwords (sofa, printer, guitar), from a katakana transliteration
(e2k's small character model, on this machine). Which of the names the list really has is for the lookup to
say: a name it does not have finds nothing, and the question is handed off."""

from __future__ import annotations

import re
from functools import cache, lru_cache
from importlib import resources

from threadpoolctl import threadpool_limits

from ingest.text import stem

# Words with which residents ask about putting something out, rather than name the thing.
_ASKING = frozenset(
    """a an the my our your this that these those old used broken empty big large small how what which where when
    do does did could should would i we is are be to of for with in on it its kind type sort category class
    garbage trash rubbish waste recycling recycle recyclable throw away dispose disposal get rid put out take
    separate sort day days collection collected go goes belong please tell me know want need bin""".split()
)
_PRONOUNS = frozenset("i we you they".split())
_WORD = re.compile(r"[a-z]+")


def thing(question: str) -> str:
    """The thing a question names, in its own words, singular: "How should I dispose of spray cans?" is
    "spray can"."""
    said = _WORD.findall(question.lower())
    kept = [
        word
        for word, following in zip(said, [*said[1:], ""], strict=True)
        if word not in _ASKING and not (word == "can" and following in _PRONOUNS)  # "can I", not a can
    ]
    return " ".join(stem(word) for word in kept)


def japanese_names(question: str) -> list[str]:
    """The Japanese names the thing may go by, likeliest first: the glossary's, then its transliteration."""
    named = thing(question)
    if not named:
        return []
    spellings = dict.fromkeys((named, named.replace(" ", "")))  # "frying pan" and "fryingpan"
    names = [*_glossary().get(named, []), *(_katakana(spelling) for spelling in spellings)]
    return list(dict.fromkeys(name for name in names if name))


@cache
def _glossary() -> dict[str, list[str]]:
    text = resources.files("service").joinpath("data/items_en.tsv").read_text(encoding="utf-8")
    lines = [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]
    return {english.strip(): japanese.strip().split(";") for english, japanese in lines[1:]}


@cache
def _transliterate():  # type: ignore[no-untyped-def]
    from e2k import C2K  # loaded on first use: only English questions about garbage need it

    return C2K()


@lru_cache(maxsize=4096)
def _katakana(words: str) -> str:
    # One BLAS thread: the model is tiny, and OpenBLAS's idle threads would otherwise spin beside the embedder's
    # for a while after each call (measured: retrieval 20 % slower on 2 cores).
    with threadpool_limits(limits=1, user_api="blas"):
        return str(_transliterate()(words))
