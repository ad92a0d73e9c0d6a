"""A per-corpus adapter: a linear map on the embedder's question vectors, fitted on the corpus's own pairs (each
FAQ entry's published question, embedded as a question, and that entry's passage), so that questions land nearer
the passages of the city's own wording (ADR 0011). No resident's question trains it; no label is needed.

The fit (shared/studies/adapter.md): a d×d matrix W from the identity; in-batch InfoNCE between normalise(q W)
and the batch's passages, plus a penalty for moving away from the identity; Adam. The check: the same fit on
the entries outside a held-out fifth (split by a digest of the entry's id), and the held-out entries' own
questions ranked against every passage with and without it. A published question nearly always finds its own
passage first already (the passage holds it), so ranks alone rarely move: the check also reads how clearly it is
found (the loss over every passage: the fit's own objective, on entries it never saw), and keeps the adapter when
that falls. Its ranks are reported beside it. The city's canary questions (ingest/canaries.py) are a last check:
one that finds its source lower with the adapter keeps it out (ingest/index.py)."""

from __future__ import annotations

import hashlib
import time
from dataclasses import asdict, dataclass

import numpy as np

FILE = "adapter.npy"


@dataclass(frozen=True)
class AdapterFit:
    """How to fit one: the loss's temperature, the pull back to the identity, Adam's step, the passes."""

    temperature: float = 0.05
    penalty: float = 0.1
    learning_rate: float = 1e-3
    epochs: int = 20
    batch: int = 128
    seed: int = 0


