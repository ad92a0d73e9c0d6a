"""The staff console in a real headless Chromium against the running service: sign in with the keyboard,
get suggestions with their sources, copy one, and work the handoff queue."""

from __future__ import annotations

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
from tests.helpers import page_wait

TOKEN = "console-secret-0123456789"
CASE = NewCase("out_of_scope", "en", "c", "a" * 32, "q", ["q"], [], "General enquiries")


@pytest.fixture(scope="module")
def console_server(
    sample_index: tuple[Path, IngestReport], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    running = server_on(sample_index[0], tmp_path_factory.mktemp("console"), staff_token=TOKEN)
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


def test_staff_claim_and_resolve_a_handed_off_enquiry(console, console_server):
    asked = console_server.http.post("/v1/ask", json={"question": "who won the baseball game yesterday?"}).json()
    assert asked["handoff"]["needed"], asked
    reference = asked["handoff"]["reference"]
    sign_in_with_the_keyboard(console)
    console.find_element(By.CSS_SELECTOR, "button.lang[data-lang='en']").click()
    assert console.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"

    wait(console).until(lambda d: click_in_case(d, reference, "Claim"))
    screenshot(console, "console-queue")
    wait(console).until(lambda d: reference not in d.find_element(By.ID, "cases").text)

    Select(console.find_element(By.ID, "status-filter")).select_by_value("claimed")
    box = wait(console).until(lambda d: d.find_elements(By.ID, f"replyText-{asked['handoff']['case_id']}"))[0]
    box.send_keys("The prefecture's passport office handles this: 090-1234-5678.")
    wait(console).until(lambda d: click_in_case(d, reference, "Send the reply"))
    thread = f"/v1/conversations/{asked['conversation_id']}/messages"  # what the resident's side reads
    replies = wait(console).until(lambda d: console_server.http.get(thread).json()["messages"])
    assert [m["text"] for m in replies] == ["The prefecture's passport office handles this: [PHONE]."]
    wait(console).until(lambda d: click_in_case(d, reference, "Resolve"))
    console.switch_to.active_element.send_keys("Referred to the prefecture's passport office.")  # focus moved there
    wait(console).until(lambda d: click_in_case(d, reference, "Save"))
    wait(console).until(lambda d: reference not in d.find_element(By.ID, "cases").text)
    resolved = console_server.http.get(
        "/v1/handoffs", params={"status": "resolved"}, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert reference in [c["reference"] for c in resolved.json()["cases"]]


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
