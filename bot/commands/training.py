"""``yunling training``: training classes from the command line, acting for one union unit (--unit).

    yunling training class add --unit 昆明市总工会 --project upgrade --training-unit 某培训中心 ...
    yunling training class approve KM2603 --by 孙主席 --unit 昆明市总工会
    yunling training class list --unit 昆明市总工会
    yunling training session add KM2603 --date 2026-03-02 --time 09:00-12:00 --place 301 --unit ...
    yunling training import-roster KM2603 roster.xlsx --unit 昆明市总工会
    yunling training export KM2603 --sheet roster|signin|employment [--session ID] -o out.xlsx --unit ...
    yunling training export KM2603 --sheet approval -o 附件3.docx --unit ...   (the class's 附件3 form)
    yunling training code SESSION [-o qr.png] --unit 昆明市总工会
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.commands.common import (
    CATEGORY_KEYS,
    PROJECT_KEYS,
    UNIT_HELP,
    UNIT_OPTION,
    add_db_option,
    later,
    unit_name,
)

RUN = "bot.commands.training_run"


def _common(p: argparse.ArgumentParser) -> None:
    add_db_option(p)
    p.add_argument(*UNIT_OPTION, type=unit_name, dest="as_unit", required=True, metavar="UNIT", help=UNIT_HELP)
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of rule messages")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("training", help="skills-training classes: register, roster, exports, sign-in codes")
    tsub = p.add_subparsers(dest="training_command", metavar="ACTION", required=True)

    cls = tsub.add_parser("class", help="register, approve or list classes").add_subparsers(
        dest="class_command", metavar="ACTION", required=True)
    add = cls.add_parser("add", help="register a class with the fields of Annex 3 (checked against Art. 6-7)")
    _common(add)
    add.add_argument("--project", required=True, choices=PROJECT_KEYS)
    for flag, helptext in (("--training-unit", "培训单位"), ("--training-unit-address", "培训单位地址"),
                           ("--class-address", "培训班地址"), ("--responsible", "负责人"),
                           ("--responsible-phone", "负责人联系电话"), ("--head-teacher", "班主任"),
                           ("--head-teacher-phone", "班主任联系电话"), ("--trade", "培训专业/工种")):
        add.add_argument(flag, required=True, help=helptext)
    add.add_argument("--level", default="", help="培训等级")
    add.add_argument("--men", type=int, required=True)
    add.add_argument("--women", type=int, required=True)
    add.add_argument("--category", action="append", default=[], metavar="KEY=N",
                     help=f"trainees of a category, repeatable; keys: {', '.join(CATEGORY_KEYS)}")
    add.add_argument("--start", required=True, metavar="YYYY-MM-DD")
    add.add_argument("--end", required=True, metavar="YYYY-MM-DD")
    add.add_argument("--hours", type=int, required=True, help="总课时")
    add.add_argument("--allow-short", action="store_true",
                     help="register a poverty-alleviation class shorter than the 15 days of Art. 7 (原则上: the "
                          "approving union allows the exception; recorded in the audit log)")
    add.set_defaults(func=later(RUN, "run_class_add"))

    approve = cls.add_parser("approve", help="record the class approval (Art. 18)")
    _common(approve)
    approve.add_argument("code")
    approve.add_argument("--by", required=True, help="who signed the approval")
    approve.set_defaults(func=later(RUN, "run_class_approve"))

    lst = cls.add_parser("list", help="the unit's classes")
    _common(lst)
    lst.set_defaults(func=later(RUN, "run_class_list"))

    sess = tsub.add_parser("session", help="add a session").add_subparsers(
        dest="session_command", metavar="ACTION", required=True)
    sadd = sess.add_parser("add", help="add a session to a class")
    _common(sadd)
    sadd.add_argument("code")
    sadd.add_argument("--date", required=True, metavar="YYYY-MM-DD")
    sadd.add_argument("--time", required=True, metavar="HH:MM-HH:MM")
    sadd.add_argument("--place", default="")
    sadd.set_defaults(func=later(RUN, "run_session_add"))

    imp = tsub.add_parser("import-roster", help="import the roster from an .xlsx laid out like Annex 4")
    _common(imp)
    imp.add_argument("code")
    imp.add_argument("file", type=Path)
    imp.set_defaults(func=later(RUN, "run_import"))

    exp = tsub.add_parser("export", help="export Annex 4, Annex 6 or a session's sign-in sheet as .xlsx, or the "
                                         "class's approval form (Annex 3) as .docx")
    _common(exp)
    exp.add_argument("code")
    exp.add_argument("--sheet", required=True, choices=["roster", "signin", "employment", "approval"],
                     help="approval: the Annex 3 form filled from the class, to print, sign and file (Art. 18)")
    exp.add_argument("--session", type=int, help="session id (for --sheet signin; default: the latest)")
    exp.add_argument("-o", "--output", type=Path, required=True)
    exp.set_defaults(func=later(RUN, "run_export"))

    code = tsub.add_parser("code", help="print a session's current sign-in code and write its QR image")
    _common(code)
    code.add_argument("session", type=int)
    code.add_argument("-o", "--output", type=Path, help="PNG file (default signin-<class>-<session>.png)")
    code.set_defaults(func=later(RUN, "run_code"))
