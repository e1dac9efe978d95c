"""Message catalog maintenance.

    python tools/i18n.py extract            # write handlers/locales/messages.pot from the source
    python tools/i18n.py missing            # list msgids with no zh_Hans translation (exit 1 if any)
    python tools/i18n.py add AREA           # append the missing msgids to zh_Hans/LC_MESSAGES/AREA.po
                                            # (and en/LC_MESSAGES/AREA.po) with empty msgstr, to fill in
    python tools/i18n.py fill AREA < t.json # set zh_Hans translations of AREA.po from a {msgid: text} JSON
    python tools/i18n.py compile            # check every .po compiles to .mo (Babel), exit 1 on error

Message ids are English; the zh_Hans catalog holds the Chinese; the en catalog holds English overrides
(usually identical; it exists so English wording can change without touching code).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "handlers" / "locales"
SOURCES = ("bot", "handlers", "knowledge")
# Which source files each catalog area covers: `add AREA` only takes msgids found in them, so
# engineers working on different areas at the same time never fill each other's catalogs.
AREAS: dict[str, tuple[str, ...]] = {
    "core": ("handlers/dispatch.py", "handlers/routing.py", "handlers/smalltalk.py", "handlers/menus.py", "handlers/flow.py", "handlers/flows/core.py", "bot/console.py",
             "knowledge/text.py", "handlers/services/errors.py", "handlers/services/clerks.py",
             "handlers/services/exports.py"),
    "knowledge": ("knowledge/loader.py", "handlers/cite.py", "knowledge/models.py"),
    "ask": ("knowledge/search/core.py", "knowledge/answer.py", "knowledge/reckon.py", "handlers/flows/ask.py",
            "bot/commands/ask.py"),
    "awards": ("knowledge/rules/eligibility.py", "knowledge/rules/channels.py", "knowledge/rules/procedure.py",
               "knowledge/rules/awards.py", "knowledge/rules/award_workshops.py", "knowledge/places.py",
               "handlers/flows/craftsman.py", "handlers/flows/studio.py", "handlers/flows/station.py",
               "handlers/flows/awards_common.py", "handlers/flows/awards_verdict.py"),
    "listen": (*(f"knowledge/facts/{m}.py" for m in ("__init__", "model", "numbers", "traits", "places", "extract",
                                                   "routing", "corrections", "profile")),
               "handlers/flows/listen.py"),
    "drafts": ("handlers/flows/drafts.py", "handlers/form.py", "handlers/flows/drafts_export.py", "handlers/drafts_view.py", "handlers/forms.py", "handlers/fields.py", "handlers/forms_docx.py"),
    "training": (*(f"handlers/flows/training/{m}.py" for m in ("__init__", "common", "register", "sessions", "trainees")),
                 "handlers/flows/signin.py", "handlers/training_sheets.py", "handlers/training_exports.py",
                 "bot/commands/training.py", "bot/commands/training_run.py", "bot/signin_screen.py",
                 "handlers/services/training.py", "handlers/services/signin_codes.py"),
    "training_rules": ("knowledge/rules/training.py", "knowledge/rules/subsidy.py", "knowledge/training_calendar.py",
                       "handlers/flows/training_rules.py", "handlers/training_text.py", "bot/commands/subsidy.py"),
    "cases": ("handlers/answering.py", "handlers/flows/status.py", "handlers/flows/clerk_cases.py", "handlers/flows/broadcast.py",
              "handlers/notifications.py", "bot/delivery.py", "bot/scheduler.py", "bot/commands/case.py",
              "knowledge/rules/case_stages.py", "handlers/services/cases.py", "handlers/services/broadcasts.py"),
    "wechat": ("bot/wechat/webhook.py", "bot/wechat/protocol.py", "bot/wechat/sender.py", "handlers/events.py",
               "bot/commands/wechat.py"),
    "telegram": ("bot/telegram/app.py", "bot/telegram/inbound.py", "bot/telegram/render.py",
                 "bot/telegram/sender.py", "bot/commands/serve.py"),
    "handoff": ("handlers/flows/handoff.py", "bot/commands/tickets.py", "handlers/services/tickets.py"),
    "console": ("handlers/flows/console.py", "handlers/services/console_auth.py", "handlers/services/console_actions.py",
                "bot/backoffice/core.py", "bot/backoffice/signin.py", "bot/backoffice/pages.py",
                "bot/backoffice/desk.py", "bot/backoffice/classes.py", "bot/backoffice/broadcasts.py", *(f"bot/backoffice/templates/{name}.html" for name in (
                    "base", "message", "signin", "today", "tickets", "ticket", "cases", "case", "audit", "classes",
                    "class", "class_new", "class_session", "attendance", "trainee", "broadcasts", "broadcast",
                    "broadcast_preview"))),
}


def extract() -> Catalog:
    catalog = Catalog(project="yunling-assistant", charset="utf-8")
    for package in SOURCES:
        for filename, lineno, message, _comments, _context in extract_from_dir(
            ROOT / package, method_map=[("**.py", "python"), ("**/templates/**.html", "jinja2")],  # the console's templates
            keywords={"_": None, "N_": None},
        ):
            if isinstance(message, str) and message:
                catalog.add(message, locations=[(f"{package}/{filename}", lineno)])
    return catalog


def translations(locale_dir: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in sorted((LOCALES / locale_dir / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as fh:
            for m in read_po(fh):
                if m.id and m.string and not m.fuzzy:
                    merged.setdefault(str(m.id), str(m.string))
    return merged


def missing(paths: tuple[str, ...] = ()) -> list[str]:
    zh = translations("zh_Hans")
    return [str(m.id) for m in extract() if m.id and m.id not in zh
            and (not paths or any(loc in paths for loc, _line in m.locations))]


def _write(path: Path, cat: Catalog) -> None:
    """Write a catalog back, keeping the header the file had (the Babel version that first wrote it, its
    dates): Babel stamps its own version on every write, which would show as a change in every .po."""
    buf = io.BytesIO()
    write_po(buf, cat, width=0, omit_header=False)
    new = buf.getvalue()
    if path.exists():
        old = path.read_bytes()
        head, sep, _rest = old.partition(b"\n\n")
        _new_head, new_sep, new_rest = new.partition(b"\n\n")
        if sep and new_sep:
            new = head + sep + new_rest
        if new == old:
            return
    path.write_bytes(new)


def add(area: str) -> int:
    paths = AREAS.get(area, ())
    if not paths:
        print(f"warning: area {area!r} has no file list in tools/i18n.py AREAS; taking every missing msgid")
    todo = missing(paths)
    for locale_dir in ("zh_Hans", "en"):
        path = LOCALES / locale_dir / "LC_MESSAGES" / f"{area}.po"
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            with path.open("rb") as fh:
                cat = read_po(fh, locale=locale_dir)
        else:
            cat = Catalog(locale=locale_dir, project="yunling-assistant", charset="utf-8")
        have = set(translations(locale_dir)) if locale_dir == "en" else set()
        for mid in todo:
            if mid not in cat and mid not in have:
                cat.add(mid, string=mid if locale_dir == "en" else "")
        _write(path, cat)
    print(f"{len(todo)} msgids added to {area}.po; fill in the zh_Hans msgstr values")
    return 0


def fill(area: str) -> int:
    import json

    path = LOCALES / "zh_Hans" / "LC_MESSAGES" / f"{area}.po"
    with path.open("rb") as fh:
        cat = read_po(fh, locale="zh_Hans")
    table = json.load(sys.stdin)
    for mid, text in table.items():
        if mid in cat:
            cat[mid].string = text
        else:
            cat.add(mid, string=text)
    _write(path, cat)
    print(f"{len(table)} translations set in {path.relative_to(ROOT)}")
    return 0


def compile_all() -> int:
    bad = 0
    for path in sorted(LOCALES.rglob("*.po")):
        with path.open("rb") as fh:
            cat = read_po(fh)
        errors = list(cat.check())
        if errors:
            bad += 1
            print(path, errors)
        write_mo(io.BytesIO(), cat)
    return 1 if bad else 0


def main(argv: list[str]) -> int:
    cmd = argv[0] if argv else "missing"
    if cmd == "extract":
        buf = io.BytesIO()
        write_po(buf, extract(), width=0)
        (LOCALES / "messages.pot").write_bytes(buf.getvalue())
        return 0
    if cmd == "missing":
        todo = missing()
        for mid in todo:
            print(repr(mid))
        return 1 if todo else 0
    if cmd in ("add", "fill") and len(argv) != 2:
        print(f"usage: python tools/i18n.py {cmd} AREA   (areas: {', '.join(AREAS)})")
        print(__doc__)
        return 2
    if cmd == "add":
        return add(argv[1])
    if cmd == "fill":
        return fill(argv[1])
    if cmd == "compile":
        return compile_all()
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
