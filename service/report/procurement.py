"""The procurement pack a city shows before it switches the service on, written from the running configuration,
not by hand (``python -m service.pack --out DIR``; the chat page serves the notice to residents).

- ``risk-assessment``: the answers a risk assessment under the Digital Agency's guideline for generative AI asks
  for (what the system does and does not do, who uses it, where data goes, what is kept and for how long, who
  reads it, how a person takes over, how outputs are checked, how it was evaluated, known limits);
- ``notice-to-residents`` and ``terms-of-use``: for the city's site (the chat page links the notice);
- ``operations``: switches, reload, rollback, notices, retention, backups, who holds which token.

Each as Markdown and as a self-contained HTML page, in Japanese and English. Every figure comes from the settings,
the live generation, the database or the latest ``python -m eval`` results; what only the city can say (its
contract, its data protection officer) is marked as the city's to fill in, plainly."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ingest.live import open_live
from service.answer.desks import general_desk
from service.settings import Settings
from service.store.database import Store
from service.store.switches import SwitchBoard

ROOT = Path(__file__).resolve().parent.parent.parent
RESULTS = ROOT / "eval" / "results"
FILL = {"ja": "【市が記入】", "en": "[the city fills this in]"}
EVALUATIONS = ("outcomes", "retrieval", "handoff", "bench")  # the figures a pack quotes, when they were run


@dataclass
class Section:
    title: str
    items: list[str] = field(default_factory=list)


@dataclass
class Facts:
    """What the pack says, each read from the running system."""

    settings: Settings
    today: dt.date
    generation: str = ""
    documents: int = 0
    model: str = ""
    created: str = ""
    desk: dict[str, tuple[str, str]] = field(default_factory=dict)  # lang -> (name, contact)
    off: list[str] = field(default_factory=list)
    evaluations: list[tuple[str, str, str, dict[str, Any]]] = field(
        default_factory=list
    )  # task, date, on what, metrics


def gather(settings: Settings, today: dt.date, results: Path = RESULTS) -> Facts:
    facts = Facts(settings, today)
    try:
        index = open_live(settings.index_dir)
        manifest = index.manifest
        facts.generation, facts.documents = str(manifest["generation"]), int(manifest.get("documents", 0))
        facts.model, facts.created = index.embedding_model, str(manifest.get("created", ""))
        facts.desk = {lang: general_desk(manifest, lang) for lang in ("ja", "en")}
    except Exception:  # no index yet: the pack says so
        facts.desk = {lang: general_desk({}, lang) for lang in ("ja", "en")}
    store = Store(settings.database_url, settings.conversation_retention_days)
    try:
        facts.off = sorted(SwitchBoard(store).off())
    finally:
        store.engine.dispose()
    for task in EVALUATIONS:
        runs = sorted((results / task).glob("*/metrics.json")) if (results / task).is_dir() else []
        if runs:
            folder = runs[-1].parent
            day = f"{folder.name[:4]}-{folder.name[4:6]}-{folder.name[6:8]}"
            config = (
                json.loads((folder / "config.json").read_text(encoding="utf-8"))
                if (folder / "config.json").exists()
                else {}
            )
            on = " / ".join(_last_two(str(config[key])) for key in ("questions", "corpus") if config.get(key))
            facts.evaluations.append((task, day, on, json.loads(runs[-1].read_text(encoding="utf-8"))))
    return facts


def _days(n: int, lang: str) -> str:
    if n == 0:
        return "無期限（削除しない）" if lang == "ja" else "for ever (not deleted)"
    return f"{n}日" if lang == "ja" else f"{n} days"


RETENTION = (  # what is kept, as the pack names it, and the setting that says for how long
    (
        "conversation_retention_days",
        "会話（追質問のため、個人情報はマスク）",
        "Conversations (for follow-up questions, personal data masked)",
    ),
    ("audit_retention_days", "監査記録（マスクした質問と結果）", "Audit records (masked questions, outcomes)"),
    (
        "case_retention_days",
        "引継ぎ案件と職員とのやり取り（解決後）",
        "Handoff cases and messages with staff (after they are resolved)",
    ),
    ("feedback_retention_days", "評価（役に立った・誤りの報告）", "Feedback (helpful, reported wrong)"),
    (
        "learned_retention_days",
        "学習した言い回し（職員・運用者が承認した住民の質問、マスク済み）",
        "Learned phrasings (residents' questions approved by staff or operators, masked)",
    ),
)


def _retention(settings: Settings, lang: str) -> list[str]:
    """What is kept and for how long, one line each, from the retention settings."""
    return [f"{ja if lang == 'ja' else en}: {_days(getattr(settings, name), lang)}" for name, ja, en in RETENTION]


def _set(value: Any, lang: str) -> str:
    if lang == "ja":
        return "設定済み（値はこの文書に書きません）" if value else "未設定（その機能は無効）"
    return "set (its value is not written here)" if value else "not set (the feature is off)"


def _last_two(path: str) -> str:
    """``/data/localgovfaq/dev.jsonl`` as ``localgovfaq/dev.jsonl``: which set, without the machine's paths."""
    return "/".join(Path(path).parts[-2:])


