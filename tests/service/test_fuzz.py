"""No input produces a server error: the API fuzzed from its own OpenAPI schema (schemathesis + hypothesis)."""

import schemathesis
from hypothesis import HealthCheck, given, settings


def test_no_input_produces_a_server_error_and_every_response_keeps_the_contract(server):
    schema = schemathesis.openapi.from_url(server.base_url + "/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/v1/ask", "/v1/status", "/healthz"}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def fuzz(case):
            case.call_and_validate()

        fuzz()
