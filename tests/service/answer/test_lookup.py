"""Answers from a row of a real city's garbage list (Takamatsu, as published): the item's row however the
resident writes the item, the class and note verbatim and cited with the publisher's attribution; an item the
list does not name goes to the list's department, never to a neighbouring item; collection days by district."""

from __future__ import annotations

import dataclasses
import shutil
import uuid

import pytest

from ingest.index import ingest
from ingest.live import open_live
from service.answer.context import Context, Services
from service.answer.outcomes import NO_COORDINATES
from service.answer.pick import Pick
from service.answer.pipeline import run
from service.answer.rows import RowIndex, distance_m, suits
from service.live.services import open_services
from service.settings import Settings
from tests.helpers import TEST_DATA

TAKAMATSU = TEST_DATA / "takamatsu"


@pytest.fixture(scope="module")
def garbage(tmp_path_factory: pytest.TempPathFactory, default_spec) -> Services:
    """Takamatsu's garbage list, collection days and evacuation lists with their README and LICENSE, ingested
    (real model)."""
    root = tmp_path_factory.mktemp("takamatsu")
    for folder in (
        "garbage_separation_list",
        "garbage_collection_date",
        "evacuation_space",
        "tsunami_evacuation_building",
    ):
        shutil.copytree(TAKAMATSU / folder, root / "corpus" / folder)
    for document in ("README.md", "LICENSE"):
        shutil.copy(TAKAMATSU / document, root / "corpus" / document)
    ingest(root / "corpus", root / "index", default_spec, progress=False)
    settings = Settings(index_dir=root / "index", database_url=f"sqlite:///{root / 'db.sqlite'}")
    return open_services(settings, open_live(settings.index_dir))


def answer(services: Services, question: str, lang: str = "ja") -> tuple:
    ctx = Context(question=question, lang=lang, conversation_id=uuid.uuid4().hex, services=services)
    return run(ctx), ctx


@pytest.mark.parametrize(
    ("question", "item"),
    [
        ("フライパンは何ごみ？", "フライパン"),
        ("ふらいぱんを捨てたい", "フライパン"),
        ("ﾌﾗｲﾊﾟﾝの分別を教えて", "フライパン"),
        ("でんしれんじは何ごみですか", "電子レンジ"),
        ("リュックサックの捨て方", "りュックサック"),  # the list's own kana slip
        ("ふとん2枚は何ごみ", "ふとん(2枚まで)"),
        ("ふとん5枚を捨てたい", "ふとん(3枚以上)"),
        ("布団を3枚処分したい", "ふとん(3枚以上)"),
        ("スプレー缶の出し方", "スプレー缶"),
        ("段ボールの出し方", "段ボール箱"),  # all but a short head: 段ボール|箱
        ("紙おむつは何ごみ", "おむつ(紙おむつを含む)"),  # what the row says it includes
        ("ノートパソコンを捨てたい", "パソコン(ノート型)"),  # the row whose qualifier the question names
    ],
)
def test_an_item_however_written_is_answered_from_its_row(garbage, question, item):
    outcome, ctx = answer(garbage, question)
    assert outcome.outcome == "answered" and ctx.confidence >= garbage.settings.handoff_threshold
    assert outcome.citations[0].title == item
    row = ctx.candidates[0].chunk
    assert row.text in outcome.answer  # the class and note verbatim
    assert "出典：高松市オープンデータ（CC BY 4.0）" in outcome.answer
    assert outcome.citations[0].section.startswith("ごみ分別一覧")


