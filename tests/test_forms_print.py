"""The 申报表 and the training class's 审批表 (附件3) as printed: each .docx rendered to PDF by LibreOffice, then
read back with pdftotext.

A4 pages, the annex's rows (with the 推荐意见 box its 填报要求3 refers to), each single-line field on one
printed line, the notes on the page of the last review box (not spilled onto a page of their own), and the
full account on pages of its own; 附件3 on one page with both reviewing unions' boxes. Skipped only when
LibreOffice (``soffice``) is not installed; .ci/run installs it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from handlers.forms_docx import approval_docx, build_docx, recommendation_letter_docx

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")

BRIEF = ("长期扎根生产一线，" * 70)[:600]
DEEDS = "主要事迹。" * 400
CRAFTSMAN = {
    "declaration_channel": "个人自荐", "name": "张三丰", "gender": "男", "ethnicity": "彝族",
    "mobile": "13987654321", "political_status": "中共党员", "education": "大学本科", "position": "班组长",
    "id_number": "53010219850317002X", "email": "zhangsanfeng.craft@example.com",
    "household_type": "非农业户口", "migrant_worker": "否", "home_address": "昆明市五华区青年路100号",
    "home_postcode": "650031", "employer": "云南某机械设备制造有限公司", "employer_type": "国有企业",
    "industry": "装备制造", "trade": "钳工", "years_of_service": 18,
    "employer_address": "昆明市官渡区工业路8号", "employer_postcode": "650200", "identity": "普通工人",
    "skill_level": ["高级技师", "高级职称"], "superb_skill": ["一技之长"], "skill_detail": "精密刮研",
    "technical_level": "省内领先", "has_patent": "是", "invention_patents": 2, "utility_model_patents": 5,
    "design_patents": 0, "teaching_channel": ["带徒", "培训"], "teaching_scope": ["本单位"],
    "contribution_scope": "本省", "brief_deeds": BRIEF, "honours": "2019年云南省技术能手；2021年全国五一劳动奖章",
}
VALID_ID = "530102198503170027"  # its check digit right (CRAFTSMAN's is not: the forms print what was typed)
TEAM = {
    "unit_name": "云南某电力公司王五职工创新工作室", "employer": "云南某电力有限责任公司", "leader": "王五",
    "contact_person": "赵六", "phone": "0871-63123456", "mobile": "13987654321",
    "email": "innovation.studio@example.com", "founded": "2017年6月", "leader_profile": "高级技师，省技术能手",
    "members_profile": "成员12人", "achievements": "完成技术攻关20项。" * 40, "rules": "建立例会制度",
    "funding": "单位专项经费", "supplement_list": "",
}
# The fields the annex prints on one line, as they appear on the page.
CRAFTSMAN_LINES = ["张三丰", "13987654321", "53010219850317002X", "zhangsanfeng.craft@example.com",
                   "☐农业户口☑非农业户口", "是否外来务工人员", "昆明市五华区青年路100号", "650031",
                   "云南某机械设备制造有限公司", "国有企业", "昆明市官渡区工业路8号", "650200", "大学本科",
                   "☐干部☐专业技术人员☑普通工人☐职员☐其他",
                   "☑高级技师☐技师☐高级工☐中级工☐初级工☑高级职称☐中级职称☐初级职称☐其他",
                   "申报方式：☐工会逐级推荐☐行业协会推荐☐专业人士举荐☑个人自荐"]
APPROVAL = {
    "training_type": "助力脱贫攻坚专项技能培训", "training_provider": "云南省红河哈尼族彝族自治州职业技能培训中心",
    "provider_address": "红河州蒙自市天马路88号职业教育园区3栋", "class_address": "红河州元阳县新街镇易地扶贫搬迁安置点",
    "person_in_charge": "赵主任", "person_in_charge_phone": "13800001111", "head_teacher": "钱老师",
    "head_teacher_phone": "0871-65123456", "specialty": "中式烹调师", "level": "初级工", "trainees_total": 50,
    "trainees_male": 30, "trainees_female": 20, "trainees_on_job": 0, "trainees_migrant": 0, "trainees_unemployed": 0,
    "trainees_poor": 35, "trainees_poverty_migrant": 15, "training_period": "2026-03-02至2026-03-21",
    "total_hours": 160,
}
APPROVAL_LINES = ["助力脱贫攻坚专项技能培训", "红河州蒙自市天马路88号职业教育园区3栋",
                  "红河州元阳县新街镇易地扶贫搬迁安置点", "13800001111", "0871-65123456", "助力脱贫攻坚专项技能培训项目农民工15人",
                  "2026-03-02至2026-03-21", "总课时160", "已具备开班条件，申请开班。"]
TEAM_LINES = ["云南某电力公司王五职工创新工作室", "云南某电力有限责任公司", "王五", "赵六", "0871-63123456",
              "13987654321", "innovation.studio@example.com", "2017年6月"]


def _render(tmp: Path, docs: dict[str, bytes]) -> dict[str, tuple[str, list[str]]]:
    """name -> (pdfinfo's page size line, the text of each page laid out)."""
    for name, data in docs.items():
        (tmp / f"{name}.docx").write_bytes(data)
    profile = (tmp / "profile").as_uri()  # a profile of its own: no clash with a running LibreOffice
    subprocess.run([SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp), *(str(tmp / f"{n}.docx") for n in docs)],
                   check=True, capture_output=True, timeout=180, env={**os.environ, "HOME": str(tmp)})
    out = {}
    for name in docs:
        pdf = str(tmp / f"{name}.pdf")
        info = subprocess.run(["pdfinfo", pdf], check=True, capture_output=True, text=True).stdout
        text = subprocess.run(["pdftotext", "-layout", pdf, "-"], check=True, capture_output=True,
                              text=True).stdout
        size = re.search(r"^Page size:\s*(.+)$", info, re.M)
        pages = text.split("\f")
        if pages and not pages[-1].strip():
            pages.pop()
        out[name] = (size.group(1) if size else "", pages)
    return out


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, list[str]]]:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext (poppler-utils) is needed beside LibreOffice")
    return _render(tmp_path_factory.mktemp("print"), {
        "craftsman": build_docx("craftsman", CRAFTSMAN),
        "craftsman_deeds": build_docx("craftsman", {**CRAFTSMAN, "deeds": DEEDS}),
        "studio": build_docx("studio", TEAM),
        "station": build_docx("station", {**TEAM, "deeds": "工作站事迹。" * 30}),
        "approval": approval_docx(APPROVAL),
        "letter": recommendation_letter_docx("红河哈尼族彝族自治州总工会", [
            {**CRAFTSMAN, "id_number": VALID_ID}, {**CRAFTSMAN, "name": "李四", "declaration_channel": "工会逐级推荐",
                        "employer": "云南某矿业集团股份有限公司大红山铜矿选矿厂"}] * 4, date(2026, 12, 2)),
    })


