"""The FAQ: answers a free question from the measures' text, citing articles, or abstains."""

from __future__ import annotations

from handlers.flow import Ctx
from handlers.types import Choice, Reply


def faq_answer(ctx: Ctx, text: str) -> list[Reply]:
    """Placeholder until the search lands: always abstains and points to a person."""
    _ = ctx._
    return [Reply(text=_("I could not find this in the four measures. Please contact {contact}.",
                         contact=ctx.settings.human_contact),
                  choices=(Choice("cmd:menu", _("Main menu")),))]
