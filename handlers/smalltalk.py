"""Small talk: a message that is only thanks, an acknowledgement or a goodbye ("谢谢", "好的", "嗯嗯",
"ok", "👍", "再见") is answered as such, never searched: the measures have no article on "好的", and the
nearest ones offered as "did you mean" read as if the assistant had not listened.

What counts as small talk is read in :mod:`handlers.own_words` (thanks with asides, "谢谢你啊 帮大忙了";
never a message with a question, "好的，那材料交到哪里"). Outside a step the reply keeps what was on screen:
after an acknowledgement the choices offered last are offered again, so "好的" then "1" still picks the first
of them. Inside a step, thanks asks the step again with no retry counted (:meth:`handlers.routing.Router.step`).
"""

from __future__ import annotations

from handlers.choices import normalize
from handlers.i18n import N_
from handlers.own_words import ACK, BOT, BYE, DONE, DONT_KNOW, THANKS

__all__ = ["ACK", "ACK_WITH_CHOICES", "BOT", "BYE", "DONE", "DONT_KNOW", "REPLIES", "THANKS", "THANKS_AT_STEP", "locale_of"]

REPLIES = {
    THANKS: N_("You're welcome! Ask me anything else about the four measures, or type 'menu' to see what I can do."),
    ACK: N_("OK. Ask me anything else, or type 'menu' to see what I can do."),
    BYE: N_("Goodbye! Come back whenever you have a question."),
    DONE: N_("All right. I'm here whenever you need me."),
    DONT_KNOW: N_("No problem. Tell me in your own words what you would like to know, or choose below; 'human' "
                  "reaches a union staff member."),
    BOT: N_("I am an automatic assistant, not a person: my answers are taken from the text of the four measures, "
            "with the article cited. To talk to a union staff member, type 'human'."),
}
ACK_WITH_CHOICES = N_("OK. To go on, choose a number:")
THANKS_AT_STEP = N_("You're welcome!")


_SHORT_ASCII = frozenset({"ok", "okay", "k", "kk", "88", "886", "ty", "thx"})


def locale_of(text: str, locale: str) -> str:
    """The language to answer small talk in: English for English words ("thank you", "bye"), else the
    person's; "ok", "88" and emoji say nothing of a language."""
    key = normalize(text).strip(" .!?")
    return "en" if key.isascii() and any(ch.isalpha() for ch in key) and key not in _SHORT_ASCII else locale