@pytest.mark.parametrize(
    ("question", "lang", "rows", "picked"),
    [
        (
            "ペットボトルのキャップは何ごみ？",
            "ja",
            ["キャップ(金属製)", "キャップ(プラスチック製)"],
            "キャップ(プラスチック製)",
        ),
        (
            "ペットボトルのふたは何ごみ",
            "ja",
            ["ふた・キャップ(金属製)"],
            "ふた・キャップ(金属製)",
        ),  # one of a row's names
        ("でんちは何ごみ", "ja", ["乾電池(筒形)"], "乾電池(筒形)"),  # all but a short modifier: 乾|電池
        ("How do I dispose of batteries?", "en", ["乾電池(筒形)"], "乾電池(筒形)"),  # the glossary's 乾電池
    ],
)
def test_an_item_whose_rows_differ_by_a_condition_is_asked_which_then_answered_from_the_pick(
    garbage, question, lang, rows, picked
):
    outcome, _ = answer(garbage, question, lang)
    assert outcome.outcome == "clarify" and outcome.answer and not outcome.citations
    offered = {choice.title: choice.id for choice in outcome.choices}
    assert set(rows) <= set(offered) and len(offered) >= 2  # the rows that differ, as the list names them
    ctx = Context(question=question, lang=lang, conversation_id=uuid.uuid4().hex, services=garbage)
    ctx.chosen = Pick.parse(offered[picked])  # what the resident's pick asks
    answered = run(ctx)
    assert answered.outcome == "answered" and [c.title for c in answered.citations] == [picked]
    assert ctx.candidates[0].chunk.text in answered.answer


@pytest.mark.parametrize(
    "question",
    [
        "ルンバは何ごみ？",
        "ドローンを捨てたい",
        "ヨガマットの捨て方を教えて",
        "墓石は何ごみ",
        "ガスボンベ(業務用)は何ごみ？",  # a kind the row ガスボンベ does not list
        "銃は何ごみ？",  # じゅう is not the start of じゅうたん
        "薪ストーブは何ごみ？",  # a longer compound: not ガスストーブ, not ストーブ
        "How do I dispose of a jet ski?",  # a jet ski is no ski
    ],
)
def test_an_item_the_list_does_not_name_goes_to_its_department_and_is_never_guessed(garbage, question):
    outcome, _ = answer(garbage, question)
    assert outcome.outcome.startswith("handoff") and outcome.citations == []
    assert outcome.department == "ごみ・リサイクルの担当課"


@pytest.mark.parametrize(
    ("question", "item"),
    [
        ("What kind of garbage is a microwave?", "電子レンジ"),  # the glossary's 電子レンジ
        ("How do I dispose of a sofa?", "ソファー"),  # a loanword, transliterated
        ("Which garbage is a hair dryer?", "ドライヤー"),
    ],
)
def test_an_english_question_finds_the_row_of_a_list_without_english_names(garbage, question, item):
    outcome, _ = answer(garbage, question, "en")
    assert outcome.outcome == "answered" and outcome.citations[0].title == item
    assert item in outcome.answer and "(in Japanese)" in outcome.answer  # the item as the list names it


def test_collection_days_are_answered_from_the_row_of_the_district(garbage):
    outcome, ctx = answer(garbage, "松島の燃やせるごみの日はいつ？")
    assert outcome.outcome == "answered"
    row = ctx.candidates[0].chunk
    assert row.category == "garbage_collection" and "松島" in row.title
    assert "燃やせるごみ：毎週火・金曜日" in outcome.answer


def test_evacuation_sites_of_the_named_district_suited_to_the_named_hazard_are_listed_as_published(garbage):
    outcome, ctx = answer(garbage, "日新地区で津波のとき避難できる場所はどこ？")
    assert outcome.outcome == "answered" and outcome.citations
    shown = ctx.candidates[: len(outcome.citations)]
    for candidate in shown:
        chunk = candidate.chunk
        suited = chunk.category == "tsunami_building" or chunk.fields.get("tsunami") in ("○", "△")
        assert suited and ("日新" in chunk.fields.get("district", "") or "日新" in chunk.fields.get("address", ""))
        assert chunk.text in outcome.answer  # name, address, capacity as the list says
    assert not any(word in outcome.answer for word in ("km", "メートル先", "徒歩"))  # no distance is invented


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("洪水のときはどこに避難すればいいですか", "ja"),
        ("Where is the nearest evacuation site if there is an earthquake?", "en"),
    ],
)
def test_an_evacuation_question_that_names_no_place_is_asked_which_district_then_answered(garbage, question, lang):
    outcome, _ = answer(garbage, question, lang)
    assert outcome.outcome == "clarify" and outcome.answer
    districts = {choice.title: choice.id for choice in outcome.choices}
    assert "日新" in districts and districts["日新"].startswith("place:") and len(districts) > 5
    named, ctx = answer(garbage, f"日新 {question}", lang)  # what the pick of 日新 asks
    assert named.outcome == "answered" and named.citations
    assert all(
        "日新" in c.chunk.fields.get("district", "") + c.chunk.fields.get("address", "")
        for c in ctx.candidates[: len(named.citations)]
    )