def _figures(metrics: dict[str, Any], prefix: str = "") -> list[str]:
    """The scalar figures of an evaluation, nested keys joined with '/'."""
    shown = []
    for key, value in metrics.items():
        if isinstance(value, dict):
            shown += _figures(value, f"{prefix}{key}/")
        elif isinstance(value, int | float) and not isinstance(value, bool):
            shown.append(f"{prefix}{key} {value}")
    return shown


def risk_assessment(facts: Facts, lang: str) -> list[Section]:
    s, ja = facts.settings, lang == "ja"
    llm = s.llm_base_url
    desk_name, desk_contact = facts.desk[lang]
    if llm:
        host = urlsplit(llm).hostname or llm
        flow = (
            f"質問と市の出典の抜粋が、設定された言語モデル（{host}）に送られます。文章化のみで、検証に通らない文は表示しません。"
            if ja
            else f"The question and excerpts of the city's sources are sent to the configured language model ({host}), "
            "to word the answer only; a sentence that fails the check is never shown."
        )
    else:
        flow = (
            "外部に送られるデータはありません（生成AIの接続先が未設定。回答は市の出典からの抜粋のみ）。"
            if ja
            else "No data leaves the city's servers (no language model is configured: answers are excerpts of the "
            "city's own sources)."
        )
    evaluation = [
        (
            f"{task}（{day}、{on}、コマンド: python -m eval {task}）: {', '.join(_figures(m)[:10])}"
            if ja
            else f"{task} ({day}, {on}, command: python -m eval {task}): {', '.join(_figures(m)[:10])}"
        )
        for task, day, on, m in facts.evaluations
    ] or [
        "この環境ではまだ評価を実行していません（python -m eval outcomes を実行してください）。"
        if ja
        else "No evaluation has been run here yet (run python -m eval outcomes)."
    ]
    return [
        Section(
            "1. システムの概要" if ja else "1. What the system does",
            [
                "市が公開したFAQ・例規・オープンデータだけをもとに、住民の問い合わせに出典付きで答えるAI案内です。"
                if ja
                else "An AI help desk that answers residents' enquiries only from the FAQs, regulations and open data "
                "the city has published, with the sources.",
                "行政処分・審査・個別の判断は行いません。案内のみです。"
                if ja
                else "It makes no administrative decision, assessment or individual ruling: it gives guidance only.",
                (
                    f"出典: 世代 {facts.generation}（{facts.documents}件、作成 {facts.created}）、"
                    f"検索モデル {facts.model}"
                    if ja
                    else f"Sources: generation {facts.generation} ({facts.documents} documents, built "
                    f"{facts.created}), retrieval model {facts.model}"
                )
                if facts.generation
                else ("出典の索引がまだありません。" if ja else "No index of the sources has been built yet."),
            ],
        ),
        Section(
            "2. 利用者" if ja else "2. Who uses it",
            [
                "住民（市のウェブサイトのチャット、LINE、API）、コールセンター職員（回答候補と引継ぎ）、運用者（更新・停止）。"
                if ja
                else "Residents (the chat on the city's site, LINE, the API); call-centre staff (suggestions, "
                "handoffs); operators (updates, the off switch).",
                f"LINE: {_set(s.line_channel_secret, lang)}",
            ],
        ),
        Section("3. データの流れ" if ja else "3. Where data goes", [flow]),
        Section(
            "4. 保存するデータと期間" if ja else "4. What is kept, and for how long",
            [
                *_retention(s, lang),
                ("データベース: " if ja else "Database: ") + s.database_url.split("://", 1)[0],
            ],
        ),
        Section(
            "5. 誰が読めるか" if ja else "5. Who reads it",
            [
                f"{'職員トークン' if ja else 'Staff token'}: {_set(s.staff_token, lang)}",
                f"{'運用者トークン' if ja else 'Operator token'}: {_set(s.admin_token, lang)}",
                f"{'監視トークン' if ja else 'Metrics token'}: {_set(s.metrics_token, lang)}",
                "ログに住民の質問や個人情報は書きません。"
                if ja
                else "Logs never hold a resident's question or personal data.",
            ],
        ),
        Section(
            "6. 人による対応" if ja else "6. How a person takes over",
            [
                "確信度が低い・対象外・緊急や相談の質問は職員に引き継ぎ、受付番号を伝えます。"
                f"総合窓口: {desk_name} {desk_contact}"
                if ja
                else f"Unsure, out-of-scope, urgent and sensitive questions go to staff with a reference to quote. "
                f"General desk: {desk_name} {desk_contact}",
                f"案件が{s.case_overdue_working_days}開庁日を超えると期限超過として表示・集計します。"
                if ja
                else f"A case open for more than {s.case_overdue_working_days} working days is shown and counted as "
                "overdue.",
            ],
        ),
        Section(
            "7. 出力の確認" if ja else "7. How outputs are checked",
            [
                "既定は抜粋回答（出典の文章をそのまま表示）。生成AIの文は出典との照合に通った文だけを表示します。"
                if ja
                else "By default answers are excerpts (the source's own words); a generated sentence is shown only "
                "when it passes the check against the sources.",
                f"{'停止中の対象' if ja else 'Switched off now'}: {', '.join(facts.off) or ('なし' if ja else 'none')}",
            ],
        ),
        Section("8. 評価" if ja else "8. Evaluation", evaluation),
        Section(
            "9. 既知の限界" if ja else "9. Known limits",
            [
                "似た項目（例: 児童手当と児童扶養手当）を取り違えることがあるため、"
                "確信が持てないときは候補を示して選んでもらいます。"
                if ja
                else "It may confuse sibling entries (child allowance / child-rearing allowance), so when unsure it "
                "offers the likely entries for the resident to pick.",
                "市が公開していない情報には答えられません。"
                if ja
                else "It cannot answer what the city has not published.",
            ],
        ),
        Section(
            "10. 契約・体制" if ja else "10. Contract and responsibilities",
            [
                f"{'契約と委託先' if ja else 'Contract and contractors'}: {FILL[lang]}",
                f"{'個人情報保護の責任者' if ja else 'Data protection officer'}: {FILL[lang]}",
                f"{'AI利用の責任者' if ja else 'Person responsible for the AI service'}: {FILL[lang]}",
            ],
        ),
    ]


