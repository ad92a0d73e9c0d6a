"""What one question carries through the pipeline, and the services the steps share."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from langchain_core.embeddings import Embeddings

from ingest.chunk import Chunk
from ingest.live import LiveIndex
from service.answer.calibration import Baseline, Calibration
from service.answer.pick import Pick
from service.answer.query_cache import Recent
from service.answer.rows import RowIndex, asks_where_to_evacuate
from service.answer.screening import Screening
from service.settings import Settings

if TYPE_CHECKING:
    from service.answer.outcomes import Outcome
    from service.store.cases import CaseQueue
    from service.store.conversations import Turn
    from service.store.database import Store
    from service.store.notices import NoticeBoard
    from service.store.switches import SwitchBoard


class Composer(Protocol):
    """Writes the answer in place of the extractive one (service/answer/generate.py), or returns the extractive one."""

    def compose(self, ctx: Context, extractive: Outcome) -> Outcome: ...


@dataclass
class Services:
    """Opened once by the app's lifespan; shared by every request."""

    settings: Settings
    index: LiveIndex
    embedder: Embeddings
    store: Store
    screening: Screening
    calibration: Calibration
    cases: CaseQueue
    baseline: Baseline  # the corpus's own scores when it holds no answer (service/live/baseline.py)
    rows: RowIndex  # the items and places the corpus's open-data lists name (service/answer/rows.py)
    composer: Composer | None = None  # None: extractive answers only
    notices: NoticeBoard | None = None  # the emergency notices of the service's database (none in evaluation)
    switches: SwitchBoard | None = None  # the operators' off switches (none in evaluation)
    # the candidates of recent questions on this generation, by (question, language, day) (service/answer/retrieve.py)
    searches: Recent[tuple[str, str, str], tuple[Candidate, ...]] = field(default_factory=lambda: Recent(0))
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)  # the time office hours are read at


@dataclass
class Candidate:
    """A chunk retrieval found, with the evidence for it."""

    position: int
    chunk: Chunk
    score: float = 0.0  # fused score: the mean of the searches' normalised scores, 0..1
    dense: float = 0.0  # best cosine similarity over the chunk's views
    lexical: float = 0.0  # BM25 score
    ranks: dict[str, int] = field(default_factory=dict)  # rank in each search, 1-based


@dataclass
class ComposerTrace:
    """Who wrote the answer, for the response and the audit: the extractive composer, or a model that passed
    the grounding check; ``fallback`` says why a model's answer was not shown."""

    composer: str = "extractive"
    model: str | None = None
    prompt_version: str | None = None
    fallback: str | None = None


@dataclass
class Context:
    question: str  # cleaned; masked by the screen step before anything stores or logs it
    lang: str
    conversation_id: str  # what is stored; the resident holds the token it is derived from
    services: Services
    conversation_token: str = ""  # returned to the resident to continue the conversation
    stands_alone: bool = False  # True: no turns are read for a follow-up (a location names its own question)
    fresh: bool = False  # the server started this conversation with this question: no turn or case of it exists
    personal_data: list[str] = field(default_factory=list)
    history: list[Turn] = field(default_factory=list)
    query: str = ""  # what retrieval searches for (the question, or the question with its context)
    query_vector: list[float] | None = None  # the query's embedding, as retrieval searched with it
    candidates: list[Candidate] = field(default_factory=list)
    features: dict[str, float] = field(default_factory=dict)
    confidence: float = 0.0
    timings_ms: dict[str, float] = field(default_factory=dict)
    follow_up: bool = False  # searched together with the turn before it
    named_rows: int = 0  # the question names this many rows of an open-data list, first among the candidates
    sensitive_category: str | None = None  # the screening category that handed the question off
    composer: ComposerTrace = field(default_factory=ComposerTrace)
    on_token: Callable[[str], None] | None = None  # hears a generative composer's words as they come
    answer_id: str = field(default_factory=lambda: uuid.uuid4().hex)  # what feedback on this answer refers to
    chosen: Pick | None = None  # what the resident picked from the choices offered (service/answer/pick.py)
    easy_japanese: bool = False  # a Japanese answer comes with the readings of its harder kanji (furigana)
    channel: str = "api"  # web (the chat page), api or line: what an off switch may pause
    location: tuple[float, float] | None = None  # where the resident is (latitude, longitude), when they sent it
    distances: dict[int, float] = field(default_factory=dict)  # candidate position -> metres from ``location``

    @property
    def asks_where_to_evacuate(self) -> bool:
        """The question asks where to go in a disaster: the city's emergency notices are shown first."""
        return self.location is not None or asks_where_to_evacuate(self.question)
