"""The one door: what a resident sent, from any channel, becomes one Context there and nowhere else; a pick is
parsed once, into its kind."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from service.answer.pick import Pick
from service.api.door import Said, conversation_key, enter, hear
from service.errors import ConflictError
from tests.helpers import ROOT

# Files of ours a plain question walks from the door to its recorded answer (issue 43 aims at ten; measured
# with this test's own tracer). A ratchet: a change that makes the path longer fails here and says so.
FILES_WALKED_MAX = 28


@pytest.mark.parametrize("choice", ["ja-cert-juminhyo", "none", "place:中央地区"])
def test_a_pick_is_parsed_into_its_kind_and_offered_again_as_it_came(choice):
    pick = Pick.parse(choice)
    assert pick.id == choice
    assert (pick.entry is not None) == (pick.kind == "entry") and pick.none == (choice == "none")
    assert pick.kind == {"none": "none", "place:中央地区": "place"}.get(choice, "entry")


def test_a_line_button_position_is_the_choice_offered_there_and_a_stale_one_stays_unresolved():
    offered = ["ja-cert-juminhyo", "ja-cert-konbini"]
    assert Pick("at", "1").resolved(offered) == Pick.parse("ja-cert-konbini")
    assert Pick("at", "2").resolved(offered).kind == "at"  # refused as a choice not offered


def test_a_question_in_a_conversation_the_server_does_not_know_starts_a_new_one_except_on_line(services):
    made_up = "a-token-the-resident-made-up"
    web = enter(Said("web", made_up, question="住民票の写しはどこで取れますか"), services)
    assert web.conversation_token != made_up and web.fresh and web.channel == "web"
    line = enter(Said("line", "line-" + "a" * 48, question="住民票の写しはどこで取れますか"), services)
    assert line.conversation_token == "line-" + "a" * 48 and line.conversation_id == conversation_key(
        line.conversation_token
    )


def test_a_pick_where_nothing_was_offered_is_refused(services):
    with pytest.raises(ConflictError) as refused:
        enter(Said("api", "no-such-conversation", pick=Pick.parse("ja-cert-juminhyo")), services)
    assert refused.value.code == "nothing_to_choose"


def test_asking_again_needs_a_question_asked_before(services):
    with pytest.raises(ConflictError) as refused:
        enter(Said("line", "line-" + "b" * 48, again=True, easy_japanese=True), services)
    assert refused.value.code == "nothing_to_ask_again"


def test_a_picked_choice_is_answered_from_that_entry(services):
    asked = hear(Said("api", question="住民票の写しはどこでもらえますか"), services)
    assert asked.outcome == "clarify" and len(asked.choices) >= 2
    second = asked.choices[1].id
    picked = hear(Said("api", asked.conversation_id, pick=Pick.parse(second)), services)
    assert picked.outcome == "answered" and picked.citations[0].id.split("#")[0] == second


def files_walked(services, said: Said) -> list[str]:
    seen: dict[str, None] = {}

    def trace(frame, event, _arg):
        name = frame.f_code.co_filename
        if event == "call" and name.startswith(str(ROOT)) and "/.venv/" not in name and "/tests/" not in name:
            seen.setdefault(str(Path(name).relative_to(ROOT)), None)

    sys.setprofile(trace)
    try:
        hear(said, services)
    finally:
        sys.setprofile(None)
    return list(seen)


def test_a_plain_question_walks_no_more_files_than_it_did(services):
    hear(Said("api", question="粗大ごみを出したいです"), services)  # the first question loads what is lazy
    walked = files_walked(services, Said("api", question="住民票の写しはどこでもらえますか"))
    assert "service/api/door.py" in walked and "service/api/respond.py" in walked
    assert len(walked) <= FILES_WALKED_MAX, walked
