"""The reports as HTML, drawn by the service itself: bar charts as inline SVG (no script, no external asset),
each followed by the table of its figures, which is what screen readers read (the chart is hidden from them).
Every text from the corpus or a resident is escaped."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from ingest.languages import NAMES

LABELS = {
    "ja": {
        "title": "窓口 AI 回答の月次報告",
        "public_title": "AIによる問い合わせ対応の公開報告",
        "month": "対象月",
        "questions": "質問数",
        "per_day": "日ごとの質問数",
        "day": "日",
        "outcomes": "結果",
        "outcome": "結果",
        "count": "件数",
        "share": "割合",
        "answered": "回答した",
        "clarify": "選択肢を示して聞き返した",
        "handoff_low_confidence": "職員へ引き継ぎ（確信度が低い）",
        "handoff_out_of_scope": "職員へ引き継ぎ（対象外）",
        "handoff_sensitive": "職員へ引き継ぎ（緊急・相談）",
        "paused": "AI回答の停止中",
        "switches": "AI回答の停止と再開",
        "switch_at": "日時",
        "switch_target": "対象",
        "switch_state": "状態",
        "switch_reason": "理由",
        "switch_by": "操作者",
        "switch_off": "停止",
        "switch_on": "再開",
        "confidence": "確からしさの分布",
        "band": "確からしさ",
        "most_cited": "よく引用された出典",
        "never_cited": "引用されなかった出典",
        "source": "出典",
        "department": "担当",
        "citations": "引用数",
        "feedback": "評価",
        "wrong": "誤りの報告",
        "wrong_by_department": "部署ごとの誤りの報告",
        "helpful": "役に立った",
        "not_helpful": "役に立たなかった",
        "comments": "コメント",
        "cases": "引き継ぎ案件",
        "opened": "受付",
        "claimed": "担当決定",
        "resolved": "完了",
        "minutes_to_claim_median": "担当決定までの分数（中央値）",
        "minutes_to_claim_p90": "担当決定までの分数（90%）",
        "staff_replies": "職員から住民への返信",
        "resident_messages": "住民から職員へのメッセージ",
        "overdue": "期限超過（受付から所定の開庁日数を超えた件数）",
        "department_cases": "部署ごとの対応と住民の評価",
        "closed": "完了",
        "said_resolved": "解決した",
        "said_not_resolved": "解決していない",
        "unanswered": "答えられなかった質問のトピック",
        "topic": "トピック",
        "size": "件数",
        "examples": "質問の例",
        "nearest": "最も近い既存の出典",
        "none": "ありません。",
        "draft": "FAQ案を作る",
        "languages": "言語",
        "language": "言語",
        "ja": "日本語",
        "en": "英語",
        "categories": "回答した分野",
        "category": "分野",
        "about": "このページは市のAIチャットの利用状況を集計したものです。個々の質問の内容は公開しません。",
        "small": "非表示",
        "model": "使用している検索モデル",
        "generation": "使用しているデータの版",
        "updated": "データの最終更新日",
        "fewer": (
            "{n}件未満の数値と、ほかの数値から逆算できてしまう数値は「非表示」としています。"
            "公開するのは終了した月だけです。"
        ),
    },
    "en": {
        "title": "Madoguchi monthly report",
        "public_title": "Public report on the AI enquiry assistant",
        "month": "Month",
        "questions": "Questions",
        "per_day": "Questions per day",
        "day": "Day",
        "outcomes": "Outcomes",
        "outcome": "Outcome",
        "count": "Count",
        "share": "Share",
        "answered": "Answered",
        "clarify": "Asked back with choices",
        "handoff_low_confidence": "Handed to staff (low confidence)",
        "handoff_out_of_scope": "Handed to staff (out of scope)",
        "handoff_sensitive": "Handed to staff (urgent or sensitive)",
        "paused": "AI answers paused",
        "switches": "When the AI answers were paused and brought back",
        "switch_at": "When",
        "switch_target": "Target",
        "switch_state": "State",
        "switch_reason": "Reason",
        "switch_by": "By",
        "switch_off": "paused",
        "switch_on": "back on",
        "confidence": "Confidence",
        "band": "Confidence",
        "most_cited": "Most cited sources",
        "never_cited": "Sources never cited",
        "source": "Source",
        "department": "Department",
        "citations": "Citations",
        "feedback": "Feedback",
        "wrong": "Reported wrong",
        "wrong_by_department": "Answers reported wrong, per department",
        "helpful": "Helpful",
        "not_helpful": "Not helpful",
        "comments": "Comments",
        "cases": "Handoff cases",
        "opened": "Opened",
        "claimed": "Claimed",
        "resolved": "Resolved",
        "minutes_to_claim_median": "Minutes to claim (median)",
        "minutes_to_claim_p90": "Minutes to claim (90th percentile)",
        "staff_replies": "Staff replies to residents",
        "resident_messages": "Residents' messages to staff",
        "overdue": "Overdue (waited past the working days allowed)",
        "department_cases": "Cases closed per department, as residents rated them",
        "closed": "Closed",
        "said_resolved": "Resolved",
        "said_not_resolved": "Not resolved",
        "unanswered": "Topics the sources do not answer",
        "topic": "Topic",
        "size": "Questions",
        "examples": "Example questions",
        "nearest": "Nearest existing source",
        "none": "None.",
        "draft": "Draft an FAQ",
        "languages": "Languages",
        "language": "Language",
        "ja": "Japanese",
        "en": "English",
        "categories": "Subjects answered",
        "category": "Subject",
        "about": "How residents used the city's AI chat this month. No question's text is ever published.",
        "small": "not shown",
        "model": "Search model in use",
        "generation": "Version of the city's data in use",
        "updated": "Data last updated",
        "fewer": (
            "Figures under {n}, and figures from which one could be worked out, are not shown. "
            "Only months that have ended are published."
        ),
    },
}
BAR_WIDTH = 480  # the longest bar, in SVG units


def monthly_html(report: dict[str, Any], lang: str) -> str:
    """The staff's report as an HTML fragment (the console shows it): each unanswered topic has a button to
    draft an FAQ entry from it."""
    t = LABELS[lang]
    per_day = [(day["day"][5:], day["ja"] + day["en"] + day.get("other", 0)) for day in report["days"]]
    outcomes = [(t[outcome], n) for outcome, n in report["outcomes"].items()]
    bands = [(f"{band['low']:.1f}–{band['high']:.1f}", band["answers"]) for band in report["confidence"]]
    parts = [
        f"<h2 id='report-title'>{t['title']} {escape(report['month'])}</h2>",
        f"<p>{t['questions']}: <strong>{report['questions']}</strong> "
        f"({', '.join(f'{escape(t.get(x, NAMES[x]))} {n}' for x, n in report['languages'].items())})</p>",
        chart("per-day", t["per_day"], t["day"], t["count"], per_day),
        chart("outcomes", t["outcomes"], t["outcome"], t["count"], outcomes),
        chart("confidence", t["confidence"], t["band"], t["count"], bands),
        table(
            "most-cited",
            t["most_cited"],
            [t["source"], t["department"], t["citations"]],
            [[s["title"], s["department"], s["citations"]] for s in report["most_cited"]],
            t["none"],
        ),
        table(
            "never-cited",
            t["never_cited"],
            [t["source"], t["department"]],
            [[s["title"], s["department"]] for s in report["never_cited"]],
            t["none"],
        ),
        table(
            "feedback",
            f"{t['feedback']} ({t['helpful']} {report['feedback']['helpful']}, "
            f"{t['not_helpful']} {report['feedback']['not_helpful']}, "
            f"{t['wrong']} {report['feedback'].get('wrong', 0)})",
            [t["source"], t["department"], t["helpful"], t["not_helpful"], t["wrong"]],
            [
                [s["title"], s["department"], s["helpful"], s["not_helpful"], s.get("wrong", 0)]
                for s in report["feedback"]["sources"]
            ],
            t["none"],
        ),
        table(
            "wrong-by-department",
            t["wrong_by_department"],
            [t["department"], t["wrong"]],
            [[row["department"], row["wrong"]] for row in report["feedback"].get("wrong_by_department", [])],
            t["none"],
        ),
        table(
            "comments",
            t["comments"],
            [t["feedback"], t["comments"], t["source"]],
            [
                [t["helpful"] if c["helpful"] else t["not_helpful"], c["comment"], c["source"] or ""]
                for c in report["feedback"]["comments"]
            ],
            t["none"],
        ),
        table(
            "cases",
            t["cases"],
            [t["cases"], t["count"]],
            [
                [t[key], "—" if value is None else value]
                for key, value in report["cases"].items()
                if key != "departments"
            ],
            t["none"],
        ),
        table(
            "department_cases",
            t["department_cases"],
            [t["department"], t["closed"], t["said_resolved"], t["said_not_resolved"], t["overdue"]],
            [
                [row["department"], row["closed"], row["resolved"], row["not_resolved"], row["overdue"]]
                for row in report["cases"].get("departments", [])
            ],
            t["none"],
        ),
        switch_table(report.get("switches", []), t, with_who=True),
        table(
            "unanswered",
            f"{t['unanswered']} ({report['unanswered']['questions']})",
            [t["topic"], t["size"], t["examples"], t["nearest"], t["draft"]],
            [
                [
                    number,
                    topic["size"],
                    " / ".join(topic["examples"]),
                    f"{topic['nearest']['title']} ({topic['nearest']['department']})" if topic["nearest"] else "",
                    _draft_button(topic, f"{t['draft']} {number}"),
                ]
                for number, topic in enumerate(report["unanswered"]["topics"], 1)
            ],
            t["none"],
        ),
    ]
    return "\n".join(parts)


def public_html(report: dict[str, Any], lang: str) -> str:
    """The public report as a whole page: aggregates only, small cells shown as "fewer than N"."""
    t = LABELS[lang]
    floor = report["min_cell"]

    def shown(value: int | None) -> str:
        return str(value) if value is not None else t["small"].format(n=floor)

    other = "en" if lang == "ja" else "ja"
    outcomes = [(t[o], n or 0) for o, n in report["outcomes"].items()]
    rows = [
        [t[o], shown(n), f"{report['shares'][o]:.1%}" if report["shares"][o] is not None else "—"]
        for o, n in report["outcomes"].items()
    ]
    body = "\n".join(
        [
            f"<p>{t['about']}</p>",
            f"<p>{t['month']}: <strong>{escape(report['month'])}</strong> · {t['questions']}: "
            f"<strong>{shown(report['questions'])}</strong></p>",
            chart("outcomes", t["outcomes"], t["outcome"], t["count"], outcomes, rows, [t["share"]]),
            table(
                "languages",
                t["languages"],
                [t["language"], t["count"]],
                [[t[code], shown(n)] for code, n in report["languages"].items()],
                t["none"],
            ),
            table(
                "categories",
                t["categories"],
                [t["category"], t["count"]],
                [[c["category"], c["answers"]] for c in report["categories"]],
                t["none"],
            ),
            switch_table(report["switches"], t, with_who=False),
            "<dl>"
            f"<dt>{t['model']}</dt><dd>{escape(report['model'])}</dd>"
            f"<dt>{t['generation']}</dt><dd>{escape(report['generation'])}</dd>"
            f"<dt>{t['updated']}</dt><dd>{escape(report['corpus_updated'] or '—')}</dd>"
            "</dl>",
            f"<p class='hint'>{t['fewer'].format(n=floor)}</p>",
        ]
    )
    return (
        f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{t['public_title']} {escape(report['month'])}</title>"
        "<link rel='stylesheet' href='static/common.css'></head><body>"
        f"<header><h1>{t['public_title']}</h1><nav aria-label='Language / 言語'>"
        f"<a href='?month={escape(report['month'])}&amp;lang={other}' lang='{other}'>{LABELS[other]['language']}: "
        f"{LABELS[other][other]}</a></nav></header><main id='main'>{body}</main></body></html>"
    )


def switch_table(changes: list[dict[str, Any]], t: dict[str, str], with_who: bool) -> str:
    headings = [t["switch_at"], t["switch_target"], t["switch_state"], t["switch_reason"]]
    rows = [
        [
            c["at"][:16].replace("T", " ") + " UTC",
            c["target"],
            t["switch_on"] if c["on"] else t["switch_off"],
            c["reason"],
        ]
        + ([c.get("by", "")] if with_who else [])
        for c in changes
    ]
    return table("switches", t["switches"], headings + ([t["switch_by"]] if with_who else []), rows, t["none"])


def chart(
    name: str,
    title: str,
    label_heading: str,
    value_heading: str,
    bars: Sequence[tuple[str, int]],
    rows: list[list[Any]] | None = None,
    more_headings: Sequence[str] = (),
) -> str:
    """A horizontal bar chart (hidden from screen readers) and, after it, the table of the same figures."""
    most = max((value for _, value in bars), default=0) or 1
    height = 22
    svg = [
        f"<svg class='chart' aria-hidden='true' focusable='false' width='100%' "
        f"viewBox='0 0 {BAR_WIDTH + 260} {height * len(bars) + 4}'>"
    ]
    for row, (label, value) in enumerate(bars):
        y = row * height + 2
        width = round(BAR_WIDTH * value / most)
        svg.append(
            f"<text x='0' y='{y + 15}' font-size='13'>{escape(label)}</text>"
            f"<rect x='200' y='{y + 3}' width='{width}' height='{height - 8}' fill='#0b5cad'></rect>"
            f"<text x='{206 + width}' y='{y + 15}' font-size='13'>{value}</text>"
        )
    svg.append("</svg>")
    listed = rows if rows is not None else [[label, value] for label, value in bars]
    return table(name, title, [label_heading, value_heading, *more_headings], listed, "", "".join(svg))


def table(name: str, title: str, headings: Sequence[str], rows: list[list[Any]], empty: str, figure: str = "") -> str:
    """A titled part of a report: an optional figure, then the table (or ``empty`` when there are no rows)."""
    body = _table(title, headings, rows) if rows else f"<p>{escape(empty)}</p>"
    return (
        f"<section class='report-part' aria-labelledby='{name}-title'>"
        f"<h3 id='{name}-title'>{escape(title)}</h3>{figure}{body}</section>"
    )


def _table(caption: str, headings: Sequence[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th scope='col'>{escape(str(h))}</th>" for h in headings)
    body = "".join("<tr>" + "".join(f"<td>{_cell(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    return (
        f"<table><caption class='visually-hidden'>{escape(caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _draft_button(topic: dict[str, Any], label: str) -> Markup:
    """The console drafts an FAQ entry from the topic's most asked question and its nearest source's department."""
    department = topic["nearest"]["department"] if topic["nearest"] else ""
    return Markup(
        f"<button type='button' class='draft-faq secondary' data-asked='{escape(topic['examples'][0])}' "
        f"data-department='{escape(department)}'>{escape(label)}</button>"
    )


class Markup(str):
    """HTML this module wrote itself, put into a table cell as it is."""


def _cell(value: Any) -> str:
    return value if isinstance(value, Markup) else escape(str(value))
