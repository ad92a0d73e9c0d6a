"""The residents' chat page in a real headless Chromium against the running service: answers with citation
links in Japanese and English, handoffs and emergencies shown plainly, follow-ups, feedback, text that stays
text, and axe-core finding no WCAG 2.1 A/AA violation. Screenshots go to test-artifacts/."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from sqlalchemy import create_engine, select

from ingest.index import IndexSpec, ingest
from ingest.languages import LANGUAGES
from service.api.door import conversation_key
from service.store.cases import CaseQueue
from service.store.database import Store
from service.store.notices import NoticeBoard
from service.store.schema import cases, feedback
from tests.conftest import Server, screenshot, server_on
from tests.helpers import answered, axe_violations, page_wait

HOSTILE = '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">'


@pytest.fixture
def chat_server(server: Server) -> Server:
    """The session's server: the chat page needs no setting of its own."""
    return server


@pytest.fixture
def chat(chrome, chat_server):
    chrome.get(chat_server.base_url + "/")
    chrome.execute_script(
        "sessionStorage.clear(); localStorage.clear(); sessionStorage.setItem('madoguchi-lang', 'ja')"
    )
    chrome.get(chat_server.base_url + "/")
    return chrome


def wait(driver, seconds: float = 30):
    return page_wait(driver, seconds)


def ask(driver, question: str):
    """Type a question and press Enter; the assistant's reply once it has arrived."""
    before = len(driver.find_elements(By.CSS_SELECTOR, "#messages > li.assistant"))
    box = driver.find_element(By.ID, "question")
    box.send_keys(question, Keys.ENTER)
    return wait(driver).until(
        lambda d: (replies := d.find_elements(By.CSS_SELECTOR, "#messages > li.assistant"))[before:] and replies[-1]
    )


def answer_of(driver, question: str):
    """The assistant's answer to a question: at once, or after the first of the choices is picked."""
    reply = ask(driver, question)
    choices = reply.find_elements(By.CSS_SELECTOR, "ul.choices button")
    if not choices:
        return reply
    before = len(driver.find_elements(By.CSS_SELECTOR, "#messages > li.assistant"))
    choices[0].click()
    return wait(driver).until(
        lambda d: (replies := d.find_elements(By.CSS_SELECTOR, "#messages > li.assistant"))[before:] and replies[-1]
    )


def test_easy_japanese_puts_the_readings_of_harder_kanji_over_the_answer_and_keeps_its_words(chat):
    chat.find_element(By.ID, "easy").click()
    reply = answer_of(chat, "粗大ごみを出したいです")
    answer = reply.find_element(By.CSS_SELECTOR, ".answer")
    readings = {rt.get_attribute("textContent") for rt in answer.find_elements(By.CSS_SELECTOR, "ruby rt")}
    assert "そだい" in readings and "ごみ" not in readings  # kana are never read again
    without_readings = chat.execute_script(
        "const p = arguments[0].cloneNode(true); p.querySelectorAll('rt').forEach((rt) => rt.remove());"
        "return p.textContent;",
        answer,
    )
    assert without_readings.startswith("大きな ごみ（粗大ごみ）の 出し方です。")  # the city's own easy text
    screenshot(chat, "chat-easy-japanese")
    assert axe_violations(chat) == []


def test_a_japanese_question_gets_an_answer_with_a_citation_link(chat, chat_server):
    reply = answer_of(chat, "粗大ごみを出したいです")
    screenshot(chat, "chat-answer-ja")
    assert "粗大ごみ" in reply.find_element(By.CSS_SELECTOR, ".answer").text
    link = reply.find_element(By.CSS_SELECTOR, ".sources a")
    expected = answered(chat_server.http, "粗大ごみを出したいです")["citations"][0]
    assert link.get_attribute("href") == expected["url"] and link.get_attribute("rel") == "noopener noreferrer"
    assert f"{expected['updated']}時点" in reply.find_element(By.CSS_SELECTOR, ".sources").text
    assert reply.get_attribute("lang") == "ja"


