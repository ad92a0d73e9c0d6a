"""No input produces a server error: the API fuzzed from its own OpenAPI schema (schemathesis + hypothesis),
with text that is not quite text (lone surrogates, format characters), and with bodies that never end."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import raw_request, read_reply

JSON = {"content-type": "application/json"}


def test_no_input_produces_a_server_error_and_every_response_keeps_the_contract(server):
    schema = schemathesis.openapi.from_url(server.base_url + "/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/v1/ask", "/v1/status", "/healthz"}
    for operation in operations:
        # this server configures no token: a guarded area refuses every call the same way (403 *_disabled), so
        # its operations need fewer examples than the residents' open ones
        guarded = "403" in operation.definition.raw.get("responses", {})

        @given(case=operation.as_strategy())
        @settings(
            max_examples=15 if guarded else 60, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def fuzz(case):
            case.call_and_validate()

        fuzz()


POSTS = ["/v1/ask", "/v1/ask/stream", "/v1/feedback", "/v1/suggest", "/v1/handoffs/x/claim", "/v1/admin/reload"]
# Lone surrogates (as JSON escapes), format characters, controls, and the long ligature NFKC expands 18-fold.
NASTY = [
    "\\ud800",
    "\\udfff",
    "\\ud83d",
    "\u200b",
    "\u2060",
    "\ufeff",
    "\u202e",
    "\u0000",
    "\u001f",
    "\ufdfa",
    "あ",
    "a",
]


@given(path=st.sampled_from(POSTS), pieces=st.lists(st.sampled_from(NASTY), min_size=1, max_size=60))
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_text_that_is_not_quite_text_never_produces_a_server_error(server, path, pieces):
    text = "".join(pieces).replace("\u0000", "\\u0000").replace("\u001f", "\\u001f")
    body = f'{{"question": "{text}", "answer_id": "{text}", "helpful": true, "source": "{text}"}}'
    response = server.http.post(path, content=body.encode("utf-8", "surrogatepass"), headers=JSON)
    assert response.status_code < 500, response.text


@pytest.mark.parametrize("path", POSTS)
def test_an_endless_chunked_body_is_refused_on_every_endpoint(server, path):
    head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    connection = raw_request(server.base_url, head.encode())
    try:
        for _ in range(5):
            connection.sendall(b"4000\r\n" + b"{" * 0x4000 + b"\r\n")
        assert read_reply(connection).startswith("HTTP/1.1 413")
    finally:
        connection.close()
