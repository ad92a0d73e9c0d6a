"""The settings reference (docs/settings.md), generated from the settings models themselves so that it never
drifts: ``python -m eval.settings_reference > docs/settings.md``. A test fails when the file differs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import SecretStr
from pydantic_core import PydanticUndefined

from eval.settings import EvalSettings
from ingest.settings import IngestSettings
from service.settings import Settings

GROUPS = (
    (IngestSettings, "Ingest (also read by the service)", "`ingest/settings.py`"),
    (Settings, "Service", "`service/settings.py`"),
    (EvalSettings, "Evaluation (`python -m eval`)", "`eval/settings.py`"),
)
HEADER = """# Settings reference

Every setting is an environment variable with the prefix `MADOGUCHI_`, read in one place per part (the service's
settings extend ingest's; the eval's extend the service's). A bad value refuses to start and names the key. In a
tenants file (docs/deployment.md) any setting is written by its lower-case name.

Generated from the settings models by `python -m eval.settings_reference > docs/settings.md`; a test fails when
this file and the models differ.
"""


def shown(value: Any) -> str:
    if value is None or isinstance(value, SecretStr):
        return "unset"
    if isinstance(value, Path):
        return f"`{value.as_posix()}`"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, (list, tuple, set, frozenset)):
        return "`" + ",".join(str(item) for item in value) + "`" if value else "empty"
    text = str(value)
    return f"`{text}`" if text else "empty"


def default_of(field: Any) -> str:
    if field.default is not PydanticUndefined:
        return shown(field.default)
    if field.default_factory is not None:
        return shown(field.default_factory())
    return "required"


def reference() -> str:
    lines = [HEADER]
    seen: set[str] = set()
    for model, title, where in GROUPS:
        fields = {name: field for name, field in model.model_fields.items() if name not in seen}
        seen |= set(fields)
        lines += [f"## {title}", "", f"Defined in {where}.", "", "| variable | default | meaning |", "|---|---|---|"]
        for name, field in fields.items():
            meaning = " ".join((field.description or "").split()).replace("|", "\\|")
            lines.append(f"| `MADOGUCHI_{name.upper()}` | {default_of(field)} | {meaning} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(reference(), end="")