def test_an_unsure_question_offers_its_likely_entries_as_buttons_picked_by_keyboard(chat, chat_server):
    reply = ask(chat, "住民票の写しはどこでもらえますか")
    buttons = reply.find_elements(By.CSS_SELECTOR, "ul.choices button")
    offered = chat_server.http.post("/v1/ask", json={"question": "住民票の写しはどこでもらえますか"}).json()["choices"]
    assert [b.text for b in buttons[:-1]] == [c["title"] for c in offered] and buttons[-1].text == "この中にはない"
    assert chat.switch_to.active_element == buttons[0]  # the keyboard is on the first choice
    heading = reply.find_element(By.CSS_SELECTOR, "h3")
    assert reply.find_element(By.CSS_SELECTOR, "ul.choices").get_attribute("aria-labelledby") == heading.get_attribute(
        "id"
    )
    screenshot(chat, "chat-choices")
    assert axe_violations(chat) == []
    before = len(chat.find_elements(By.CSS_SELECTOR, "#messages > li.assistant"))
    buttons[0].send_keys(Keys.ENTER)
    answer = wait(chat).until(
        lambda d: (replies := d.find_elements(By.CSS_SELECTOR, "#messages > li.assistant"))[before:] and replies[-1]
    )
    link = answer.find_element(By.CSS_SELECTOR, ".sources a")
    assert offered[0]["title"] in link.text and all(not b.is_enabled() for b in buttons)


def test_the_page_opens_with_the_entries_most_asked_this_month_and_one_click_asks_it(chrome, sample_index, tmp_path):
    running = server_on(sample_index[0], tmp_path, report_min_cell="2", starting_points_refresh_s="0")
    try:
        question = "公民館の休館日は条例でどう決まっていますか"  # answered at once
        for _ in range(2):
            assert running.http.post("/v1/ask", json={"question": question}).json()["outcome"] == "answered"
        entries = running.http.get("/v1/starting-points", params={"lang": "ja"}).json()["entries"]
        assert [entry["id"] for entry in entries] == ["ja-reg-facilities"] and question not in str(entries)
        chrome.get(running.base_url + "/")
        chrome.execute_script(
            "sessionStorage.clear(); localStorage.clear(); sessionStorage.setItem('madoguchi-lang', 'ja')"
        )
        chrome.get(running.base_url + "/")
        button = wait(chrome).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#starting-list button"))[0]
        assert button.text == entries[0]["title"] and chrome.find_element(By.ID, "starting").is_displayed()
        assert axe_violations(chrome) == []
        button.click()
        reply = wait(chrome).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#messages > li.assistant"))[0]
        assert wait(chrome).until(lambda d: reply.find_elements(By.CSS_SELECTOR, ".sources a"))
        assert not chrome.find_element(By.ID, "starting").is_displayed()
    finally:
        running.close()


def test_english_switches_the_page_and_the_answer(chat):
    chat.find_element(By.CSS_SELECTOR, "button.lang[data-lang='en']").click()
    assert chat.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert (
        "AI" in chat.find_element(By.ID, "notice").text
        and "artificial intelligence" in chat.find_element(By.ID, "notice").text
    )
    reply = answer_of(chat, "How do I get a copy of my residence certificate?")
    screenshot(chat, "chat-answer-en")
    assert reply.find_element(By.CSS_SELECTOR, ".sources a").get_attribute("href").startswith("https://")
    assert "as of" in reply.find_element(By.CSS_SELECTOR, ".sources").text


def labels(driver) -> dict[str, str]:
    """The page's own labels as shown, by their key."""
    return {node.get_attribute("data-i18n"): node.text for node in driver.find_elements(By.CSS_SELECTOR, "[data-i18n]")}


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "ja"])
def test_each_language_of_the_menu_switches_the_whole_page_and_keeps_it_accessible(chat, lang):
    japanese = {
        node.get_attribute("data-i18n"): node.text for node in chat.find_elements(By.CSS_SELECTOR, "[data-i18n]")
    }
    chat.find_element(By.CSS_SELECTOR, f"button.lang[data-lang='{lang}']").click()
    assert chat.find_element(By.TAG_NAME, "html").get_attribute("lang") == lang
    shown = labels(chat)
    assert all(shown[key] and shown[key] != japanese[key] for key in ("title", "notice", "question", "send"))
    assert axe_violations(chat) == []