@dataclass(frozen=True)
class AdapterCheck:
    """The build's own check: the held-out entries' questions ranked against every passage, without and with an
    adapter fitted on the other entries (MRR and the share ranked first), and whether the adapter is kept."""

    pairs: int
    held_out: int
    loss_without: float
    loss_with: float
    mrr_without: float
    mrr_with: float
    first_without: float
    first_with: float
    kept: bool
    seconds: float
    reason: str
    canaries: int = 0  # canary questions checked (canaries.yaml), and how many found their source lower with it
    canaries_lower: int = 0

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def unit(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    return np.asarray(rows / np.maximum(norms, 1e-12))


def adapt(vector: np.ndarray, matrix: np.ndarray | None) -> np.ndarray:
    """A question's vector (or rows of them) through the adapter, unit length again; unchanged without one."""
    return vector if matrix is None else unit(vector @ matrix)


def fit(questions: np.ndarray, passages: np.ndarray, how: AdapterFit = AdapterFit()) -> np.ndarray:
    """W such that normalise(questions[i] W) finds passages[i] among the others (row i of each is one pair)."""
    d = questions.shape[1]
    matrix = np.eye(d, dtype=np.float64)
    first, second = np.zeros_like(matrix), np.zeros_like(matrix)
    beta1, beta2, step = 0.9, 0.999, 0
    order = np.random.default_rng(how.seed)
    q, p = questions.astype(np.float64), passages.astype(np.float64)
    for _ in range(how.epochs):
        shuffled = order.permutation(len(q))
        for start in range(0, len(q), how.batch):
            rows = shuffled[start : start + how.batch]
            if len(rows) < 2:
                continue
            gradient = _gradient(matrix, q[rows], p[rows], how)
            step += 1
            first = beta1 * first + (1 - beta1) * gradient
            second = beta2 * second + (1 - beta2) * gradient**2
            corrected = first / (1 - beta1**step), second / (1 - beta2**step)
            matrix -= how.learning_rate * corrected[0] / (np.sqrt(corrected[1]) + 1e-8)
    return matrix.astype(np.float32)


def _gradient(matrix: np.ndarray, q: np.ndarray, p: np.ndarray, how: AdapterFit) -> np.ndarray:
    """The loss's gradient in W: cross-entropy of each question over the batch's passages, and the penalty."""
    z = q @ matrix
    norms = np.linalg.norm(z, axis=1, keepdims=True)
    u = z / norms
    logits = u @ p.T / how.temperature
    logits -= logits.max(axis=1, keepdims=True)
    soft = np.exp(logits)
    soft /= soft.sum(axis=1, keepdims=True)
    soft[np.arange(len(q)), np.arange(len(q))] -= 1.0
    d_u = soft @ p / (how.temperature * len(q))
    d_z = (d_u - u * np.sum(d_u * u, axis=1, keepdims=True)) / norms
    d = matrix.shape[0]
    return np.asarray(q.T @ d_z + 2 * how.penalty * (matrix - np.eye(d)) / d)


def held_out(entry_ids: list[str], share: float = 0.2) -> np.ndarray:
    """Which entries the check holds out: a fixed share, chosen by a digest of each id (the same every build)."""
    digests = [int(hashlib.sha256(i.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF for i in entry_ids]
    return np.array([digest < share for digest in digests])


def ranks(questions: np.ndarray, passages: np.ndarray, own: np.ndarray) -> np.ndarray:
    """The rank (1 = first) of each question's own passage (``own[i]``, a row of ``passages``) among them all."""
    scores = questions @ passages.T
    mine = scores[np.arange(len(questions)), own]
    return np.asarray((scores > mine[:, None]).sum(axis=1) + 1)


def lower_with(matrix: np.ndarray, questions: np.ndarray, passages: np.ndarray, sources: list[set[int]]) -> int:
    """How many questions rank their best source (``sources[i]``: rows of ``passages``) lower through the
    adapter ``matrix`` than without it."""
    questions, passages = unit(questions.astype(np.float32)), unit(passages.astype(np.float32))
    lower = 0
    for question, rows in zip(questions, sources, strict=True):
        ranks = []
        for vector in (question, adapt(question, matrix)):
            scores = passages @ vector
            ranks.append(int((scores > max(scores[row] for row in rows)).sum()))
        lower += ranks[1] > ranks[0]
    return lower


def loss(questions: np.ndarray, passages: np.ndarray, own: np.ndarray, temperature: float) -> float:
    """The mean cross-entropy of each question's own passage among every passage (how clearly it is found)."""
    logits = questions @ passages.T / temperature
    top = logits.max(axis=1, keepdims=True)
    log_sum = np.log(np.exp(logits - top).sum(axis=1)) + top[:, 0]
    return float(np.mean(log_sum - logits[np.arange(len(questions)), own]))


def fit_checked(
    entry_ids: list[str],
    questions: np.ndarray,
    passages: np.ndarray,
    extra: tuple[np.ndarray, np.ndarray] | None = None,
    least: int = 50,
    how: AdapterFit = AdapterFit(),
) -> tuple[np.ndarray | None, AdapterCheck]:
    """(the adapter, or None, and the check behind that choice). Row i of ``questions`` and ``passages`` is
    entry ``entry_ids[i]``; ``extra`` adds (question, passage) pairs to the training only (confirmed residents'
    phrasings). Fewer than ``least`` entries: no adapter (too few to fit or to check)."""
    started = time.perf_counter()
    pairs = len(entry_ids) + (0 if extra is None else len(extra[0]))
    if len(entry_ids) < least:
        return None, AdapterCheck(pairs, 0, 0, 0, 0, 0, 0, 0, False, 0.0, f"fewer than {least} entries")
    questions, passages = unit(questions.astype(np.float32)), unit(passages.astype(np.float32))
    out = held_out(entry_ids)
    train_q, train_p = questions[~out], passages[~out]
    if extra is not None and len(extra[0]):
        train_q = np.concatenate([train_q, unit(extra[0])])
        train_p = np.concatenate([train_p, unit(extra[1])])
    own = np.flatnonzero(out)
    trial = fit(train_q, train_p, how)
    adapted = adapt(questions[out], trial)
    before, after = ranks(questions[out], passages, own), ranks(adapted, passages, own)
    mrr = float(np.mean(1 / before)), float(np.mean(1 / after))
    losses = loss(questions[out], passages, own, how.temperature), loss(adapted, passages, own, how.temperature)
    kept = losses[1] < losses[0]
    matrix = None
    if kept:
        all_q, all_p = questions, passages
        if extra is not None and len(extra[0]):
            all_q, all_p = np.concatenate([all_q, unit(extra[0])]), np.concatenate([all_p, unit(extra[1])])
        matrix = fit(all_q, all_p, how)
    check = AdapterCheck(
        pairs=pairs,
        held_out=int(out.sum()),
        loss_without=round(losses[0], 4),
        loss_with=round(losses[1], 4),
        mrr_without=round(mrr[0], 4),
        mrr_with=round(mrr[1], 4),
        first_without=round(float(np.mean(before == 1)), 4),
        first_with=round(float(np.mean(after == 1)), 4),
        kept=kept,
        seconds=round(time.perf_counter() - started, 2),
        reason="the held-out entries' own passages are found more clearly"
        if kept
        else "no gain on the held-out entries",
    )
    return matrix, check