def notice_to_residents(facts: Facts, lang: str) -> list[Section]:
    ja = lang == "ja"
    name, contact = facts.desk[lang]
    kept = _days(facts.settings.conversation_retention_days, lang)
    logged = _days(facts.settings.audit_retention_days, lang)
    return [
        Section(
            "AIによる自動回答について" if ja else "About the automated AI answers",
            [
                "このチャットはAIが自動で回答します。市が公開している情報だけをもとに答え、出典を示します。"
                if ja
                else "This chat is answered automatically by AI, only from information the city has published, "
                "with its sources.",
                "目的: 市役所への問い合わせに、いつでも案内できるようにするためです。"
                if ja
                else "Purpose: to guide your enquiries to City Hall at any hour.",
                "個人情報（氏名・住所・電話番号など）は入力しないでください。入力された場合は自動で伏せて保存します。"
                if ja
                else "Please do not enter personal data (name, address, phone number...). If you do, it is masked "
                "before anything is kept.",
                f"会話は追質問に答えるため{kept}保存します。質問（個人情報を伏せたもの）と回答の記録は{logged}保存し、"
                "市の職員が改善のために集計します。"
                if ja
                else f"The conversation is kept {kept} to answer follow-up questions; a record of each question "
                f"(personal data masked) and its answer is kept {logged}, and city staff count them to improve the "
                "service.",
                "緊急の場合は119番（火事・救急）・110番（事件・事故）に電話してください。"
                if ja
                else "In an emergency call 119 (fire, ambulance) or 110 (police).",
                f"職員への問い合わせ: {name} {contact}" if ja else f"To reach a person: {name} {contact}",
                "AIの回答には誤りがある可能性があります。正確な内容は出典をご確認ください。"
                if ja
                else "AI answers may contain errors; please check the source for the exact wording.",
            ],
        )
    ]


