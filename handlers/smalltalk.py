"""Small talk: a message that is only thanks, an acknowledgement or a goodbye ("谢谢", "好的", "嗯嗯",
"ok", "👍", "再见") is answered as such, never searched: the measures have no article on "好的", and the
nearest ones offered as "did you mean" read as if the assistant had not listened.

Only a whole message counts (punctuation, emoji and the particles round it aside): "好的，那材料交到哪里"
is a question. Outside a step the reply keeps what was on screen: after an acknowledgement the choices
offered last are offered again, so "好的" then "1" still picks the first of them. Inside a step the step
is asked again, with no retry counted (see :meth:`handlers.routing.Router.step`).
"""

from __future__ import annotations

import re
import unicodedata

from handlers.choices import normalize
from handlers.i18n import N_

THANKS, ACK, BYE, DONE = "thanks", "ack", "bye", "done"
MAX_CHARS = 24  # after normalising: a longer message says more than thanks

_THANKS = ("谢谢", "谢谢你", "谢谢您", "谢谢啦", "谢了", "多谢", "感谢", "感谢你", "感谢您", "非常感谢", "太感谢了",
           "十分感谢", "万分感谢", "辛苦了", "辛苦", "麻烦了", "麻烦你了", "thanks", "thank you", "thank u", "thx",
           "ty", "many thanks", "thanks for your help", "thanks for the help", "thank you for your help",
           "谢谢你的帮助", "谢谢帮助", "谢谢解答", "谢谢你的解答", "谢谢您的解答", "谢谢回复", "thanks a lot", "thank you very much", "thanks so much", "cheers", "appreciate it")
_ACK = ("好", "好的", "好滴", "好嘞", "好吧", "嗯", "嗯嗯", "嗯呢", "哦", "哦哦", "噢", "喔", "知道了", "晓得了", "明白",
        "明白了", "了解", "了解了", "清楚了", "收到", "懂了", "行", "行吧", "可以", "是的", "是", "对", "对的", "没问题",
        "ok", "okay", "k", "kk", "got it", "i see", "understood", "alright", "all right", "sure", "cool", "great",
        "fine", "yes", "yep", "yeah", "noted", "good")
_BYE = ("再见", "拜拜", "拜", "88", "886", "回头见", "下次再聊", "bye", "bye bye", "goodbye", "see you", "see ya")
_DONE = ("没有了", "没了", "没有", "没事了", "没事", "不用了", "不用", "不需要了", "暂时没有", "就这些", "no", "nope",
         "no thanks", "no thank you", "nothing", "nothing else", "that's all", "that is all")
_KINDS: dict[str, str] = {w: kind for kind, words in ((THANKS, _THANKS), (ACK, _ACK), (BYE, _BYE), (DONE, _DONE))
                          for w in words}
# Emoji that say thanks or "got it" on their own (🙏, 👍, 👌); any other symbols alone read as an acknowledgement.
_THANKS_SYMBOLS = frozenset("🙏💐🌹❤♥")
_PARTICLES = re.compile(r"[啊呀哈啦了哦噢么嘛呢吧～~]+$")
_SEPARATORS = re.compile(r"[,，.。!！、;；…]+")

REPLIES = {
    THANKS: N_("You're welcome! Ask me anything else about the four measures, or type 'menu' to see what I can do."),
    ACK: N_("OK. Ask me anything else, or type 'menu' to see what I can do."),
    BYE: N_("Goodbye! Come back whenever you have a question."),
    DONE: N_("All right. I'm here whenever you need me."),
}
ACK_WITH_CHOICES = N_("OK. To go on, choose a number:")
THANKS_AT_STEP = N_("You're welcome!")


def _symbols_only(text: str) -> bool:
    return bool(text) and all(unicodedata.category(ch) in ("So", "Sk", "Mn", "Cf") or ch in "\u200d\ufe0f"
                              for ch in text)


def kind_of(text: str) -> str | None:
    """THANKS, ACK, BYE or DONE when the whole of ``text`` is one (or a run of them: "好的谢谢" is thanks,
    "ok bye" a goodbye); None for anything else."""
    key = normalize(text)
    if not key or len(key) > MAX_CHARS or any(ch.isdigit() for ch in key if ch not in "8"):
        return None
    if _symbols_only(key.replace(" ", "")):
        return THANKS if any(ch in _THANKS_SYMBOLS for ch in key) else ACK
    parts = [p for p in _SEPARATORS.split(key) if p.strip()]
    kinds: list[str] = []
    for part in parts:
        part = " ".join("".join(ch for ch in part if not _symbols_only(ch)).split())
        kind = _KINDS.get(part) or _KINDS.get(_PARTICLES.sub("", part)) or (_words(part) if part.isascii() else
                                                                             _run(part))
        if kind is None:
            return None
        kinds.append(kind)
    return _strongest(kinds)


def _words(part: str) -> str | None:
    """An English run of small-talk phrases ("ok thanks", "thank you bye"); None when any word is not one."""
    words = part.split()
    kinds: list[str] = []
    i = 0
    while i < len(words):
        for size in range(min(4, len(words) - i), 0, -1):
            phrase = " ".join(words[i:i + size])
            if phrase in _KINDS:
                kinds.append(_KINDS[phrase])
                i += size
                break
        else:
            return None
    return _strongest(kinds)


def _strongest(kinds: list[str]) -> str | None:
    """A goodbye ends it, thanks is thanked, "没有了" answers "anything else?"; then an acknowledgement."""
    return next((k for k in (BYE, THANKS, DONE, ACK) if k in kinds), None)


def _run(part: str) -> str | None:
    """A Chinese run of small-talk words without separators ("好的谢谢", "嗯嗯好的"); None when any piece is not one."""
    kinds: list[str] = []
    i = 0
    while i < len(part):
        for size in range(min(6, len(part) - i), 0, -1):
            word = part[i:i + size]
            if word in _KINDS and not word.isascii():
                kinds.append(_KINDS[word])
                i += size
                break
        else:
            if _PARTICLES.fullmatch(part[i:]):
                break
            return None
    return _strongest(kinds)


_SHORT_ASCII = frozenset({"ok", "okay", "k", "kk", "88", "886", "ty", "thx"})


def locale_of(text: str, locale: str) -> str:
    """The language to answer small talk in: English for English words ("thank you", "bye"), else the
    person's; "ok", "88" and emoji say nothing of a language."""
    key = normalize(text).strip(" .!?")
    return "en" if key.isascii() and any(ch.isalpha() for ch in key) and key not in _SHORT_ASCII else locale
