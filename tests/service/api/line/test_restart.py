"""Nothing a resident sent on LINE is lost when the server dies after acknowledging it: the event was kept before
the 200, and the next server answers it by push (the reply token will have expired), once."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, select

from ingest.report import IngestReport
from service.answer.context import Services
from service.store.schema import line_events
from tests.conftest import server_on
from tests.helpers import eventually
from tests.line_double import LineDouble, signature, text_event, webhook_body

SECRET = "line-channel-secret-restart-0123"
ACCESS_TOKEN = "line-access-token-restart-0123456789"


def test_an_event_acknowledged_before_a_kill_is_pushed_once_by_the_next_server(
    sample_index: tuple[Path, IngestReport], tmp_path: Path, services: Services
):
    double = LineDouble(ACCESS_TOKEN)
    settings = dict(
        line_channel_secret=SECRET,
        line_channel_access_token=ACCESS_TOKEN,
        line_api_url=double.url,
        line_lease_s="1",
        line_poll_interval_s="0.2",
    )
    first = server_on(sample_index[0], tmp_path, **settings)
    try:
        double.delay_s = 30  # LINE is slow: the worker is still at it when the server dies
        asked = text_event("Urestart", "フライパンは何ごみですか")
        body = webhook_body(asked)
        acknowledged = first.http.post(
            "/v1/line/webhook", content=body, headers={"x-line-signature": signature(body, SECRET)}
        )
        assert acknowledged.status_code == 200
        eventually(lambda: double.arrived, what="the worker at work on the event")
        first.process.kill()  # kill -9: no shutdown, no cleanup
        first.process.wait()
    finally:
        first.close()
    double.delay_s = 0
    second = server_on(sample_index[0], tmp_path, **settings)
    try:
        pushed = eventually(lambda: double.to("Urestart"), what="the answer after the restart")
        engine = create_engine(second.database_url)
        done = select(line_events.c.status, line_events.c.delivery, line_events.c.attempts)

        def finished() -> tuple | None:  # the push is recorded a moment before the worker writes it down
            with engine.connect() as connection:
                row = tuple(connection.execute(done.where(line_events.c.id == asked["webhookEventId"])).one())
            return row if row[0] == "done" else None

        row = eventually(finished, what="the event marked done")
        engine.dispose()
        assert [call.path for call in pushed] == ["/v2/bot/message/push"]
        assert "燃やさないごみ" in pushed[0].body["messages"][0]["text"]
        # tried by the killed server, then by the next one; on a busy machine the next one's first answer can
        # outlast the 1-s lease and be claimed once more, and LINE's retry key keeps it one push
        assert row[:2] == ("done", "push") and row[2] >= 2
    finally:
        second.close()
        double.close()