def terms_of_use(facts: Facts, lang: str) -> list[Section]:
    ja = lang == "ja"
    return [
        Section(
            "利用規約" if ja else "Terms of use",
            [
                "回答は案内であり、行政上の決定や証明ではありません。"
                if ja
                else "Answers are guidance, not administrative decisions or certificates.",
                "市は回答の正確性に努めますが、回答に基づく損害について責任を負いません。"
                if ja
                else "The city strives for accurate answers but is not liable for loss arising from them.",
                "市は予告なくサービスを停止することがあります（停止と理由は透明性レポートで公開します）。"
                if ja
                else "The city may pause the service without notice (pauses and their reasons are published in the "
                "transparency report).",
                f"{'準拠法・管轄' if ja else 'Governing law and courts'}: {FILL[lang]}",
            ],
        )
    ]


def operations(facts: Facts, lang: str) -> list[Section]:
    s, ja = facts.settings, lang == "ja"
    return [
        Section(
            "運用手順" if ja else "Operations",
            [
                "停止: POST /v1/admin/switches（all / web / api / line / generative、理由必須）"
                "またはコンソールの運用者欄。"
                f"全ワーカーに{s.switches_refresh_s}秒以内に反映。"
                if ja
                else "Pause: POST /v1/admin/switches (all / web / api / line / generative, a reason required) or the "
                f"console's operator section; every worker follows within {s.switches_refresh_s} s.",
                "更新: POST /v1/admin/reload（失敗しても旧版が回答を続けます）。戻す: POST /v1/admin/rollback。"
                if ja
                else "Update: POST /v1/admin/reload (a failed reload leaves the old version answering). "
                "Roll back: POST /v1/admin/rollback.",
                "災害時のお知らせ: POST /v1/admin/notices（緊急時は生成AIを止めます）。"
                if ja
                else "Emergency notices: POST /v1/admin/notices (an emergency switches generated answers off).",
                ("保存期間: " if ja else "Retention: ") + ("、" if ja else "; ").join(_retention(s, lang)),
                f"{'バックアップ（保存先と頻度）' if ja else 'Backups (where and how often)'}: {FILL[lang]}",
                f"{'トークンの保管者' if ja else 'Who holds which token'}: {FILL[lang]}",
            ],
        )
    ]


DOCUMENTS = {
    "risk-assessment": ("リスク評価", "Risk assessment", risk_assessment),
    "notice-to-residents": ("住民への通知", "Notice to residents", notice_to_residents),
    "terms-of-use": ("利用規約", "Terms of use", terms_of_use),
    "operations": ("運用手順書", "Operations sheet", operations),
}


def as_markdown(title: str, sections: list[Section], facts: Facts, lang: str) -> str:
    made = "作成日" if lang == "ja" else "Made"
    lines = [f"# {title}", "", f"{made}: {facts.today.isoformat()}", ""]
    for section in sections:
        lines += [f"## {section.title}", "", *[f"- {item}" for item in section.items], ""]
    return "\n".join(lines)


def as_html(
    title: str,
    sections: list[Section],
    facts: Facts,
    lang: str,
    stylesheet: str | None = None,
    links: Sequence[tuple[str, str, str]] = (),
) -> str:
    """A whole page; its style inline (a file that stands alone), or the served page's ``stylesheet`` with
    ``links`` (href, text, language) in its header."""
    made = "作成日" if lang == "ja" else "Made"
    body = "".join(
        f"<h2>{escape(s.title)}</h2><ul>{''.join(f'<li>{escape(item)}</li>' for item in s.items)}</ul>"
        for s in sections
    )
    style = (
        f"<link rel='stylesheet' href='{escape(stylesheet)}'>"
        if stylesheet
        else "<style>body{font:16px/1.7 system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;"
        "color:#1a1a1a}h2{font-size:1.15rem;margin-top:1.5rem}</style>"
    )
    return (
        f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(title)}</title>{style}</head>"
        f"<body>{_header(links)}<main id='main'><h1>{escape(title)}</h1>"
        f"<p>{made}: {facts.today.isoformat()}</p>{body}</main></body></html>"
    )


def _header(links: Sequence[tuple[str, str, str]]) -> str:
    if not links:
        return ""
    shown = " ".join(f"<a href='{escape(href)}' lang='{lang}'>{escape(text)}</a>" for href, text, lang in links)
    return f"<header><nav aria-label='Links / リンク'>{shown}</nav></header>"


def write_pack(facts: Facts, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (title_ja, title_en, build) in DOCUMENTS.items():
        for lang, title in (("ja", title_ja), ("en", title_en)):
            sections = build(facts, lang)
            for suffix, text in (
                (".md", as_markdown(title, sections, facts, lang)),
                (".html", as_html(title, sections, facts, lang)),
            ):
                path = out / f"{name}.{lang}{suffix}"
                path.write_text(text, encoding="utf-8")
                written.append(path)
    return written