def test_the_browsers_language_chooses_the_page_and_a_vietnamese_question_is_answered_in_vietnamese(chat, chat_server):
    agent = chat.execute_script("return navigator.userAgent")
    chat.execute_cdp_cmd("Network.setUserAgentOverride", {"userAgent": agent, "acceptLanguage": "vi-VN,vi,en"})
    try:
        chat.execute_script("sessionStorage.clear()")
        chat.get(chat_server.base_url + "/")
        assert chat.find_element(By.TAG_NAME, "html").get_attribute("lang") == "vi"
        reply = ask(chat, "Lấy bản sao phiếu cư trú (juminhyo) ở đâu? Lệ phí bao nhiêu?")  # the city's own
        screenshot(chat, "chat-answer-vi")
        assert reply.get_attribute("lang") == "vi" and "300 yên" in reply.text
        assert reply.find_element(By.CSS_SELECTOR, ".sources a").get_attribute("href").startswith("https://")
        assert axe_violations(chat) == []
    finally:
        chat.execute_cdp_cmd("Network.setUserAgentOverride", {"userAgent": agent})


def test_the_page_links_the_notice_to_residents_written_from_the_services_settings(chat, chat_server):
    chat.find_element(By.ID, "notice-link").click()
    wait(chat).until(
        lambda d: d.find_elements(By.TAG_NAME, "h1") and "AIによる自動回答" in d.find_element(By.TAG_NAME, "h1").text
    )
    page = chat.find_element(By.TAG_NAME, "main").text
    assert "30日" in page and "市役所総合案内 0465-00-1000" in page and "119" in page  # retention, desk, emergencies
    assert "利用規約" in page and "【市が記入】" in page  # the terms, with what only the city can say left to it
    screenshot(chat, "notice-to-residents")
    assert axe_violations(chat) == []
    english = chat_server.http.get("/notice", params={"lang": "en"})
    assert english.status_code == 200 and "kept 30 days" in english.text and "kept for ever" in english.text


def test_a_follow_up_stays_in_the_same_conversation(chat):
    ask(chat, "住民票の写しがほしい")
    first = chat.execute_script("return sessionStorage.getItem('madoguchi-conversation')")
    ask(chat, "郵送でも取れますか？")
    assert chat.execute_script("return sessionStorage.getItem('madoguchi-conversation')") == first
    assert len(chat.find_elements(By.CSS_SELECTOR, "#messages > li.resident")) == 2


def test_a_handoff_shows_the_servers_message_reference_and_department(chat):
    reply = ask(chat, "明日の天気を教えて")
    screenshot(chat, "chat-handoff")
    box = reply.find_element(By.CSS_SELECTOR, ".handoff")
    assert "職員がご案内します" in box.text and "0465-00-" in box.text
    references = re.findall(r"MD-[A-Z0-9]{6}", box.text)
    assert len(references) == 1  # quoted once, in the question's language


def test_a_japanese_question_on_the_english_page_is_handed_off_in_japanese(chat):
    chat.find_element(By.CSS_SELECTOR, "button.lang[data-lang='en']").click()
    reply = ask(chat, "明日の天気を教えて")
    box = reply.find_element(By.CSS_SELECTOR, ".handoff")
    assert "職員がご案内します" in box.text and "A member of staff" not in box.text
    assert reply.get_attribute("lang") == "ja"
    assert "受付番号" in box.text and "Reference" not in box.text


def test_an_emergency_shows_the_emergency_number_first_and_large(chat):
    reply = ask(chat, "隣の家が火事です")
    screenshot(chat, "chat-emergency")
    box = reply.find_element(By.CSS_SELECTOR, ".handoff.emergency")
    first = box.find_elements(By.TAG_NAME, "p")[0]
    assert "119" in first.text
    body_size = float(chat.execute_script("return parseFloat(getComputedStyle(document.body).fontSize)"))
    assert float(first.value_of_css_property("font-size").removesuffix("px")) >= 1.5 * body_size


