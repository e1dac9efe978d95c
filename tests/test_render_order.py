"""An answer that offers runners-up reads answer → citation → "Or did you mean:" → the choices, on every
renderer: the line that introduces the choices sits right above them, not above the citation."""

from __future__ import annotations

from bot.render import render_text
from bot.telegram.render import render
from handlers.i18n import translator
from handlers.types import Choice, Citation, Reply, reply_from_dict, reply_to_dict

REPLY = Reply(text="At most 20 are named each year.", prompt="Or did you mean:",
              choices=(Choice("ask:§studio:4", "How many studios?"), Choice("cmd:menu", "Main menu")),
              citations=(Citation("craftsman", 3, "Craftsman Measures, Art. 3", "每年命名人数不超过20名", ""),))


def test_plain_text_puts_the_prompt_above_its_numbered_choices_after_the_citation() -> None:
    lines = render_text(REPLY).splitlines()
    cite = next(i for i, line in enumerate(lines) if line.startswith("— Craftsman Measures"))
    prompt = lines.index("Or did you mean:")
    assert 0 < cite < prompt and lines[prompt + 1] == "1. How many studios?"


def test_telegram_ends_its_text_with_the_prompt_above_the_buttons() -> None:
    items = render(REPLY, translator("en"))
    text = items[-1].html
    assert text.index("Art. 3") < text.index("Or did you mean:") and text.rstrip().endswith("Or did you mean:")
    assert [c.value for c in items[-1].choices] == ["ask:§studio:4", "cmd:menu"]


def test_the_prompt_survives_the_outbox() -> None:
    assert reply_from_dict(reply_to_dict(REPLY)) == REPLY
    assert reply_from_dict({"text": "old row"}).prompt == ""  # rows written before the field existed