def test_none_of_the_districts_goes_to_the_disaster_desk(garbage):
    ctx = Context(
        question="洪水のときはどこに避難すればいいですか", lang="ja", conversation_id=uuid.uuid4().hex, services=garbage
    )
    ctx.chosen = Pick.parse("none")
    outcome = run(ctx)
    assert outcome.outcome.startswith("handoff") and outcome.department == "防災の担当課"


def ask(services: Services, question: str, lang: str) -> tuple:
    return answer(services, question, lang)


def test_the_sample_city_answers_an_item_from_its_own_list_with_its_department(services):
    outcome, _ = ask(services, "フライパンは何ごみ？", "ja")
    assert outcome.outcome == "answered" and outcome.citations[0].title == "フライパン"
    assert "燃やさないごみ" in outcome.answer and outcome.department == "環境清掃課"


def test_an_english_question_is_answered_from_the_japanese_row_naming_the_item_in_japanese(services):
    outcome, _ = ask(services, "How do I throw away a frying pan?", "en")
    assert outcome.outcome == "answered" and outcome.citations[0].title == "フライパン"
    assert "frying pan is 「フライパン」" in outcome.answer and "燃やさないごみ" in outcome.answer


def test_the_sample_citys_tsunami_sites_leave_out_a_site_unfit_for_a_tsunami(services):
    outcome, _ = ask(services, "港南で津波のときの避難場所は？", "ja")
    assert [c.title for c in outcome.citations] == ["港南高校"]
    assert "3階以上に避難してください" in outcome.answer


def test_a_resident_who_sends_where_they_are_gets_the_nearest_sites_for_the_hazard_with_distances(garbage):
    here = (34.3470, 134.0450)  # in the middle of Takamatsu
    ctx = Context(
        question="津波のときの避難場所は", lang="ja", conversation_id=uuid.uuid4().hex, services=garbage, location=here
    )
    outcome = run(ctx)
    sites = [c.chunk for c in ctx.candidates[: ctx.named_rows]]
    assert outcome.outcome == "answered" and len(sites) == garbage.settings.sites_shown
    distances = [distance_m(here, (float(s.fields["latitude"]), float(s.fields["longitude"]))) for s in sites]
    assert distances == sorted(distances)
    every = [  # every site of the city's two lists that suits a tsunami, by distance: the first of them are shown
        distance_m(here, position)
        for p, position in garbage.rows.coordinates.items()
        if suits(garbage.index.chunks[p], "tsunami")
    ]
    assert distances == sorted(every)[: len(sites)]
    assert all(suits(site, "tsunami") for site in sites)
    assert f"約{distances[0] / 1000:.1f} km" in outcome.answer and "google.com/maps" in outcome.answer
    assert "34.3" not in sites[0].text  # coordinates are data, never shown as the row's text


def test_without_coordinates_in_the_lists_a_location_is_answered_by_district(garbage):
    chunks = [
        dataclasses.replace(c, fields={k: v for k, v in c.fields.items() if k not in ("latitude", "longitude")})
        for c in garbage.index.chunks
    ]
    without = dataclasses.replace(garbage, rows=RowIndex.of(chunks))
    assert without.rows.coordinates == {} and garbage.rows.coordinates
    ctx = Context(
        question="避難場所はどこ",
        lang="ja",
        conversation_id=uuid.uuid4().hex,
        services=without,
        location=(34.34, 134.04),
    )
    outcome = run(ctx)
    assert outcome.outcome == "clarify" and outcome.answer.startswith(NO_COORDINATES["ja"])
    assert [choice.title for choice in outcome.choices] == without.rows.districts
