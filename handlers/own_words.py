"""The words that work everywhere, as people say them: "说中文" or "switch to English" for the language,
"我要找人工客服" or "connect me to staff" for a person, "不想弄了" or "never mind" to cancel, "回到首页" for the
menu, "我提交的问题有回复了吗" for one's tickets. Each is a short message whose whole point is that word; a longer
one, or one that asks about the measures ("英语培训有补贴吗", "工作人员的补贴怎么算"), is not.

:func:`asked_word` gives what the global word or the function's own word would (routing treats it so).
"""

from __future__ import annotations

import re

from handlers.choices import normalize

WORD_MAX = 24  # characters (Chinese) or 48 (English): a longer message asks more than a word


def _key(text: str) -> str | None:
    """The message as matched: normalised, its end's punctuation off; None when too long to be only a word."""
    key = normalize(text).strip(" 。.!！?？~～,，")
    if not key or len(key) > WORD_MAX * (2 if key.isascii() else 1):
        return None
    return key if key.isascii() else key.replace(" ", "")


# A language asked for in one's own words ("说中文", "我想用英文", "switch to English", "do you speak English?"):
# a short message whose whole point is the language. Its code, for the language flow's argument.
_LANGUAGES = {"中文": "zh", "汉语": "zh", "普通话": "zh", "华语": "zh", "英文": "en", "英语": "en",
              "chinese": "zh", "mandarin": "zh", "english": "en"}
_LANGUAGE_ZH = re.compile(
    r"(?:我|我们)?(?:想|要|希望)?(?:请|麻烦)?(?:你)?(?:能不能|可不可以|可以|能否|能)?(?:用|说|讲|换成|换到|换|切换到|切换成|切换|"
    r"改成|改用|改为|转成|转到|设置成|设为)?(中文|汉语|普通话|华语|英文|英语)(?:说|讲|回答|回复|交流|聊|聊天|模式|版|界面)?"
    r"(?:吧|吗|呢|好吗|可以吗|行吗|谢谢)?")
_LANGUAGE_EN = re.compile(
    r"(?:please\s+)?(?:(?:can|could|would) you\s+)?(?:(?:switch|change|set)(?:\s+(?:the\s+)?language)?\s+(?:to|into)\s+|"
    r"(?:speak|talk|reply|answer|write|use)\s+(?:in\s+)?|go\s+(?:to\s+)?)?(?:the\s+)?(chinese|mandarin|english)"
    r"(?:\s+(?:please|language|mode|version))?(?:\s+please)?"
    r"|do you speak (chinese|mandarin|english)|in (chinese|mandarin|english),? please")
# "我看不懂英文", "I don't read Chinese": the other language.
_NOT_UNDERSTOOD = re.compile(r"(?:我)?(?:看不懂|不懂|不会|听不懂|不认识)(英文|英语|中文|汉字|汉语)|"
                             r"(?:i\s+)?(?:don'?t|do not|can'?t|cannot)\s+(?:read|understand|speak)\s+(chinese|english)")
_OTHER = {"英文": "zh", "英语": "zh", "english": "zh", "中文": "en", "汉字": "en", "汉语": "en", "chinese": "en"}


def asked_language(text: str) -> str | None:
    """"zh" or "en" when the whole message asks for that language; None otherwise ("英语培训有补贴吗" asks
    about training)."""
    key = _key(text)
    if key is None:
        return None
    m = _LANGUAGE_EN.fullmatch(key) if key.isascii() else _LANGUAGE_ZH.fullmatch(key)
    if m is not None:
        return _LANGUAGES[next(g for g in m.groups() if g)]
    other = _NOT_UNDERSTOOD.fullmatch(key)
    return _OTHER[next(g for g in other.groups() if g)] if other else None


CANCEL, MENU, HUMAN, TICKETS, UNSUBSCRIBE = "cancel", "menu", "handoff", "mytickets", "unsubscribe"

