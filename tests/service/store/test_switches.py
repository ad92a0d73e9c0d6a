"""Off switches over the database (SQLite and PostgreSQL): the state is the latest change of each switch, kept
across restarts, with every change listed."""

from service.store.database import Store
from service.store.switches import SwitchBoard


def test_a_switch_stays_off_across_a_restart_and_every_change_is_kept(database_url):
    store = Store(database_url, 30)
    board = SwitchBoard(store, refresh_s=0.01)
    board.turn("line", False, "LINE の応答を確認中", "運用担当")
    board.turn("generative", False, "生成AIの評価中", "運用担当")
    board.turn("line", True, "確認済み", "運用担当")
    store.engine.dispose()

    restarted = SwitchBoard(Store(database_url, 30))  # a new process over the same database
    assert restarted.off() == {"generative"}
    assert restarted.generative_off() and not restarted.paused("line") and not restarted.paused("web")
    assert [(c.target, c.on) for c in restarted.history()] == [("line", True), ("generative", False), ("line", False)]
    restarted.turn("all", False, "障害対応", "運用担当")
    assert all(restarted.paused(channel) for channel in ("web", "api", "line"))
    restarted.engine.dispose()
