"""The city's desks a resident is sent to, from the generation's departments.yaml: the general enquiries desk
(where a handoff goes when no one department is clearly in charge) and the multilingual consultation desk (under
an answer the city did not publish in the resident's language)."""

from __future__ import annotations

from typing import Any

from ingest.languages import NAMES


def general_desk(manifest: dict[str, Any], lang: str) -> tuple[str, str]:
    """The general enquiries desk of a generation's departments.yaml in ``lang``: its name, and its phone with
    its hours; City Hall without one."""
    general = manifest.get("departments", {}).get("general", {})
    names = named_in(general, lang)
    if not names:
        return ("市役所" if lang == "ja" else "City Hall"), ""
    hours = names.get("hours", "")
    phone = str(general.get("phone", ""))
    return names.get("name", ""), f"{phone} ({hours})" if hours else phone


def multilingual_desk(manifest: dict[str, Any], lang: str) -> str:
    """The city's multilingual consultation desk (departments.yaml ``multilingual``: its name and hours by
    language, ``phone``, ``languages``, an ``interpreter`` line where the city has one) as one line, in ``lang``
    where the city wrote it so (else English, else Japanese); "" where the city has none."""
    desk = manifest.get("departments", {}).get("multilingual", {})
    names = named_in(desk, lang)
    if not names:
        return ""
    spoken = " ".join(NAMES.get(str(code), str(code)) for code in desk.get("languages", []))
    parts = [names.get("name", ""), str(desk.get("phone", "")), f"({names['hours']})" if names.get("hours") else ""]
    parts += [f"[{spoken}]" if spoken else "", f"☎ {desk['interpreter']}" if desk.get("interpreter") else ""]
    return " ".join(part for part in parts if part)


def named_in(entry: Any, lang: str) -> dict[str, Any]:
    """An entry of departments.yaml's names and hours in ``lang``, else in English, else in Japanese."""
    if not isinstance(entry, dict):
        return {}
    return next((entry[x] for x in (lang, "en", "ja") if isinstance(entry.get(x), dict)), {})
