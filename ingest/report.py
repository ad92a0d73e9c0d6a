"""IngestReport: what an ingest did, readable as text and as one JSON object."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ingest.load import Rejection


@dataclass
class IngestReport:
    files: int = 0  # corpus files read
    documents: int = 0
    chunks: int = 0
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    skipped: list[Rejection] = field(default_factory=list)  # documentation files (README, LICENSE)
    learned: int = 0  # learned phrasings kept with the generation (ingest/learned.py)
    learned_dropped: list[str] = field(default_factory=list)  # ids of those whose entry changed or went
    adapter: dict[str, Any] = field(default_factory=dict)  # the adapter's check (ingest/adapter.py)
    embedded: int = 0  # texts sent to the embedder (new chunks' views, new FAQs' questions as asked)
    generation: str | None = None  # the live generation after this ingest
    promoted: bool = False  # whether this ingest made a new generation live
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.rejections

    def to_json(self) -> dict[str, Any]:
        """The machine-readable form: counts first, then the details behind them."""
        return {
            "files": self.files,
            "rejected_files": len(self.rejected_files),
            "documents": self.documents,
            "chunks": self.chunks,
            "added": len(self.added),
            "changed": len(self.changed),
            "removed": len(self.removed),
            "unchanged": self.unchanged,
            "rejected": len(self.rejections),
            "embedded": self.embedded,
            "learned": self.learned,
            "learned_dropped": self.learned_dropped,
            "adapter": self.adapter,
            "generation": self.generation,
            "promoted": self.promoted,
            "seconds": round(self.seconds, 3),
            "changes": {"added": self.added, "changed": self.changed, "removed": self.removed},
            "rejections": [asdict(r) for r in self.rejections],
            "skipped": [asdict(r) for r in self.skipped],
        }

    @property
    def rejected_files(self) -> set[str]:
        return {rejection.file for rejection in self.rejections}

    def __str__(self) -> str:
        if self.rejections:
            lines = [
                f"Ingest refused: {len(self.rejections)} problem(s) in {len(self.rejected_files)} of {self.files} "
                "files; nothing was promoted."
            ]
            lines += [f"  - {rejection}" for rejection in self.rejections]
            return "\n".join(lines)
        state = "promoted" if self.promoted else "unchanged, still live"
        lines = [
            f"Generation {self.generation} ({state}) in {self.seconds:.1f} s",
            f"  {self.files} files, {self.documents} documents -> {self.chunks} chunks; {self.embedded} texts embedded",
            f"  added {len(self.added)}, changed {len(self.changed)}, removed {len(self.removed)}, "
            f"unchanged {self.unchanged}",
        ]
        if self.learned or self.learned_dropped:
            lines.append(
                f"  learned phrasings: {self.learned} kept, {len(self.learned_dropped)} dropped (entry changed)"
            )
        if self.adapter:
            lines.append(f"  adapter: {describe_adapter(self.adapter)}")
        lines += [f"  skipped {skipped}" for skipped in self.skipped]
        for label, ids in (("added", self.added), ("changed", self.changed), ("removed", self.removed)):
            if ids:
                shown = ", ".join(ids[:10]) + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")
                lines.append(f"  {label}: {shown}")
        return "\n".join(lines)


def describe_adapter(check: dict[str, Any]) -> str:
    """One line for the adapter's check: kept or not, why, and the held-out entries' figures."""
    state = "kept" if check.get("kept") else "not used"
    if not check.get("held_out"):
        return f"{state} ({check.get('reason')})"
    return (
        f"{state}: {check['reason']} (loss {check['loss_without']:.3f} -> {check['loss_with']:.3f}, MRR "
        f"{check['mrr_without']:.3f} -> {check['mrr_with']:.3f}, first "
        f"{check['first_without']:.3f} -> {check['first_with']:.3f} over {check['held_out']} held-out entries; "
        f"{check['pairs']} pairs, {check['seconds']:.1f} s)"
    )