def test_feedback_buttons_record_a_vote(chat, chat_server):
    reply = answer_of(chat, "犬の登録はどうすればいいですか")
    reply.find_element(By.CSS_SELECTOR, ".feedback button").click()  # 役に立った
    wait(chat).until(lambda d: "ありがとうございます" in reply.find_element(By.CSS_SELECTOR, ".feedback").text)
    engine = create_engine(chat_server.database_url)
    with engine.connect() as connection:
        votes = connection.execute(select(feedback.c.helpful, feedback.c.source)).all()
    engine.dispose()
    assert (True, "resident") in [tuple(vote) for vote in votes]


def test_a_resident_reports_an_answer_wrong_and_gets_the_reference_of_the_case_it_opened(chat, chat_server):
    reply = answer_of(chat, "犬の登録はどうすればいいですか")
    report = reply.find_element(By.XPATH, ".//button[normalize-space()='回答の誤りを報告']")
    report.click()
    assert report.get_attribute("aria-expanded") == "true"
    box = wait(chat).until(lambda d: reply.find_elements(By.CSS_SELECTOR, ".wrong-form textarea"))[0]
    assert chat.switch_to.active_element == box  # the keyboard is where the resident writes
    box.send_keys("手数料の金額が古いようです")
    reply.find_element(By.XPATH, ".//button[normalize-space()='報告する']").click()
    thanks = wait(chat).until(lambda d: re.search(r"受付番号 (MD-\w{6})", reply.text))
    assert axe_violations(chat) == []
    store = Store(chat_server.database_url, 30)
    try:
        with store.engine.connect() as connection:
            row = connection.execute(
                select(cases.c.reason, cases.c.transcript).where(cases.c.reference == thanks.group(1))
            ).one()
    finally:
        store.engine.dispose()
    assert row[0] == "wrong_answer" and "手数料の金額が古いようです" in row[1]


def test_feedback_that_cannot_be_sent_says_so_and_can_be_retried(chrome, sample_index, tmp_path):
    running = server_on(sample_index[0], tmp_path)
    try:
        chrome.get(running.base_url + "/")
        chrome.execute_script(
            "sessionStorage.clear(); localStorage.clear(); sessionStorage.setItem('madoguchi-lang', 'ja')"
        )
        chrome.get(running.base_url + "/")
        reply = answer_of(chrome, "犬の登録はどうすればいいですか")
    finally:
        running.close()  # the service is gone before the resident votes
    reply.find_element(By.CSS_SELECTOR, ".feedback button").click()
    row = reply.find_element(By.CSS_SELECTOR, ".feedback")
    wait(chrome).until(lambda d: "送信できませんでした" in row.text)
    assert "ありがとうございます" not in row.text
    assert all(button.is_enabled() for button in row.find_elements(By.TAG_NAME, "button"))


def test_markup_typed_by_a_resident_shows_as_characters(chat):
    reply = ask(chat, HOSTILE)
    question = chat.find_elements(By.CSS_SELECTOR, "#messages > li.resident .answer")[-1]
    assert question.text == HOSTILE
    assert chat.find_elements(By.CSS_SELECTOR, "#messages img") == []
    assert chat.execute_script("return window.__xss") is None
    assert reply.is_displayed()


def test_markup_inside_an_faq_shows_as_characters(chrome, tmp_path_factory, default_spec: IndexSpec):
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "corpus" / "faq").mkdir(parents=True)
    faq = {
        "id": "en-odd",
        "lang": "en",
        "question": "What are the opening hours of the Minatodai city pool?",
        "answer": f"It opens at 9:00. {HOSTILE}",
        "url": "https://www.city.example.jp/pool",
        "updated": "2026-04-01",
    }
    (folder / "corpus" / "faq" / "odd.jsonl").write_text(json.dumps(faq) + "\n", encoding="utf-8")
    ingest(folder / "corpus", folder / "index", default_spec, progress=False)
    server = server_on(folder / "index", folder)
    try:
        chrome.get(server.base_url + "/")
        reply = ask(chrome, "When does the city pool open?")
        screenshot(chrome, "chat-hostile-faq")
        assert HOSTILE in reply.find_element(By.CSS_SELECTOR, ".answer").text
        assert chrome.find_elements(By.CSS_SELECTOR, "#messages img, #messages script") == []
        assert chrome.execute_script("return window.__xss") is None
    finally:
        server.close()


