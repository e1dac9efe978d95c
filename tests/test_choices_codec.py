"""The one codec of choice values: what tapping a choice does."""

from __future__ import annotations

import pytest

from handlers.choices import Ask, Command, OpenFlow, OpenMenu, Option, decode, encode


@pytest.mark.parametrize(("value", "picked"), [
    ("flow:craftsman", OpenFlow("craftsman")),
    ("menu:awards", OpenMenu("awards")),
    ("cmd:menu", Command("menu")),
    ("ask:§studio:10", Ask("§studio:10")),
    ("opt:3", Option("opt:3")),
    ("unit:昆明市总工会", Option("unit:昆明市总工会")),
    ("yes", Option("yes")),
    ("flow:", Option("flow:")),  # an empty argument opens nothing
    ("", Option("")),
])
def test_decode_gives_a_typed_kind(value: str, picked: object) -> None:
    assert decode(value) == picked


@pytest.mark.parametrize("picked", [OpenFlow("draft"), OpenMenu("clerk"), Command("cancel"), Ask("a:b:c"),
                                    Option("confirm")])
def test_encode_round_trips(picked: object) -> None:
    assert decode(encode(picked)) == picked  # type: ignore[arg-type]