def _squashed(page: str) -> list[str]:
    return [re.sub(r"\s+", "", line) for line in page.splitlines()]


def _on_one_line(pages: list[str], value: str) -> bool:
    return any(value in line for page in pages for line in _squashed(page))


@pytest.mark.parametrize("name", ["craftsman", "craftsman_deeds", "studio", "station", "approval", "letter"])
def test_a4_pages(printed, name: str) -> None:  # type: ignore[no-untyped-def]
    size, _pages = printed[name]
    assert "(A4)" in size, size


def test_craftsman_form_fits_two_pages_with_notes_beside_the_last_box(printed) -> None:  # type: ignore[no-untyped-def]
    _size, pages = printed["craftsman"]
    assert len(pages) == 2, [p[:200] for p in pages]
    text = "".join("".join(_squashed(p)) for p in pages)
    for box in ("推荐意见", "专家评审", "领导小组", "总工会"):
        assert box in text
    assert text.index("推荐意见") < text.index("专家评审")
    last = "".join(_squashed(pages[-1]))
    assert "填报要求" in last and "盖章" in last and "7.申报材料" in last
    assert len(pages[-1].strip().splitlines()) > 15  # not a page of notes alone


def test_craftsman_single_line_fields(printed) -> None:  # type: ignore[no-untyped-def]
    _size, pages = printed["craftsman"]
    for value in CRAFTSMAN_LINES:
        assert _on_one_line(pages, value), value


def test_deeds_on_pages_of_their_own(printed) -> None:  # type: ignore[no-untyped-def]
    _size, pages = printed["craftsman_deeds"]
    assert len(pages) == 3  # the form's two, then 2000 characters on a page
    assert "".join(_squashed(pages[2])).startswith("张三丰事迹材料")
    assert "填报要求" not in "".join(_squashed(pages[2]))


@pytest.mark.parametrize("name", ["studio", "station"])
def test_team_forms(printed, name: str) -> None:  # type: ignore[no-untyped-def]
    _size, pages = printed[name]
    form = [p for p in pages if "事迹材料" not in "".join(_squashed(p))[:40]]
    assert len(form) <= 2, [p[:200] for p in pages]
    assert len(pages) - len(form) == (0 if name == "studio" else 1)
    last = "".join(_squashed(form[-1]))
    assert "意见" in last and "盖章" in last and ("注：" in last or name == "station")
    assert len(form) == 1 or len(form[-1].strip().splitlines()) > 20  # not a page of notes and a box
    for value in TEAM_LINES:
        assert _on_one_line(pages, value), value


def test_the_class_approval_form_fits_one_page_with_both_reviewing_boxes(printed) -> None:  # type: ignore[no-untyped-def]
    _size, pages = printed["approval"]
    assert len(pages) == 1, [p[:200] for p in pages]
    text = "".join(_squashed(pages[0]))
    assert text.startswith("云南省工会职工（农民工）技能培训班审批表")
    assert text.count("（单位签章）") == 2 and text.count("经办人：") == 2 and text.count("负责人：") == 2
    assert text.index("县（市、区）") < text.index("州（市）或省级") < text.index("备注：若属省级产业")
    for value in APPROVAL_LINES:
        assert _on_one_line(pages, value), value


def test_the_recommendation_letter_prints_on_one_page_as_the_annex_reads(printed) -> None:  # type: ignore[no-untyped-def]
    """附件1 of the craftsman measure with eight applicants: one A4 page, the letter's sentences in order with the
    counts filled, each applicant's row on one line (age from the ID number), the union's seal line last."""
    _size, pages = printed["letter"]
    assert len(pages) == 1, [p[:200] for p in pages]
    text = "".join(_squashed(pages[0]))
    assert text.startswith("云南省第____届云岭工匠推荐承诺书云南省总工会：")
    assert "截至2026年12月2日，共收到云岭工匠申报材料8份。其中，逐级推荐的有4份，行业（学会）推荐的有0份，专业人士举荐的有0份，自荐的有4份" \
        in text
    assert text.index("对__份申报材料进行了初审") < text.index("序号姓名年龄工作单位推荐理由") < \
        text.index("我们承诺") < text.index("红河哈尼族彝族自治州总工会（盖章）")
    assert _on_one_line(pages, "张三丰41云南某机械设备制造有限公司")  # born 1985-03-17: 41 on 2 December 2026
    assert text.count("李四") == 4 and "选矿厂" in text  # a long unit wraps in its box; no valid ID number, no age
