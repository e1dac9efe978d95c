"""Catalogs: every message id in the code is translated into Chinese (the default locale), English is
complete, placeholders survive translation, and every catalog compiles."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from handlers.i18n import catalog, translator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import i18n as tool  # noqa: E402

PLACEHOLDER = re.compile(r"\{(\w*)\}")


def test_every_message_id_has_a_chinese_translation() -> None:
    assert tool.missing() == []


def test_english_is_complete_and_placeholders_survive() -> None:
    zh, en = catalog("zh"), catalog("en")
    ids = [m.id for m in tool.extract() if m.id]
    assert len(ids) > 100
    for mid in ids:
        assert mid in zh
        assert set(PLACEHOLDER.findall(zh[mid])) == set(PLACEHOLDER.findall(mid)), mid
        english = en.get(mid, mid)  # message ids are English; the en catalog may override wording
        assert english.strip()
        assert set(PLACEHOLDER.findall(english)) == set(PLACEHOLDER.findall(mid)), mid


def test_catalogs_compile() -> None:
    paths = sorted((ROOT / "handlers" / "locales").rglob("*.po"))
    assert paths
    for path in paths:
        with path.open("rb") as fh:
            cat = read_po(fh)
        for message in cat:  # our placeholders are str.format ones; "50% of" is not a %-format
            message.flags.discard("python-format")
        assert not [e for e in cat.check() if e[1]], path
        buf = io.BytesIO()
        write_mo(buf, cat)
        assert buf.getvalue()


def test_translator_formats_and_falls_back() -> None:
    zh, en = translator("zh"), translator("zh-Hans-CN")
    assert zh("Main menu") == "主菜单" == en("Main menu")
    assert translator("en")("Main menu") == "Main menu"
    assert "2000" in translator("zh")("Your message was very long; I read only its first {n} characters.", n=2000)
    assert translator("zh")("an id nobody translated") == "an id nobody translated"


def test_add_without_an_area_prints_the_usage(capsys) -> None:  # type: ignore[no-untyped-def]
    assert tool.main(["add"]) == 2
    assert "add AREA" in capsys.readouterr().out


def _header(data: bytes) -> bytes:
    return data.split(b"\n\n", 1)[0]


def test_add_keeps_the_catalog_headers(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """`add` on a copy of the catalogs: the headers (Babel's version among them) are left as they were."""
    import shutil

    copy = tmp_path / "locales"
    shutil.copytree(tool.LOCALES, copy)
    monkeypatch.setattr(tool, "LOCALES", copy)
    before = {p: p.read_bytes() for p in copy.rglob("training.po")}
    for path in before:  # as if an older Babel had written them
        path.write_bytes(before[path].replace(b'"Generated-By: Babel ', b'"Generated-By: Babel 0.0.1 was '))
    written = {p: p.read_bytes() for p in before}
    assert tool.main(["add", "training"]) == 0
    for path, data in written.items():
        assert _header(path.read_bytes()) == _header(data), path
