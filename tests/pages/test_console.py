"""The staff console in a real headless Chromium against the running service: sign in with the keyboard,
get suggestions with their sources, copy one, and work the handoff queue."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import Select

from ingest.report import IngestReport
from service.store.cases import CaseQueue, NewCase
from service.store.database import Store
from tests.conftest import Server, screenshot, server_on
from tests.helpers import axe_violations, page_wait

TOKEN = "console-secret-0123456789"
CASE = NewCase("out_of_scope", "en", "c", "a" * 32, "q", ["q"], [], "General enquiries")


@pytest.fixture(scope="module")
def console_server(
    sample_index: tuple[Path, IngestReport], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    running = server_on(sample_index[0], tmp_path_factory.mktemp("console"), staff_token=TOKEN, workers="2")
    yield running
    running.close()


@pytest.fixture
def console(chrome, console_server):
    chrome.get(console_server.base_url + "/console")
    chrome.execute_script("sessionStorage.clear()")
    chrome.get(console_server.base_url + "/console")
    chrome.execute_cdp_cmd(
        "Browser.grantPermissions",
        {"origin": console_server.base_url, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]},
    )
    return chrome


def wait(driver, seconds: float = 20):
    return page_wait(driver, seconds)


def click_in_case(driver, reference: str, label: str) -> bool:
    """Click the button labelled ``label`` in the case with this reference, once both are on the page (inside
    a wait, so that a list re-rendered under the click is simply looked at again)."""
    for case in driver.find_elements(By.CSS_SELECTOR, "#cases > li"):
        if reference in case.text:
            buttons = case.find_elements(By.XPATH, f".//button[normalize-space()='{label}']")
            if buttons:
                buttons[0].click()
                return True
    return False


def sign_in_with_the_keyboard(driver) -> None:
    token = driver.find_element(By.ID, "token")
    token.send_keys(TOKEN, Keys.ENTER)
    wait(driver).until(ready.visibility_of_element_located((By.ID, "question")))


def test_staff_find_suggestions_with_sources_and_copy_one(console):
    sign_in_with_the_keyboard(console)
    console.find_element(By.ID, "question").send_keys("粗大ごみを出したいと言っています")
    console.find_element(By.ID, "question").send_keys(Keys.TAB, Keys.ENTER)  # the "show suggestions" button
    items = wait(console).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#suggestions > li"))
    screenshot(console, "console-suggestions")

    first = items[0]
    assert "粗大ごみ" in first.find_element(By.TAG_NAME, "h3").text
    link = first.find_element(By.CSS_SELECTOR, ".meta a")
    assert link.get_attribute("href").startswith("https://")
    assert "時点" in first.find_element(By.CSS_SELECTOR, ".meta").text
    answer = first.find_element(By.CSS_SELECTOR, ".answer").text

    first.find_element(By.TAG_NAME, "button").click()
    wait(console).until(ready.text_to_be_present_in_element((By.ID, "status"), "コピーしました"))
    clipboard = console.execute_async_script("navigator.clipboard.readText().then(arguments[0])")
    assert clipboard.strip() == answer.strip()


def resident_asks(driver, question: str):
    """In the resident's chat page: type a question and press Enter; the assistant's reply once it has arrived."""
    before = len(driver.find_elements(By.CSS_SELECTOR, "#messages > li.assistant"))
    driver.find_element(By.ID, "question").send_keys(question, Keys.ENTER)
    return wait(driver).until(
        lambda d: (replies := d.find_elements(By.CSS_SELECTOR, "#messages > li.assistant"))[before:] and replies[-1]
    )


def test_staff_take_over_from_the_console_and_the_resident_sees_it_on_their_page(console, console_server):
    staff_window = console.current_window_handle
    console.switch_to.new_window("window")  # the resident's page, served by either of the two workers
    resident_window = console.current_window_handle
    console.get(console_server.base_url + "/")
    console.execute_script("sessionStorage.setItem('madoguchi-lang', 'en')")
    console.get(console_server.base_url + "/")
    handed = resident_asks(console, "who won the baseball game yesterday?")
    reference = re.search(r"MD-[A-Z0-9]{6}", handed.text).group(0)

    console.switch_to.window(staff_window)
    sign_in_with_the_keyboard(console)
    console.find_element(By.CSS_SELECTOR, "button.lang[data-lang='en']").click()
    assert console.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    wait(console).until(lambda d: click_in_case(d, reference, "Claim"))
    screenshot(console, "console-queue")
    wait(console).until(lambda d: reference not in d.find_element(By.ID, "cases").text)
    Select(console.find_element(By.ID, "status-filter")).select_by_value("claimed")
    case = wait(console).until(
        lambda d: [c for c in d.find_elements(By.CSS_SELECTOR, "#cases > li") if reference in c.text]
    )
    case[0].find_element(By.TAG_NAME, "textarea").send_keys(
        "The prefecture's passport office handles this: 090-1234-5678."
    )
    wait(console).until(lambda d: click_in_case(d, reference, "Send the reply"))

    console.switch_to.window(resident_window)  # within 2 s, without a reload, announced to screen readers
    shown = page_wait(console, 2.0).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#messages > li.staff"))
    assert "The prefecture's passport office handles this: [PHONE]." in shown[0].text
    assert "Staff of" in shown[0].text and "replied" in console.find_element(By.ID, "status").text
    assert console.find_element(By.ID, "status").get_attribute("aria-live") == "polite"
    quiet = resident_asks(console, "How do I put out bulky garbage?")
    assert "staff" in quiet.text and not quiet.find_elements(By.CSS_SELECTOR, "ol.sources")  # the bot keeps quiet
    assert axe_violations(console) == []

    console.switch_to.window(staff_window)
    wait(console).until(lambda d: click_in_case(d, reference, "Resolve"))
    console.switch_to.active_element.send_keys("Referred to the prefecture's passport office.")  # focus moved there
    wait(console).until(lambda d: click_in_case(d, reference, "Save"))
    wait(console).until(lambda d: reference not in d.find_element(By.ID, "cases").text)

    console.switch_to.window(resident_window)
    rating = wait(console).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#messages > li.staff .feedback button"))
    rating[0].click()
    wait(console).until(lambda d: "Thank you" in d.find_elements(By.CSS_SELECTOR, "#messages > li.staff")[-1].text)
    screenshot(console, "chat-staff-reply")
    again = resident_asks(console, "How do I put out bulky garbage?")
    assert again.find_elements(By.CSS_SELECTOR, "ol.sources, ul.choices")  # the bot answers (or asks back) again
    assert "with staff" not in again.text
    resolved = console_server.http.get(
        "/v1/handoffs", params={"status": "resolved"}, headers={"Authorization": f"Bearer {TOKEN}"}
    ).json()["cases"]
    assert [c["resident_resolved"] for c in resolved if c["reference"] == reference] == [True]
    console.close()
    console.switch_to.window(staff_window)


def test_the_console_shows_sensitive_cases_first_and_pages_to_the_rest(console, console_server):
    store = Store(console_server.database_url, 30)
    queue = CaseQueue(store.engine)
    references = [queue.open(replace(CASE, question=f"paging {n}"))[1] for n in range(25)]
    urgent = queue.open(replace(CASE, question="urgent", reason="sensitive"))[1]
    store.engine.dispose()
    sign_in_with_the_keyboard(console)
    first = wait(console).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#cases > li h3"))
    assert urgent in first[0].text  # opened last of all, yet first: it is sensitive
    assert references[0] not in console.find_element(By.ID, "cases").text  # the oldest is not on the first page

    console.find_element(By.ID, "more").click()
    wait(console).until(lambda d: references[0] in d.find_element(By.ID, "cases").text)
    shown = console.find_element(By.ID, "cases").text
    assert all(reference in shown for reference in references)


def test_a_wrong_token_returns_to_the_sign_in_form(console):
    console.find_element(By.ID, "token").send_keys("not-it", Keys.ENTER)
    wait(console).until(ready.visibility_of_element_located((By.ID, "token")))
    assert console.find_element(By.ID, "workspace").get_attribute("hidden") is not None


def test_the_console_page_allows_only_its_own_scripts(console_server):
    response = console_server.http.get("/console")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "<script>" not in response.text  # no inline script: only <script src=...>


def test_the_content_review_shows_what_the_easy_japanese_checker_found(console):
    sign_in_with_the_keyboard(console)
    console.find_element(By.ID, "load-review").click()
    sections = wait(console).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#review section")) == 5 and d)
    review = sections.find_element(By.ID, "review").text
    assert "やさしい日本語の見直し" in review and "katakana_loanword: インターネット" in review
    assert "やさしい日本語の文がない項目" in review
    assert axe_violations(console) == []