def test_the_chat_page_has_no_accessibility_violations(chat):
    assert axe_violations(chat) == []
    ask(chat, "粗大ごみを出したいです")
    ask(chat, "明日の天気を教えて")
    ask(chat, "もう死にたい")
    screenshot(chat, "chat-axe")
    assert axe_violations(chat) == []


def test_the_staff_console_has_no_accessibility_violations(chrome, chat_server):
    chrome.get(chat_server.base_url + "/console")
    assert axe_violations(chrome) == []


def test_an_emergency_notice_shows_at_the_top_in_the_pages_language_and_goes_when_ended(chat, chat_server):
    store = Store(chat_server.database_url, 30)
    board = NoticeBoard(store)
    text = {"ja": "大雨特別警報。命を守る行動を。", "en": "Heavy rain emergency warning: protect your life."}
    notice = board.publish(
        "emergency", text, dt.datetime.now(dt.UTC) + dt.timedelta(hours=1), link="https://www.city.example.jp/bousai"
    )
    try:
        wait(chat).until(lambda d: chat_server.http.get("/v1/notices").json() != [])  # the server has read it
        chat.get(chat_server.base_url + "/")
        shown = wait(chat).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#notices .city-notice.emergency"))
        assert shown[0].get_attribute("role") == "alert" and text["ja"] in shown[0].text
        assert shown[0].find_element(By.TAG_NAME, "a").get_attribute("href") == "https://www.city.example.jp/bousai"
        screenshot(chat, "chat-emergency-notice")
        assert axe_violations(chat) == []
        chat.find_element(By.CSS_SELECTOR, "button.lang[data-lang='en']").click()
        wait(chat).until(lambda d: text["en"] in d.find_element(By.ID, "notices").text)
    finally:
        board.end(notice.id)
        until_gone = wait(chat)
        until_gone.until(lambda d: chat_server.http.get("/v1/notices").json() == [])  # no other test sees it
        store.engine.dispose()
    chat.get(chat_server.base_url + "/")
    wait(chat).until(lambda d: not d.find_element(By.ID, "notices").is_displayed())


def test_staff_typing_and_their_reply_appear_and_stay_when_the_page_is_opened_again_the_next_day(chat, chat_server):
    handed = ask(chat, "宇宙旅行の補助金はありますか")
    assert handed.find_elements(By.CSS_SELECTOR, ".handoff")
    token = chat.execute_script("return sessionStorage.getItem('madoguchi-conversation')")
    store = Store(chat_server.database_url, 30)
    try:
        case = store.threads.active(conversation_key(token))
        assert case is not None
        CaseQueue(store.engine).claim(case.id, "窓口")
        store.threads.typing(case.id, 30)
        page_wait(chat, 2.5).until(lambda d: "職員が返信を書いています" in d.find_element(By.ID, "staff-typing").text)
        store.threads.add(
            case.id, case.conversation_id, "staff", "旅券は県の窓口で申請できます。", case.department, "窓口"
        )
        shown = page_wait(chat, 2.5).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#messages > li.staff"))
        assert "旅券は県の窓口" in shown[0].text and f"{case.department}の職員" in shown[0].text
        assert "窓口" not in shown[0].find_element(By.CSS_SELECTOR, ".who").text.replace("の職員", "")
        assert "職員から返信" in chat.find_element(By.ID, "status").text  # announced to screen readers
        assert axe_violations(chat) == []
        # the tab was closed; the next day the page is opened again (in Japanese)
        chat.execute_script("sessionStorage.clear(); sessionStorage.setItem('madoguchi-lang', 'ja')")
        chat.refresh()
        restored = wait(chat).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#messages > li.staff"))
        assert "旅券は県の窓口" in restored[0].text
        assert chat.execute_script("return sessionStorage.getItem('madoguchi-conversation')") == token
    finally:
        store.engine.dispose()
