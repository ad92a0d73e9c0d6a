"""How eval/questions/takamatsu.jsonl was made (run from the repository root, once; the file is committed).

Everyday questions, unlisted items, districts, evacuation and English questions are written by hand; the
``item_variant`` questions take every 15th item of Takamatsu's garbage list (``$MADOGUCHI_BENCH_DATA/takamatsu``) and
ask about it as residents write it (a third in hiragana, without the list's size qualifier). Every expected item
is checked against the list, and every unlisted one is checked to be absent from it."""

import json
import re
import unicodedata

from openpyxl import load_workbook

from eval.settings import EvalSettings

DATA = EvalSettings().bench_set("takamatsu")
b = load_workbook(DATA / "garbage_separation_list" / "0074.xlsx", read_only=True)
names = [
    unicodedata.normalize("NFKC", str(r[1])).strip()
    for r in b.worksheets[0].iter_rows(values_only=True)
    if r[1] and r[0] != "#property"
]
nameset = set(names)


def k2h(s: str) -> str:
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in s)


rows: list[dict[str, object]] = []


def add(q: str, kind: str, expected: list[str] | None = None, lang: str = "ja") -> None:
    rows.append({"query": q, "lang": lang, "kind": kind, "expected_titles": expected or []})


# everyday words written as residents write them (expected titles verified below)
everyday = [
    ("フライパンって何ごみ？", ["フライパン"]),
    ("布団を2枚捨てたいです", ["ふとん(2枚まで)"]),
    ("ふとんを4枚出したい", ["ふとん(3枚以上)"]),
    ("電子レンジが壊れたので捨てたい", ["電子レンジ"]),
    ("でんちは何ごみ", ["乾電池(筒形)"]),
    ("乾電池の捨て方", ["乾電池(筒形)"]),
    ("スプレー缶はどうやって捨てる？", ["スプレー缶"]),
    ("使い捨てカイロは何ごみ", ["カイロ(使い捨て)"]),
    ("カップ麺の容器の分別", ["カップ麺の容器(プラスチック製)"]),
    ("段ボールの出し方", ["段ボール箱"]),
    ("扇風機を処分したい", ["扇風機"]),
    ("ソファーを捨てたい", ["ソファー"]),
    ("ライターは何ごみ", ["ライター"]),
    ("ぬいぐるみを捨てたい", ["ぬいぐるみ"]),
    ("自転車の捨て方を教えて", ["自転車"]),
    ("モバイルバッテリーは何ごみですか", ["モバイルバッテリー"]),
    ("リチウムイオン電池の処分方法", ["リチウムイオン電池"]),
    ("ドライヤーは何ごみ", ["ドライヤー"]),
    ("ローソクの捨て方", ["ローソク"]),
    ("豆腐のパックは何ごみ", ["豆腐パック"]),
    ("卵のパックの分別", ["卵パック(プラスチック製)"]),
    (
        "ペットボトルのふたは何ごみ",
        ["ふた・キャップ(金属製)", "ふた・キャップ(プラスチック製)", "ふた・キャップ(王冠)"],
    ),
    ("ランドセルを捨てたい", ["ランドセル"]),
    ("ベビーカーは何ごみ", ["ベビーカー"]),
    ("スノーボードの処分", ["スノーボード"]),
    ("水槽を捨てたい", ["水槽"]),
    ("テレビを捨てたい", ["テレビ"]),
    ("消火器は何ごみ？", ["消火器"]),
    ("仏壇を処分したい", ["仏壇"]),
    ("ピアノを捨てたい", ["ピアノ"]),
    ("ざぶとんは何ごみ", ["座布団"]),
    ("毛布を捨てたい", ["毛布"]),
    ("紙おむつは何ごみ", ["おむつ(紙おむつを含む)"]),
    ("写真を捨てたい", ["写真"]),
    ("ゴルフボールの分別", ["ゴルフボール"]),
]
for q, exp in everyday:
    for e in exp:
        assert e in nameset, e
    add(q, "item", exp)
# generated: every 15th item, written in another script or width
templates = ["{}は何ごみ？", "{}を捨てたい", "{}の捨て方を教えて", "{}の分別は？"]
for n, name in enumerate(names[3::15]):
    base = re.sub(r"[（(][^）)]*[）)]", "", name).strip()
    written = k2h(base) if n % 3 == 0 else base
    add(
        templates[n % 4].format(written),
        "item_variant",
        [t for t in names if re.sub(r"[（(][^）)]*[）)]", "", t).strip() == base],
    )
# not in the list
for item in [
    "ルンバ",
    "ドローン",
    "墓石",
    "キックボード",
    "ヨガマット",
    "ペンキ",
    "位牌",
    "猫の砂",
    "電動歯ブラシの替えブラシ",
    "ホバーボード",
    "サーフボード",
    "カヌー",
    "薪ストーブ",
    "軽トラック",
    "ガスボンベ(業務用)",
    "土嚢",
    "耐火レンガ",
    "義歯",
    "銃",
    "ビリヤード台",
    "除雪機",
    "ジェットスキー",
    "ピアノ線",
]:
    assert not any(item in t for t in names), item
    add(f"{item}は何ごみ？", "unlisted")
# districts (collection days)
for place in ["松島", "塩江", "亀阜", "庵治", "牟礼北部", "二番丁", "四番丁", "新塩屋町"]:
    add(f"{place}のごみ収集日を教えて", "district", [place])
# evacuation: a place and a hazard
for place, hazard in [
    ("日新", "津波"),
    ("二番丁", "洪水"),
    ("松島", "津波"),
    ("亀阜", "土砂災害"),
    ("庵治", "地震"),
    ("瀬戸内町", "高潮"),
]:
    add(f"{place}で{hazard}のときの避難場所を教えて", "evacuation", [place])
add("洪水のときはどこに避難すればいい？", "evacuation", [])  # no place: a person asks where the resident is
# English
for q, exp in [
    ("How do I throw away a frying pan?", ["フライパン"]),
    ("What kind of garbage is a microwave?", ["電子レンジ"]),
    ("How should I dispose of spray cans?", ["スプレー缶"]),
    ("How do I throw away a futon?", ["ふとん(2枚まで)", "ふとん(3枚以上)"]),
    ("Which garbage is a hair dryer?", ["ドライヤー"]),
    ("How do I dispose of batteries?", ["乾電池(筒形)"]),
    ("How do I throw away a bicycle?", ["自転車"]),
    ("How do I dispose of a sofa?", ["ソファー"]),
    ("What garbage is a lighter?", ["ライター"]),
    ("How do I throw away a drone?", []),
]:
    add(q, "english", exp, "en")
with open("eval/questions/takamatsu.jsonl", "w", encoding="utf-8") as out:
    for n, r in enumerate(rows):
        out.write(json.dumps({"id": f"tk-{n:03d}", **r}, ensure_ascii=False) + "\n")
print(len(rows), {k: sum(r["kind"] == k for r in rows) for k in {r["kind"] for r in rows}})
