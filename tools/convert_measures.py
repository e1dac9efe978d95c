"""Convert the official text of 云工办通〔2020〕22号 into ``knowledge/data/<measure>.json``.

    python tools/convert_measures.py [SOURCE]    # default: ../shared/source/yunnan-union-measures-2020.txt

Articles are cut from the text (chapters, 第X条, 款 paragraphs, （X） items, "1." sub-items) after repairing
the layout artefacts of the source: paragraphs broken by page breaks, markdown list dashes, half-width
punctuation and stray spaces. Annex form fields and table columns are mapped by hand (the source tables
are HTML-ish and unreliable) in ``measure_annexes.py`` beside this file, and every hand-mapped label is
checked against the annex text. English gists and keywords come from ``knowledge/curation/<measure>.json``
and are merged in; the conversion fails when an article has no curation. The output is deterministic.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge.models import Annex, Article, Chapter, FormField, Measure, Paragraph  # noqa: E402
from knowledge.text import squash  # noqa: E402
from tools.measure_annexes import ANNEXES  # noqa: E402

DEFAULT_SOURCE = ROOT.parent / "shared" / "source" / "yunnan-union-measures-2020.txt"
DATA = ROOT / "knowledge" / "data"
CURATION = ROOT / "knowledge" / "curation"

# key -> (title without 《》, English title, short English name); article counts are checked.
MEASURES: dict[str, tuple[str, str, str, int]] = {
    "craftsman": (
        "云岭工匠选树管理办法",
        "Measures for the Selection and Management of Yunling Craftsmen",
        "Yunling Craftsman Measures",
        36,
    ),
    "studio": (
        "云南省职工创新工作室选树管理办法",
        "Measures for the Selection and Management of Yunnan Workers' Innovation Studios",
        "Workers' Innovation Studio Measures",
        38,
    ),
    "station": (
        "云南省职工技师工作站选树管理办法",
        "Measures for the Selection and Management of Yunnan Workers' Technician Stations",
        "Workers' Technician Station Measures",
        38,
    ),
    "training": (
        "云南省工会技能培训专项资金管理办法（试行）",
        "Measures for the Management of the Yunnan Trade Union Special Fund for Skills Training (Trial)",
        "Skills Training Fund Measures",
        27,
    ),
}

DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
NUM = "[一二三四五六七八九十]+"
CHAPTER_RE = re.compile(rf"^第({NUM})章\s*(.+)$")
ARTICLE_RE = re.compile(rf"^第({NUM})条\s*(.*)$")
ITEM_RE = re.compile(rf"^[（(]\s*({NUM})\s*[)）]\s*")
SUBITEM_RE = re.compile(r"^(\d+)\.(?!\d)")
HEADING_RE = re.compile(r"^([^，。、；：“”（）]{2,8})。")
ANNEX_LIST_RE = re.compile(r"^附件[：:]")
ANNEX_HEAD_RE = re.compile(r"^附件\s*(\d+)$")
TERMINAL = "。；：！？"
# Half-width punctuation that slipped into the Chinese text (":" is only converted between non-digits).
HALF_TO_FULL = {"(": "（", ")": "）", ",": "，", ";": "；", "?": "？", "!": "！"}


class ConversionError(Exception):
    """The source does not look the way the converter expects; never write partial data."""


def cn_number(text: str) -> int:
    """Chinese numerals up to 九十九: 九 -> 9, 十一 -> 11, 三十八 -> 38."""
    if "十" not in text:
        return DIGITS[text]
    tens, _, ones = text.partition("十")
    return (DIGITS[tens] if tens else 1) * 10 + (DIGITS[ones] if ones else 0)


def cn_label(number: int, unit: str = "条") -> str:
    """9 -> 第九条, 38 -> 第三十八条."""
    names = {v: k for k, v in DIGITS.items()}
    tens, ones = divmod(number, 10)
    text = (names[tens] if tens > 1 else "") + "十" if tens else ""
    return f"第{text}{names[ones] if ones else ''}{unit}"


def clean(text: str) -> str:
    """Full-width punctuation and no stray spaces (kept only between two ASCII letters/digits)."""
    text = text.strip()
    text = re.sub(r"^-\s+", "", text)  # markdown list dash
    text = ITEM_RE.sub(lambda m: f"（{m.group(1)}）", text)
    text = "".join(HALF_TO_FULL.get(c, c) for c in text)
    text = re.sub(r"(?<!\d):|:(?!\d)", "：", text)
    return re.sub(r"(?<![A-Za-z0-9])\s+|\s+(?![A-Za-z0-9])", "", text)


def is_structural(line: str) -> bool:
    """Lines that always start a new block: chapter and article labels, items and sub-items."""
    return bool(CHAPTER_RE.match(line) or ARTICLE_RE.match(line) or ITEM_RE.match(line) or SUBITEM_RE.match(line))


def blocks(lines: Iterable[str]) -> list[str]:
    """Source lines -> logical paragraphs, re-joining those a page break cut mid-sentence."""
    out: list[str] = []
    for raw in lines:
        line = re.sub(r"^-\s+", "", raw.strip())
        if not line:
            continue
        prev = out[-1] if out else ""
        if prev and not CHAPTER_RE.match(prev) and prev[-1] not in TERMINAL and not is_structural(line):
            out[-1] = prev + line
        else:
            out.append(line)
    return out


def measure_spans(lines: list[str]) -> dict[str, tuple[int, int]]:
    """Line ranges of each measure: from its title line (followed by 第一章) to the next measure."""
    starts: dict[str, int] = {}
    for key, (title, *_rest) in MEASURES.items():
        for i, line in enumerate(lines):
            if squash(line) == squash(title):
                following = next((x for x in lines[i + 1:] if x.strip()), "")
                if following.strip().startswith("第一章"):
                    starts[key] = i
                    break
        else:
            raise ConversionError(f"title of {key} not found")
    order = sorted(starts, key=starts.__getitem__)
    return {k: (starts[k], starts[order[j + 1]] if j + 1 < len(order) else len(lines)) for j, k in enumerate(order)}


def parse_articles(key: str, body: list[str]) -> tuple[list[Chapter], list[dict]]:
    chapters: list[Chapter] = []
    articles: list[dict] = []
    item: int | None = None
    for block in blocks(body):
        if m := CHAPTER_RE.match(block):
            number = cn_number(m.group(1))
            if number != len(chapters) + 1:
                raise ConversionError(f"{key}: chapter {number} out of order")
            chapters.append(Chapter(number=number, label=cn_label(number, "章"), title=clean(m.group(2))))
            continue
        if m := ARTICLE_RE.match(block):
            number = cn_number(m.group(1))
            if number != len(articles) + 1:
                raise ConversionError(f"{key}: article {number} follows {len(articles)}")
            if not chapters:
                raise ConversionError(f"{key}: article {number} before any chapter")
            text = clean(m.group(2))
            heading = h.group(1) if (h := HEADING_RE.match(text)) else ""
            articles.append({"number": number, "label": cn_label(number), "chapter": chapters[-1].number,
                             "heading": heading, "paragraphs": [Paragraph(index=1, text=text)]})
            item = None
            continue
        if not articles:
            raise ConversionError(f"{key}: text before the first article: {block[:30]}")
        paragraphs: list[Paragraph] = articles[-1]["paragraphs"]
        text = clean(block)
        index = len(paragraphs) + 1
        if m := ITEM_RE.match(text):
            item = cn_number(m.group(1))
            paragraphs.append(Paragraph(index=index, item=item, text=text))
        elif (m := SUBITEM_RE.match(text)) and item is not None:
            paragraphs.append(Paragraph(index=index, subitem=int(m.group(1)), text=text))
        else:
            paragraphs.append(Paragraph(index=index, text=text))
    return chapters, articles


def annex_titles(part: list[str]) -> dict[int, str]:
    """The numbered list after 附件： -> {number: title}."""
    titles: dict[int, str] = {}
    for raw in part:
        line = ANNEX_LIST_RE.sub("", re.sub(r"^-\s+", "", raw.strip()))
        if ANNEX_HEAD_RE.match(line):
            break
        if m := re.match(r"^(\d+)\.\s*(.+)$", line):
            titles[int(m.group(1))] = clean(m.group(2)).replace("xx", "XX")
    return titles


def annex_segments(part: list[str]) -> dict[int, list[str]]:
    """Printed annexes, split at their "附件 N" headings (an annex printed without one has no segment)."""
    segments: dict[int, list[str]] = {}
    current: int | None = None
    for raw in part:
        if m := ANNEX_HEAD_RE.match(raw.strip()):
            current = int(m.group(1))
            segments[current] = []
        elif current is not None and raw.strip():
            segments[current].append(raw.strip())
    return segments


NOTE_RE = re.compile(r"^(填报要求|注|备注|汇总情况)[：:]\s*")


def annex_notes(segment: list[str]) -> list[str]:
    """填报要求 / 注 / 备注 / 汇总情况 lines; numbered requirement lists are split into one note each."""
    notes: list[str] = []
    for raw in segment:
        line = raw.replace("\t", "")
        if not (m := NOTE_RE.match(line)):
            continue
        kind, rest = m.group(1), clean(line[m.end():])
        if kind in ("填报要求", "注") and rest.startswith("1."):
            notes += [f"{kind}：{part}" for part in re.split(r"(?<=[；。])(?=\d+\.)", rest)]
        else:
            notes.append(f"{kind}：{rest}")
    return notes


def annex_body(segment: list[str], printed_title: str) -> list[str]:
    """The printed prose of a letter-type annex: every line but its title, table rows and notes."""
    return [clean(line) for line in segment
            if "\t" not in line and not NOTE_RE.match(line) and squash(line) != squash(printed_title)]


def check_annex(key: str, number: int, annex: Annex, where: str, articles: dict[int, str]) -> None:
    """Every hand-mapped label, option and column must be printed in the annex; filled_by in its article."""
    missing = [f.label for f in annex.fields if squash(f.label) not in where]
    missing += [o for f in annex.fields for o in f.options if squash(o) not in where]
    if annex.columns and squash("".join(annex.columns)) not in where:
        missing.append("columns " + " ".join(annex.columns))
    missing += [line for line in annex.body if squash(line) not in where]
    if annex.printed_title and squash(annex.printed_title) not in where:
        missing.append(annex.printed_title)
    if annex.article and squash(annex.filled_by) not in squash(articles[annex.article]):
        missing.append(f"filled_by {annex.filled_by} in article {annex.article}")
    if missing:
        raise ConversionError(f"{key} annex {number}: not in the source: {missing}")
    keys = [f.key for f in annex.fields]
    if len(keys) != len(set(keys)) or not all(re.fullmatch(r"[a-z][a-z0-9_]*", k) for k in keys):
        raise ConversionError(f"{key} annex {number}: field keys must be unique snake_case: {keys}")


def build_annexes(key: str, part: list[str], articles: dict[int, str]) -> list[Annex]:
    titles, segments = annex_titles(part), annex_segments(part)
    whole = squash("".join(part))
    hand = ANNEXES[key]
    if sorted(titles) != sorted(hand) or sorted(titles) != list(range(1, len(titles) + 1)):
        raise ConversionError(f"{key}: annex list {sorted(titles)} vs hand map {sorted(hand)}")
    annexes = []
    for number, title in sorted(titles.items()):
        spec = hand[number]
        segment = segments.get(number, [])
        annex = Annex(
            number=number,
            title=title,
            filled_by=spec["filled_by"],
            article=spec["article"],
            printed_title=spec.get("printed_title", ""),
            fields=tuple(FormField(**f) for f in spec.get("fields", ())),
            columns=tuple(spec.get("columns", ())),
            notes=tuple(annex_notes(segment)),
            body=tuple(annex_body(segment, spec.get("printed_title", ""))) if spec.get("body") else (),
        )
        check_annex(key, number, annex, squash("".join(segment)) if segment else whole, articles)
        annexes.append(annex)
    return annexes


def load_curation(key: str, count: int) -> dict[int, dict]:
    path = CURATION / f"{key}.json"
    if not path.exists():
        raise ConversionError(f"curation file missing: {path}")
    raw = json.loads(path.read_text(encoding="utf-8"))
    curation = {int(k): v for k, v in raw.items()}
    lacking = [n for n in range(1, count + 1)
               if not curation.get(n, {}).get("gist_en") or len(curation.get(n, {}).get("keywords", ())) < 3]
    extra = sorted(set(curation) - set(range(1, count + 1)))
    if lacking or extra:
        raise ConversionError(f"{key}: curation lacks gist/3 keywords for articles {lacking}; unknown {extra}")
    return curation


def convert(source: Path) -> dict[str, Measure]:
    lines = source.read_text(encoding="utf-8").splitlines()
    result: dict[str, Measure] = {}
    for key, (start, end) in measure_spans(lines).items():
        title, title_en, short_en, count = MEASURES[key]
        section = lines[start + 1:end]
        cut = next((i for i, x in enumerate(section) if ANNEX_LIST_RE.match(re.sub(r"^-\s+", "", x.strip()))), None)
        if cut is None:
            raise ConversionError(f"{key}: no 附件 list")
        chapters, raw_articles = parse_articles(key, section[:cut])
        if len(raw_articles) != count:
            raise ConversionError(f"{key}: {len(raw_articles)} articles, expected {count}")
        curation = load_curation(key, count)
        articles = tuple(
            Article(**a, gist_en=curation[a["number"]]["gist_en"],
                    keywords=tuple(curation[a["number"]]["keywords"]))
            for a in raw_articles
        )
        texts = {a.number: a.text for a in articles}
        result[key] = Measure(key=key, title=title, title_en=title_en, short_en=short_en,
                              chapters=tuple(chapters), articles=articles,
                              annexes=tuple(build_annexes(key, section[cut:], texts)))
    return {k: result[k] for k in MEASURES}


def dump(measure: Measure) -> str:
    return json.dumps(measure.to_dict(), ensure_ascii=False, indent=1) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=Path, default=DATA)
    args = parser.parse_args(argv)
    try:
        measures = convert(args.source)
    except (ConversionError, OSError) as exc:
        print(f"convert_measures: {exc}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    for key, measure in measures.items():
        (args.out / f"{key}.json").write_text(dump(measure), encoding="utf-8")
        print(f"{key}: {len(measure.chapters)} chapters, {len(measure.articles)} articles, "
              f"{len(measure.annexes)} annexes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
