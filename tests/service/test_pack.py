"""The procurement pack, built from the running configuration: what it says follows the settings, the live
generation and the database; only what the city alone knows is left for it to fill in; the pages stand alone."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from ingest.report import IngestReport
from service.report.procurement import FILL, gather, write_pack
from service.settings import Settings

MADE = dt.date(2026, 12, 5)


def pack(settings: Settings, out: Path) -> dict[str, str]:
    written = write_pack(gather(settings, MADE, results=out / "no-results"), out / "pack")
    return {path.name: path.read_text(encoding="utf-8") for path in written}


def test_the_pack_says_what_the_settings_and_the_live_generation_say(sample_index: tuple[Path, IngestReport], tmp_path):
    settings = Settings(
        index_dir=sample_index[0], database_url=f"sqlite:///{tmp_path / 'db.sqlite'}", case_retention_days=90
    )
    files = pack(settings, tmp_path)
    assert sorted(files) == sorted(
        f"{name}.{lang}.{kind}"
        for name in ("risk-assessment", "notice-to-residents", "terms-of-use", "operations")
        for lang in ("ja", "en")
        for kind in ("md", "html")
    )
    risk = files["risk-assessment.ja.md"]
    assert "作成日: 2026-12-05" in risk and sample_index[1].generation in risk
    assert "外部に送られるデータはありません" in risk  # no language model configured
    assert "引継ぎ案件と職員とのやり取り（解決後）: 90日" in risk
    assert "市役所総合案内 0465-00-1000" in files["notice-to-residents.ja.md"]
    assert "python -m eval outcomes" in files["risk-assessment.en.md"]  # no evaluation run here: how to run one

    shorter = pack(
        settings.model_copy(update={"case_retention_days": 30, "llm_base_url": "http://10.0.0.5:8080/v1"}),
        tmp_path / "again",
    )
    assert "引継ぎ案件と職員とのやり取り（解決後）: 30日" in shorter["risk-assessment.ja.md"]
    assert (
        "10.0.0.5" in shorter["risk-assessment.ja.md"]
        and "外部に送られるデータはありません" not in shorter["risk-assessment.ja.md"]
    )


def test_the_pack_leaves_only_the_citys_own_fields_open_and_its_pages_stand_alone(sample_index, tmp_path):
    files = pack(Settings(index_dir=sample_index[0], database_url=f"sqlite:///{tmp_path / 'db.sqlite'}"), tmp_path)
    for name, text in files.items():
        lang = name.split(".")[1]
        items = re.findall(r"<li>(.*?)</li>", text) if name.endswith(".html") else re.findall(r"^- (.*)$", text, re.M)
        for item in items:
            if FILL[lang] in item:  # a field only the city can fill in: named, and nothing else open in it
                assert item.endswith(": " + FILL[lang]) and item.count(FILL[lang]) == 1, (name, item)
        assert not re.search(r"TODO|TBD|XXX|\{[a-z_]+\}|\bNone\b", text), name
        if name.endswith(".html"):
            assert not re.search(r"<(script|link|img|iframe)\b", text), name  # nothing fetched from anywhere
            assert not re.search(r"(src|href)=['\"]?https?:", text), name


def test_the_pack_command_says_in_one_line_why_it_cannot_write(sample_index, tmp_path, monkeypatch, capsys):
    from service.pack import main

    monkeypatch.setenv("MADOGUCHI_INDEX_DIR", str(sample_index[0]))
    monkeypatch.setenv("MADOGUCHI_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite'}")
    a_file = tmp_path / "not-a-folder"
    a_file.write_text("")
    assert main(["--out", str(a_file)]) == 2
    said = capsys.readouterr().err
    assert said.count("\n") == 1 and "is a file" in said and "Traceback" not in said
    monkeypatch.setenv("MADOGUCHI_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert main(["--out", str(tmp_path / "pack")]) == 2
    said = capsys.readouterr().err
    assert said.count("\n") == 1 and "database is unreachable" in said
