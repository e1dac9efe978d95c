"""The measures as data: structure, fidelity to the official text, annexes, curation, loader and citations."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

from handlers.cite import citation, citations
from handlers.types import Citation
from knowledge import loader
from knowledge.models import MEASURE_KEYS, Annex, FormField, Measure, ref
from knowledge.text import squash

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT.parent / "shared" / "source" / "yunnan-union-measures-2020.txt"
needs_source = pytest.mark.skipif(not SOURCE.exists(), reason="../shared/source is not available")

COUNTS = {"craftsman": 36, "studio": 38, "station": 38, "training": 27}
CHAPTERS = {"craftsman": 9, "studio": 9, "station": 9, "training": 7}
CN = "零一二三四五六七八九"


def cn(n: int) -> str:
    """Written independently of the converter: 9 -> 九, 10 -> 十, 21 -> 二十一."""
    tens, ones = divmod(n, 10)
    return ("" if tens == 0 else ("十" if tens == 1 else CN[tens] + "十")) + (CN[ones] if ones else "")


@pytest.fixture(scope="module")
def converter() -> ModuleType:
    spec = importlib.util.spec_from_file_location("convert_measures", ROOT / "tools" / "convert_measures.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


annex = loader.annex


def field_labels(a: Annex) -> list[str]:
    return [f.label for f in a.fields]


def field(a: Annex, key: str) -> FormField:
    return next(f for f in a.fields if f.key == key)


# --- structure -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("key", MEASURE_KEYS)
def test_articles_counted_and_numbered_contiguously(key: str) -> None:
    m = loader.measure(key)
    assert [a.number for a in m.articles] == list(range(1, COUNTS[key] + 1))
    assert [a.label for a in m.articles] == [f"第{cn(n)}条" for n in range(1, COUNTS[key] + 1)]
    for a in m.articles:
        assert [p.index for p in a.paragraphs] == list(range(1, len(a.paragraphs) + 1))
        assert all(p.text for p in a.paragraphs)


@pytest.mark.parametrize("key", MEASURE_KEYS)
def test_chapters(key: str) -> None:
    m = loader.measure(key)
    assert [c.number for c in m.chapters] == list(range(1, CHAPTERS[key] + 1))
    assert [c.label for c in m.chapters] == [f"第{cn(n)}章" for n in range(1, CHAPTERS[key] + 1)]
    assert m.chapters[0].title == "总则" and m.chapters[-1].title == "附则"
    chapter_of = [a.chapter for a in m.articles]
    assert chapter_of == sorted(chapter_of) and set(chapter_of) == {c.number for c in m.chapters}


def test_titles() -> None:
    titles = {k: loader.measure(k).title for k in MEASURE_KEYS}
    assert titles == {"craftsman": "云岭工匠选树管理办法", "studio": "云南省职工创新工作室选树管理办法",
                      "station": "云南省职工技师工作站选树管理办法",
                      "training": "云南省工会技能培训专项资金管理办法（试行）"}
    for k in MEASURE_KEYS:
        m = loader.measure(k)
        assert m.title_en and m.short_en and "《" not in m.title
        assert m.document == "云工办通〔2020〕22号"


def test_chapter_of_known_articles() -> None:
    assert loader.article("craftsman", 9).chapter == 3  # 第三章 选树程序
    assert loader.measure("craftsman").chapters[2].title == "选树程序"
    assert loader.article("training", 10).chapter == 3  # 第三章 专项资金的补助标准
    assert loader.measure("training").chapters[2].title == "专项资金的补助标准"


def test_items_and_subitems() -> None:
    art8 = loader.article("craftsman", 8)
    assert [p.item for p in art8.paragraphs] == [None, 1, 2, 3, 4, 5, 6]
    assert art8.paragraphs[5].text.startswith("（五）近3年来")  # was "(五) " half-width in the source
    art12 = loader.article("studio", 12)
    assert [p.item for p in art12.paragraphs[:4]] == [None, 1, 2, 3]
    assert [p.subitem for p in art12.paragraphs[4:]] == [1, 2, 3, 4, 5, 6, 7]
    art10 = loader.article("training", 10)  # four 款, no items
    assert len(art10.paragraphs) == 4 and all(p.item is None for p in art10.paragraphs)


def test_headings() -> None:
    assert loader.article("craftsman", 9).heading == "申报方式"
    assert loader.article("craftsman", 11).heading == "资格审核"
    assert loader.article("training", 18).heading == "开班审批"
    assert loader.article("craftsman", 5).heading == ""
    assert loader.article("craftsman", 9).paragraphs[0].text.startswith("申报方式。")  # kept in the text


def test_layout_artefacts_repaired() -> None:
    assert "影响带动身边的职工" in loader.article("craftsman", 5).text
    assert "云南省总工会按新创建标准" in loader.article("craftsman", 28).text
    assert "可向办公场所所在地的县（市/区）总工会进行申报，再由其" in loader.article("craftsman", 9).text
    assert "可优先推荐省级劳动模范" in loader.article("craftsman", 22).text
    assert "（以下简称“领导小组”）" in loader.article("studio", 5).text
    for key in MEASURE_KEYS:
        for a in loader.measure(key).articles:
            for p in a.paragraphs:
                assert not p.text.startswith("-"), (key, a.number)
                assert not re.search(r"[(),;]|\s", p.text), (key, a.number, p.text)
            # every paragraph ends a sentence: nothing left cut by a page break
            assert all(p.text[-1] in "。；：" for p in a.paragraphs), (key, a.number)


# --- fidelity to the source ------------------------------------------------------------------------------

def _cut_source(key: str) -> dict[int, str]:
    """Cut the articles out of the official text independently of the converter: each article label
    up to the next one, the last up to the annex list; chapter headings and list dashes dropped."""
    lines = SOURCE.read_text(encoding="utf-8").splitlines()
    title = squash(loader.measure(key).title)
    start = next(i for i, x in enumerate(lines)
                 if squash(x) == title and next(y for y in lines[i + 1:] if y.strip()).startswith("第一章"))
    body: list[str] = []
    for line in lines[start + 1:]:
        bare = re.sub(r"^\s*-\s*", "", line)
        if bare.startswith("附件：") or bare.startswith("附件:"):
            break
        if not re.match(r"^第[一二三四五六七八九十]+章", bare):
            body.append(bare)
    text = "\n".join(body)
    out: dict[int, str] = {}
    pos = 0
    for n in range(1, COUNTS[key] + 1):
        m = re.compile(rf"^第{cn(n)}条", re.M).search(text, pos)
        assert m, f"{key} 第{cn(n)}条 not found"
        nxt = re.compile(rf"^第{cn(n + 1)}条", re.M).search(text, m.end()) if n < COUNTS[key] else None
        out[n] = text[m.end(): nxt.start() if nxt else len(text)]
        pos = m.end()
    return out


@needs_source
@pytest.mark.parametrize("key", MEASURE_KEYS)
def test_article_text_equals_source(key: str) -> None:
    source = _cut_source(key)
    for a in loader.measure(key).articles:
        assert squash(a.text) == squash(source[a.number]), f"{key} {a.label}"


@needs_source
def test_committed_data_equals_fresh_conversion(converter: ModuleType) -> None:
    fresh = converter.convert(SOURCE)
    for key, measure in fresh.items():
        committed = (ROOT / "knowledge" / "data" / f"{key}.json").read_text(encoding="utf-8")
        assert converter.dump(measure) == committed, f"{key}.json is stale: run tools/convert_measures.py"


@needs_source
def test_converter_fails_without_curation(converter: ModuleType, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(ROOT / "knowledge" / "curation", tmp_path, dirs_exist_ok=True)
    data = json.loads((tmp_path / "studio.json").read_text(encoding="utf-8"))
    del data["17"]
    (tmp_path / "studio.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(converter, "CURATION", tmp_path)
    with pytest.raises(converter.ConversionError, match=r"studio.*\[17\]"):
        converter.convert(SOURCE)


@needs_source
def test_converter_rejects_a_label_not_printed(converter: ModuleType) -> None:
    bogus = Annex(number=2, title="x", fields=(FormField(key="salary", label="月工资"),))
    with pytest.raises(converter.ConversionError, match="月工资"):
        converter.check_annex("craftsman", 2, bogus, squash("姓名性别"), {})


# --- annexes ---------------------------------------------------------------------------------------------

def test_annex_lists() -> None:
    numbers = {k: [a.number for a in loader.measure(k).annexes] for k in MEASURE_KEYS}
    assert numbers == {"craftsman": [1, 2], "studio": [1, 2], "station": [1, 2], "training": [1, 2, 3, 4, 5, 6]}
    assert annex("craftsman", 1).title == "云岭工匠推荐承诺书"
    assert annex("craftsman", 2).title == "云岭工匠申报表"
    assert annex("training", 5).title == "云南省工会系统技能培训合格证书"
    for k in MEASURE_KEYS:
        for a in loader.measure(k).annexes:
            assert a.filled_by and a.article, (k, a.number)
            assert squash(a.filled_by) in squash(loader.article(k, a.article).text), (k, a.number)


def test_craftsman_annexes() -> None:
    letter = annex("craftsman", 1)
    assert letter.filled_by == "各有关州（市）总工会或省级产业、系统、公司工会" and letter.article == 10
    assert letter.columns == ("序号", "姓名", "年龄", "工作单位", "推荐理由")
    assert any("我们承诺" in line for line in letter.body)
    form = annex("craftsman", 2)
    assert form.filled_by == "申报人"
    labels = field_labels(form)
    for label in ("申报方式", "姓名", "性别", "民族", "手机号码", "政治面貌", "学历", "职务", "身份证号", "电子邮箱",
                  "户籍属性", "是否外来务工人员", "家庭住址", "邮编", "工作单位", "单位性质", "所属行业", "工种",
                  "工作年限", "单位地址", "身份", "技能等级或职称", "技艺精湛高超", "技术水平", "是否获得专利",
                  "发明专利数量", "实用新型专利数量", "外观设计专利数量", "技能、技艺传授途径",
                  "技能、技艺传授范围", "贡献卓越显著", "简要事迹", "所获荣誉"):
        assert label in labels, label
    assert labels.count("邮编") == 2
    assert field(form, "brief_deeds").max_chars == 600
    assert field(form, "household_type").options == ("农业户口", "非农业户口")
    assert field(form, "identity").options == ("干部", "专业技术人员", "普通工人", "职员", "其他")
    assert field(form, "skill_level").options[:2] == ("高级技师", "技师") and len(field(form, "skill_level").options) == 9
    assert field(form, "technical_level").options == ("国际领先", "国内领先", "省内领先", "市内领先")
    assert field(form, "contribution_scope").options == ("全国", "本省", "本市", "本行业", "本单位")
    assert [f.key for f in form.fields if f.kind == "opinion"] == [
        "expert_committee_opinion", "leading_group_opinion", "provincial_union_opinion"]
    assert len(form.notes) == 7 and form.notes[0].startswith("填报要求：1.")
    assert any("2000字" in n for n in form.notes) and any("一式三份" in n for n in form.notes)


@pytest.mark.parametrize(("key", "unit"), [("studio", "工作室"), ("station", "工作站")])
def test_team_annexes(key: str, unit: str) -> None:
    letter = annex(key, 1)
    assert letter.columns == ("序号", f"{unit}名称", f"{unit}负责人", f"{unit}所在单位")
    form = annex(key, 2)
    labels = field_labels(form)
    for label in ("所在单位名称", "负责人", "联系人", "电话", "手机", "E-mail", "成立时间", "领军人员情况",
                  "团队成员情况", "主要活动业绩及获奖情况", "活动经费来源及使用情况", "另附补充说明材料目录",
                  "所在单位工会推荐意见"):
        assert label in labels, (key, label)
    assert field(form, "achievements").max_chars == 600
    assert form.filled_by == ("所在单位" if key == "studio" else "申报单位")


def test_studio_form_notes_and_opinions() -> None:
    form = annex("studio", 2)
    assert sum(f.kind == "opinion" for f in form.fields) == 6
    assert len(form.notes) == 4 and form.notes[0].startswith("注：1.此表需打印填报内容")


def test_training_annexes() -> None:
    plan = annex("training", 1)
    assert plan.body[:2] == ("一、培训任务及要求", "二、培训对象") and "八、其他要求" in plan.body
    summary = annex("training", 2)
    assert summary.columns == ("培训项目", "培训人数", "培训对象", "培训时间", "培训地点", "培训组织单位",
                               "培训承办机构", "项目负责人及联系方式", "备注")
    assert summary.notes and summary.notes[0].startswith("备注：")
    approval = annex("training", 3)
    assert approval.article == 18
    labels = field_labels(approval)
    for label in ("培训类型", "培训单位", "培训单位地址", "培训班地址", "负责人", "联系电话", "班主任", "培训专业",
                  "培训等级", "培训人数", "男", "女", "在岗职工", "农民工", "城镇失业人员和转岗职工", "贫困劳动力",
                  "助力脱贫攻坚专项技能培训项目农民工", "培训时间", "总课时", "县（市、区）总工会意见",
                  "州（市）或省级产业、系统、公司工会审批意见"):
        assert label in labels, label
    assert len([f for f in approval.fields if f.group == "培训对象"]) == 5
    roster = annex("training", 4)
    assert roster.columns == ("姓名", "性别", "身份证号码", "单位", "职工类别", "培训工种", "取证等级",
                              "人社证书编号", "工会证书编号", "联系方式")
    assert any(n.startswith("汇总情况：本次共有___人取证") and "女职工（农民工）" in n for n in roster.notes)
    assert annex("training", 5).filled_by == "省总工会"
    employment = annex("training", 6)
    assert employment.columns == ("姓名", "身份证号码", "职工类别", "培训工种", "培训时间", "人社证书编号",
                                  "就业地点", "就业单位", "本人电话", "就业单位电话", "备注")
    assert employment.filled_by == "各州（市）总工会" and employment.article == 22
    assert employment.notes == ("注：助力脱贫攻坚专项技能培训汇总就业率。",)


# --- curation ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("key", MEASURE_KEYS)
def test_every_article_has_gist_and_keywords(key: str) -> None:
    for a in loader.measure(key).articles:
        assert a.gist_en.isascii() and a.gist_en.endswith(".") and "Draft" not in a.gist_en, (key, a.number)
        assert len(a.keywords) >= 3 and len(set(a.keywords)) == len(a.keywords), (key, a.number)
        assert any(not k.isascii() for k in a.keywords), (key, a.number)  # Chinese terms, not only English


def test_curated_keywords_examples() -> None:
    assert {"学历", "没上过大学", "年龄限制", "who can apply"} <= set(loader.article("craftsman", 5).keywords)
    assert {"生活补助", "一天多少钱", "补贴标准"} <= set(loader.article("training", 10).keywords)


def test_gists_carry_the_figures_of_their_articles() -> None:
    # A gist that states a number must agree with the article it summarises.
    for key, number, figure, zh in [("craftsman", 3, "20", "不超过20名"), ("craftsman", 16, "5 working days", "5个工作日"),
                                    ("studio", 4, "30", "不超过30个"), ("station", 10, "55", "55周岁"),
                                    ("training", 7, "60%", "不低于60%"), ("training", 9, "70%", "70%"),
                                    ("training", 10, "3,600", "3600元"), ("training", 16, "50%", "50%"),
                                    ("training", 11, "5 December", "12月5日"), ("training", 21, "10 December", "12月10日")]:
        a = loader.article(key, number)
        assert figure in a.gist_en and zh in a.text, (key, number)


# --- loader and citations --------------------------------------------------------------------------------

def test_loader_reads_package_data_from_anywhere(tmp_path: Path) -> None:
    code = ("from knowledge.loader import load_measures; m = load_measures(); "
            "print(sum(len(x.articles) for x in m.values()))")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert out.stdout.strip() == "139"
    assert loader.load_measures() is loader.load_measures()  # cached
    assert all(isinstance(m, Measure) for m in loader.load_measures().values())


def test_package_data_declared() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "data/*.json" in config["tool"]["setuptools"]["package-data"]["knowledge"]


def test_label_both_locales() -> None:
    assert loader.label("craftsman", 9, "zh") == "《云岭工匠选树管理办法》第九条"
    assert loader.label("craftsman", 9, "en") == "Yunling Craftsman Measures, Art. 9"
    assert loader.label("craftsman", 9, None) == loader.label("craftsman", 9)
    assert loader.label("training", 27, "zh") == "《云南省工会技能培训专项资金管理办法（试行）》第二十七条"


def test_quote_paragraph_or_article() -> None:
    assert loader.quote("training", 10, 3).startswith("学员生活补助（含交通补助）标准为")
    assert loader.quote("training", 10) == loader.article("training", 10).text
    with pytest.raises(KeyError):
        loader.quote("training", 10, 9)
    with pytest.raises(KeyError):
        loader.article("craftsman", 37)
    with pytest.raises(KeyError, match="unknown measure"):
        loader.measure("housing")
    with pytest.raises(KeyError):
        loader.annex("craftsman", 3)


def test_citation_both_locales() -> None:
    zh = citation("zh", "craftsman", 9)
    assert zh == Citation("craftsman", 9, "《云岭工匠选树管理办法》第九条", loader.article("craftsman", 9).text, "")
    en = citation("en-US", ref("training", 10, 3))
    assert en.label == "Skills Training Fund Measures, Art. 10"
    assert en.quote == loader.quote("training", 10, 3)  # always the Chinese original
    assert en.gist == loader.article("training", 10).gist_en
    with pytest.raises(TypeError):
        citation("zh", "craftsman")


def test_citations_deduplicated_in_order() -> None:
    out = citations("zh", [ref("studio", 4), ref("craftsman", 3), ref("studio", 4), ref("craftsman", 3, 1)])
    assert [(c.measure, c.article) for c in out] == [("studio", 4), ("craftsman", 3)]  # one line per article
    assert out[1].quote.startswith(loader.quote("craftsman", 3)[:20])  # the whole article, cut short
    assert all(len(c.quote) <= 121 for c in out)