_SAID: tuple[tuple[str, re.Pattern[str], re.Pattern[str]], ...] = (
    # (what, Chinese, English): each matched against the whole message.
    (HUMAN, re.compile(
        r"(?:我|我们)?(?:要|想|想要|需要|希望)?(?:请|麻烦|帮我)?(?:你)?(?:能不能|可不可以|可以|能否|能)?(?:帮我)?"
        r"(?:找|转|转接|接|联系|叫|呼叫|换)?(?:一?个|一?位)?"
        r"(?:人工|人工客服|客服|真人|活人|工作人员|工会的人|工会工作人员|经办人)(?:服务|来|来回答|回答|处理)?"
        r"(?:吧|吗|呢|可以吗|行吗|好吗)?"),
     re.compile(r"(?:(?:i|we)\s+(?:want|need|would like|'d like)\s+to\s+|can i\s+|could i\s+|let me\s+|please\s+)?"
                r"(?:talk|speak|chat)\s+(?:to|with)\s+(?:a\s+|an\s+|the\s+|some\s+)?(?:real\s+)?"
                r"(?:person|human|people|agent|staff|staff member|someone|somebody|clerk|operator|officer)(?:\s+please)?"
                r"|(?:please\s+)?(?:connect|put|transfer)\s+me\s+(?:to|through to|with)\s+(?:a\s+|an\s+|the\s+)?"
                r"(?:real\s+)?(?:person|human|agent|staff|staff member|someone|clerk|operator)(?:\s+please)?"
                r"|(?:a\s+)?real (?:person|human)(?:\s+please)?|(?:an?\s+)?(?:agent|operator)\s+please")),
    (UNSUBSCRIBE, re.compile(
        r"(?:请)?(?:不要|别|不用)(?:再)?(?:给我)?(?:发|推送|推)(?:消息|通知|提醒)?了?(?:吧)?|(?:我)?不(?:想|要)(?:再)?(?:收|接收)"
        r"(?:到)?(?:消息|通知|提醒)了?|(?:取消|关闭|关掉)(?:所有)?(?:提醒|通知|推送)"),
     re.compile(r"(?:please\s+)?stop\s+(?:sending\s+(?:me\s+)?)?(?:the\s+|all\s+|these\s+)?"
                r"(?:messages|reminders|notifications|alerts)(?:\s+please)?|unsubscribe me|"
                r"no more (?:messages|reminders|notifications)|i don'?t want (?:any more |more )?(?:messages|reminders)")),
    (CANCEL, re.compile(
        r"(?:我)?(?:不想|不打算|不用|不)(?:弄|办|做|测|查|问|申报|报|继续)了?(?:了|吧|啦)?|(?:我)?不要了|"
        r"(?:先)?(?:停止|停下|结束|中止|终止)(?:吧|了)?|(?:先)?不(?:弄|办|做)了|算了(?:吧|算了)?|不玩了"),
     re.compile(r"never\s*mind|forget it|stop(?: it| this| please)?|i'?m done|i give up|abort|leave it|no more")),
    (MENU, re.compile(r"(?:回到|返回|回|去)(?:首页|主页|主菜单|开头|最开始)|首页|主页|重新开始|从头开始|从头再来"),
     re.compile(r"(?:go\s+)?back to (?:the\s+)?(?:start|beginning|home|main menu|menu)|home(?:\s+page)?|start over|"
                r"restart|main page")),
    (TICKETS, re.compile(
        r"(?:我)?(?:提交|问|留|反映)的(?:问题|事)(?:有人|有)?(?:回复|答复|回|处理|解决)(?:了)?(?:吗|没有|没)?|"
        r"(?:有人)?(?:回复|答复)我了?(?:吗|没有|没)|我的(?:问题|工单)(?:有人)?(?:回复|答复|处理|怎么样)了?(?:吗|没有|没)?|"
        r"工单(?:怎么样了|有回复吗|处理了吗)"),
     re.compile(r"(?:did|has)\s+(?:anyone|someone|somebody|a clerk|the union)\s+(?:answer(?:ed)?|repl(?:y|ied)|"
                r"respond(?:ed)?)(?:\s+to)?\s+my\s+(?:question|ticket|message)|any\s+(?:reply|answer|news|update)\s+"
                r"(?:on|to|about|for)\s+my\s+(?:question|ticket)|(?:what is\s+|what's\s+)?(?:the\s+)?status of my "
                r"(?:ticket|question)")),
)


def asked_word(text: str) -> str | None:
    """CANCEL, MENU (global words), HUMAN or TICKETS (the flows they open) when the whole message says it in
    other words than the word itself; None otherwise."""
    key = _key(text)
    if key is None:
        return None
    for what, zh, en in _SAID:
        if (en if key.isascii() else zh).fullmatch(key):
            return what
    return None
