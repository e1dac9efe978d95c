"""knowledge.cache: derived data kept between processes, never stale, never a crash."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from knowledge import cache
from knowledge.models import Article, DataError, Measure, Paragraph
from knowledge.search.examples import Packed
from knowledge.search.indexing import Index

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("YUNLING_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _source(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "source.json"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_value_is_built_once_and_rebuilt_when_a_source_changes(folder: Path, tmp_path: Path) -> None:
    built: list[int] = []

    def build() -> dict[str, int]:
        built.append(1)
        return {"n": len(built)}

    src = _source(tmp_path, "one")
    assert cache.cached("thing", [src], build) == {"n": 1}
    assert cache.cached("thing", [src], build) == {"n": 1} and len(built) == 1
    src.write_text("two", encoding="utf-8")  # same name, other bytes: another key
    assert cache.cached("thing", [src], build) == {"n": 2}
    assert len(list(folder.glob("thing-*.pickle"))) == 1  # the older version was removed
    assert oct(folder.stat().st_mode & 0o777) == "0o700"


@pytest.mark.parametrize("damage", [b"", b"not a pickle", pickle.dumps(1)[:-1]])
def test_a_damaged_file_is_rebuilt_not_raised(folder: Path, tmp_path: Path, damage: bytes) -> None:
    src = _source(tmp_path, "x")
    cache.cached("thing", [src], lambda: "first")
    [path] = folder.glob("thing-*.pickle")
    path.write_bytes(damage)
    assert cache.cached("thing", [src], lambda: "rebuilt") == "rebuilt"
    assert cache.cached("thing", [src], lambda: "again") == "rebuilt"  # and stored again


def test_an_unwritable_directory_or_off_still_gives_the_value(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = _source(tmp_path, "x")
    blocker = tmp_path / "file"
    blocker.write_text("a file where the directory should be")
    monkeypatch.setenv("YUNLING_CACHE_DIR", str(blocker / "cache"))
    assert cache.cached("thing", [src], lambda: 41) == 41
    monkeypatch.setenv("YUNLING_CACHE_DIR", "off")
    calls: list[int] = []

    def build() -> int:
        calls.append(1)
        return 42

    assert cache.cached("thing", [src], build) == 42
    assert cache.cached("thing", [src], build) == 42 and len(calls) == 2
    monkeypatch.delenv("YUNLING_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_dir() == tmp_path / "xdg" / "yunling"


def test_the_index_read_back_searches_as_the_one_built(folder: Path) -> None:
    from knowledge.search import core

    built = Index()
    restored = pickle.loads(pickle.dumps(built, protocol=pickle.HIGHEST_PROTOCOL))
    questions = ["云岭工匠年龄有限制吗", "培训补贴怎么拨付", "what documents do I submit for a studio", "公示几天",
                 "申包工匠要啥条件", "加班费怎么算"]
    for q in questions:
        near, near_built = restored.examples.nearest(q), built.examples.nearest(q)
        assert (near is None) == (near_built is None), q
        if near is not None and near_built is not None:
            assert [a.tolist() if hasattr(a, "tolist") else a for a in near] == [
                a.tolist() if hasattr(a, "tolist") else a for a in near_built], q
        assert restored.classifier.probabilities(q) == built.classifier.probabilities(q), q
    assert len(restored.examples.postings) == len(built.examples.postings) > 1000
    assert core.search is not None


def test_packed_lists_survive_pickling_exactly() -> None:
    table: dict[str, list] = {"工匠": [(0, 0.1), (7, -2.5)], "x": [[3, 1e-300]], "empty": []}
    packed = pickle.loads(pickle.dumps(Packed(table)))
    assert packed.get("工匠") == [(0, 0.1), (7, -2.5)] and packed.get("x") == [(3, 1e-300)]
    assert packed.get("empty") == [] and packed.get("missing") == [] and len(packed) == 3


def test_a_fresh_process_answers_from_the_cache_as_from_a_build(tmp_path: Path) -> None:
    """`yunling ask --json` gives the same answer with an empty cache, a filled one, and the cache off."""
    outs = []
    for setting in (str(tmp_path / "c"), str(tmp_path / "c"), "off"):
        env = {**os.environ, "YUNLING_CACHE_DIR": setting, "PYTHONPATH": str(ROOT)}
        run = subprocess.run([sys.executable, "-m", "bot.cli", "ask", "--json", "云岭工匠每年评几个"], cwd=tmp_path,
                             env=env, capture_output=True, text=True, timeout=60, check=True)
        outs.append(json.loads(run.stdout))
    assert outs[0] == outs[1] == outs[2]
    assert sorted(p.name.split("-")[0] for p in (tmp_path / "c").iterdir()) == ["catalog", "search"]


# -- the measures' records, checked field by field when read ---------------------------------------------
def test_records_reject_wrong_types_unknown_and_missing_fields_naming_the_path() -> None:
    data = json.loads((ROOT / "knowledge" / "data" / "studio.json").read_text(encoding="utf-8"))
    assert json.loads(json.dumps(Measure.from_dict(data).to_dict())) == data
    cases = [
        (lambda d: d["articles"][3].__setitem__("number", "4"), r"articles\[3\]\.number: expected an integer"),
        (lambda d: d["articles"][0].__setitem__("number", True), r"articles\[0\]\.number: expected an integer"),
        (lambda d: d["articles"][1]["paragraphs"][0].__setitem__("colour", "red"), r"paragraphs\[0\]: unknown field"),
        (lambda d: d.pop("title"), r"Measure\.title: missing"),
        (lambda d: d.__setitem__("chapters", "none"), r"chapters: expected a list"),
        (lambda d: d["articles"][2].__setitem__("gist_en", "short"), "gist_en is shorter"),
    ]
    for damage, message in cases:
        broken = json.loads(json.dumps(data))
        damage(broken)
        with pytest.raises(DataError, match=message):
            Measure.from_dict(broken)


def test_records_are_frozen_hashable_and_take_lists() -> None:
    a = Article(number=9, label="第九条", chapter=3, paragraphs=[Paragraph(index=1, text="申报方式。")],  # type: ignore[arg-type]
                gist_en="How to apply.")
    assert isinstance(a.paragraphs, tuple) and hash(a) == hash(a.replace())
    with pytest.raises(AttributeError):
        a.number = 10  # type: ignore[misc]


def test_the_pinyin_vocabulary_read_back_is_the_one_built(folder: Path) -> None:
    """The pinyin reader's vocabulary (a second to build) is kept in the cache and read back the same,
    beside the readings table (whose old versions the cache deletes by name: the names must not clash)."""
    from knowledge import pinyin
    from knowledge.text import _pinyin_table, toneless_readings

    pinyin._vocabulary.cache_clear()
    _pinyin_table.cache_clear()
    toneless_readings.cache_clear()  # else readings looked up by earlier tests skip the table
    built = pinyin._vocabulary()
    pinyin._vocabulary.cache_clear()
    assert sorted(p.name.split("-")[0] for p in folder.iterdir()) == ["pinyin", "vocabulary"]
    assert pinyin._vocabulary() == built == pinyin._build_vocabulary()
    assert pinyin.to_hanzi("yunling gongjiang zenme shenbao") == "云岭工匠怎么申报"
    pinyin._vocabulary.cache_clear()
