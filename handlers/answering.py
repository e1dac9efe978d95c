"""Answers to free questions: search the measures, then a direct answer with its citations, or an honest
abstention that points to a person. Needs neither a database nor the flow registry, so ``yunling ask``
starts fast; the FAQ flow (``handlers.flows.ask``) wraps it."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from handlers.cite import citation
from handlers.i18n import Translate, normalize_locale, translator
from handlers.types import Choice, Citation, Reply
from knowledge import loader
from knowledge.answer import Composed, DirectAnswer, compose, direct_answer, same_rule
from knowledge.pinyin import to_hanzi
from knowledge.reckon import Working, age_rule, claim, deadline, reckon, unstated_amount
from knowledge.search import MAX_QUERY, Hit, SearchResult, detect_language, normalize, search
from knowledge.text import contact_named

__all__ = ["PROGRAMME_NAMES", "Asked", "answer", "prefetch"]

MAX_REPLY = 1500  # characters of a rendered reply (WeChat shows about this much comfortably)
MAX_QUOTE = 300  # characters of a quoted article; longer quotes are cut at a sentence end
# A tapped "did you mean" or "which programme" choice comes back as the question "§measure:article[:paragraph]".
_PICKED = re.compile(r"§([a-z]+):(\d{1,3})(?::(\d{1,2}))?")


@dataclass(frozen=True)
class Asked:
    reply: Reply
    result: SearchResult
    composed: Composed
    # What the reply is: "answered", "abstained" (not in the measures), "unsure" ("did you mean"),
    # "which" (which programme), "empty" (no words to search).
    outcome: str = "answered"


# A programme as a question is searched with it, when the question is about it without naming it (a follow-up
# to a question that named it, a question asked inside its check): [Chinese, English].
# A programme as people name it, put before a question that names none to search it of that programme (a follow-up,
# a question at a check's step): the everyday names, as the people whose questions the search learned from wrote.
PROGRAMME_NAMES = ({"craftsman": "云岭工匠", "studio": "创新工作室", "station": "技师工作站", "training": "技能培训"},
                   {"craftsman": "Yunling Craftsman", "studio": "innovation studio", "station": "technician workstation",
                    "training": "training"})  # (not "union skills training": that reads as 第二条's definition)
SEARCH_TOP = 5  # a few more hits than shown, for related questions
SEARCH_CACHE_ENTRIES = 4096  # the default of Settings.search_cache_entries
# A question longer than this is searched each time (its key would cost more memory than its search costs time).
CACHED_QUESTION_MAX = MAX_QUERY * 2
_prefetched = threading.local()  # .results: {question: SearchResult} searched by prefetch() in this thread
PREFETCH_KEPT = 64


def _search_top(query: str) -> SearchResult:
    return search(query, top=SEARCH_TOP)


# The same question searched once: the search is a pure function of the text (the index and the models are
# read-only), its results are immutable, and people ask the same things (the FAQ's own wording, a question
# forwarded in a group, a clerk's reminder quoted back).
_searched = lru_cache(maxsize=SEARCH_CACHE_ENTRIES)(_search_top)


def configure_search_cache(entries: int) -> None:
    """Keep the results of the last ``entries`` distinct questions (0: search every time); a new size starts
    an empty cache."""
    global _searched
    if _searched.cache_parameters()["maxsize"] != max(entries, 0):
        _searched = lru_cache(maxsize=max(entries, 0))(_search_top)


def search_cache_info() -> tuple[int, int, int]:
    """(hits, misses, entries) of the search cache since it was configured."""
    info = _searched.cache_info()
    return info.hits, info.misses, info.currsize


def prefetch(text: str) -> SearchResult | None:
    """Search ``text`` now, for an :func:`answer` to it later in the same thread: the dispatcher calls this
    before its write transaction, so the transaction is not held open through the search. The result (None
    for a tapped choice, which is not searched), for a caller that reads it before answering."""
    if _PICKED.fullmatch(text.strip()):
        return None
    results = getattr(_prefetched, "results", None)
    if results is None:
        results = _prefetched.results = {}
    if len(results) >= PREFETCH_KEPT:  # answers not asked for (the message went elsewhere)
        results.clear()
    query = to_hanzi(text) or text  # as answer() searches it
    found = results[query] = _cached(query)
    return found


def _search(text: str, top: int) -> SearchResult:
    results = getattr(_prefetched, "results", None)
    if results and top <= SEARCH_TOP and (found := results.pop(text, None)) is not None:
        return found
    return _cached(text) if top <= SEARCH_TOP else search(text, top=top)


def _cached(query: str) -> SearchResult:
    return _searched(query) if len(query) <= CACHED_QUESTION_MAX else search(query, top=SEARCH_TOP)


def written_in_english(text: str) -> bool:
    """Text written in English: Latin letters that are not toneless pinyin ("gongjiang zenme shenbao")."""
    return detect_language(normalize(text)) == "en" and to_hanzi(text) is None


# Words that mark a message as English rather than a code (KM2603), a tapped value or toneless pinyin.
ENGLISH_WORDS = frozenset((
    "a", "an", "the", "i", "me", "my", "we", "our", "you", "your", "he", "she", "his", "her", "it", "is", "are",
    "am", "was", "be", "can", "could", "do", "does", "did", "how", "what", "who", "when", "where", "which",
    "why", "much", "many", "to", "for", "of", "in", "on", "at", "and", "or", "not", "no", "if", "please",
    "help", "menu", "human", "cancel", "tickets", "ticket", "apply", "language", "english",
))  # not "hello" / "hi" / "ok": Chinese speakers type those too


def reads_as_english(text: str) -> bool:
    """Written in English and saying so with a common English word: not a code, an acronym or a borrowed
    word ("KM2612", "PDF", "ok")."""
    # Whole words only: the letters of a code ("QMYR5A", "a1b2") are no words.
    return bool(ENGLISH_WORDS.intersection(re.findall(r"(?<![a-z0-9])[a-z]+(?![a-z0-9])", text.lower()))) \
        and written_in_english(text)


# A message in Chinese characters only, at least this long, is written in Chinese ("云岭工匠怎么申报"); a shorter
# one may be a word copied from a notice ("菜单", "签到") by someone who reads English.
CHINESE_SENTENCE = 4
_HAN = re.compile(r"[\u4e00-\u9fff]")
_LATIN_LETTER = re.compile(r"[A-Za-z]")


def reply_locale(text: str, locale: str) -> str:
    """The language to answer ``text`` in: the one it is written in, else ``locale`` (the person's). English
    when it is written in English: a tapped choice ("§craftsman:10") or pinyin is not, nor a code or an acronym
    typed by someone who speaks Chinese ("KM2612", "PDF"). Chinese when it is a sentence in Chinese characters
    with no Latin word ("what is 云岭工匠" is English): a person first answered in English who then writes in
    Chinese reads Chinese."""
    if text.startswith("§"):
        return locale
    if reads_as_english(text):
        return "en"
    if locale != "zh" and len(_HAN.findall(text)) >= CHINESE_SENTENCE and not _LATIN_LETTER.search(text):
        return "zh"
    return locale


def answer(text: str, *, locale: str | None = None, contact: str, top: int = 3, today: date | None = None) -> Asked:
    """Search ``text`` (or take the search :func:`prefetch` made, or the result of the same question's last search) and build the reply. The answer is in
    ``locale`` when given, else in the language the question is written in."""
    picked = _picked(text)
    hanzi = None if picked else to_hanzi(text)  # a question typed in pinyin, in characters
    result = picked or _search(hanzi or text, top)
    lang = normalize_locale(locale) if locale else result.lang
    composed = compose(result, lang)
    _ = translator(lang)
    best = result.hits[0] if result.hits and not picked else None
    # Numbers and dates are read where the search read (a 10 000-character message is not scanned whole).
    said = text[: MAX_QUERY * 2]
    working = reckon(best.measure, best.article, said) if best else None
    outcome = "answered"
    if composed.abstained:
        reply = _abstain(_, lang, composed, result, contact)
        outcome = "empty" if composed.reason == "empty" else "abstained"
    elif not result.likely and working is None:
        # Numbers that fit the best article's rule are evidence enough to answer it.
        reply = _did_you_mean(_, lang, result)
        outcome = "unsure"
    elif not picked and (programmes := _same_rule_elsewhere(result)):
        reply = _which_programme(_, lang, result.hits[0], programmes)
        outcome = "which"
    elif not picked and _several_programmes(result):  # "补多少钱啊": which programme's rule
        reply = _which_of(_, _nearby(_, lang, result), multi=True)
        outcome = "which"
    else:
        # An age given under a measure with an age rule is answered by that rule, whichever article answers
        # the rest (cited beside it).
        aside = age_rule(best.measure, said) if best and working is None else None
        # Something heard, checked ("听说公示要一个月"): held against the figure of the provision quoted first.
        cited = composed.refs[0] if best and composed.refs and working is None else None
        provision = loader.quote(cited.measure, cited.article, cited.paragraph) if cited else ""
        heard = claim(said, provision, cited) if cited else None
        # "奖金多少钱" answered surely by a provision that names no figure: say so first.
        direct = composed.direct.text(lang) if composed.direct else ""
        unstated = unstated_amount(said, f"{provision} {direct}", cited) if cited and result.sure and not heard else None
        reply = _answer(_, composed, working or aside, heard or unstated,
                        deadline(best.measure, best.article, said, today or _today()) if best else None,
                        aside=aside is not None)
        reply = _with_notes(_, lang, reply, result, bool(picked))
    # Whatever the reply, say when only the start of a long question was searched.
    kept = result if len(result.hits) <= top else replace(result, hits=result.hits[:top])
    return Asked(_truncated(_, reply, result), kept, composed, outcome)


def _with_notes(_: Translate, lang: str, reply: Reply, result: SearchResult, picked: bool) -> Reply:
    """An answer with the runners-up when the best article is likely but not certain."""
    if not result.sure and not picked:  # likely, not certain: the runners-up are one tap away
        others = tuple(Choice(pick_value(h), _topic(lang, h)) for h in result.hits[1:3])
        reply = replace(reply, prompt=_("Or did you mean:"),
                        choices=others + tuple(c for c in reply.choices if not c.value.startswith("ask:")))
    return reply


def _truncated(_: Translate, reply: Reply, result: SearchResult) -> Reply:
    """Say so when only the start of a long question was searched (also when nothing was found in it)."""
    if not result.truncated:
        return reply
    return replace(reply, text=_("(Your message was long: I searched its first {n} characters.)", n=MAX_QUERY)
                   + "\n" + reply.text)


def _picked(text: str) -> SearchResult | None:
    """The article a person tapped among the choices offered, as a search result of one sure hit."""
    m = _PICKED.fullmatch(text.strip())
    if not m:
        return None
    measure, number = m.group(1), int(m.group(2))
    try:
        art = loader.article(measure, number)
    except KeyError:
        return None
    para = int(m.group(3)) if m.group(3) else None
    if para is not None and para not in {p.index for p in art.paragraphs}:
        para = None
    return SearchResult(text, "zh", (Hit(measure, number, para, 1.0),), False)


def pick_value(hit: Hit) -> str:
    return f"ask:§{hit.measure}:{hit.article}" + (f":{hit.paragraph}" if hit.paragraph else "")


def _topic(lang: str, hit: Hit) -> str:
    """A short label of what an article says: its direct answer's question, else its opening words."""
    direct = direct_answer(hit.measure, hit.article, hit.paragraph)
    if direct:
        return direct.question(lang)
    art = loader.article(hit.measure, hit.article)
    if lang == "en":
        gist = art.gist_en
        return f"{loader.label(hit.measure, hit.article, 'en')}: " + (gist if len(gist) <= 70 else gist[:68] + "…")
    text = loader.quote(hit.measure, hit.article, hit.paragraph)
    head = re.split(r"[。；：]", text, maxsplit=1)[0]
    return f"{art.label}：" + (head if len(head) <= 30 else head[:28] + "…")


def _did_you_mean(_: Translate, lang: str, result: SearchResult) -> Reply:
    """Plausible but not certain: the best three as choices, instead of guessing or abstaining."""
    return _which_of(_, tuple(Choice(pick_value(h), _topic(lang, h)) for h in result.hits[:3]), multi=False)


def _same_rule_elsewhere(result: SearchResult) -> list[Hit]:
    """When the question names no programme and the best article's rule is in several measures, or the
    search is unsure and its best three are in several programmes ("要交什么材料"): one hit per programme, the
    best one's first."""
    best = result.hits[0]
    if result.named:
        return []
    others = same_rule().get((best.measure, best.article), ())
    if not others and (result.sure or len({h.measure for h in result.hits[:3]}) < 2):
        return []
    hits = [best, *(Hit(m, a, None, best.score) for m, a in others)]  # paragraphs differ between measures
    # Another programme's article ranked among the best three says the same in other words (the craftsman's
    # materials, 第十条, beside the studio's and station's 第十二条): offer that programme too.
    covered = {h.measure for h in hits}
    for hit in result.hits[1:3]:
        if hit.measure not in covered:
            hits.append(hit)
            covered.add(hit.measure)
            # ... and the programmes where that article's rule is the same (the studio's beside the station's).
            for m, a in same_rule().get((hit.measure, hit.article), ()):
                if m not in covered:
                    hits.append(Hit(m, a, None, hit.score))
                    covered.add(m)
    return hits


def _programme(_: Translate, measure: str) -> str:
    names = {"craftsman": _("Yunling Craftsman"), "studio": _("Workers' innovation studio"),
             "station": _("Workers' technician workstation"), "training": _("Union skills training")}
    return names[measure]


def _which_programme(_: Translate, lang: str, best: Hit, hits: list[Hit]) -> Reply:
    choices = [Choice(pick_value(h), _programme(_, h.measure)) for h in hits]
    choices.append(Choice("cmd:menu", _("Main menu")))
    answers = _same_answers(best, hits)
    if answers:  # "公示几天": every programme's answer, one line each, instead of a question back
        lines = [_("{programme}: {answer}", programme=_programme(_, h.measure), answer=d.text(lang))
                 for h, d in zip(hits, answers, strict=True)]
        # Each line's source: the article's words it rests on (the line is already the gist in English).
        cites = tuple(replace(citation(lang, h.measure, h.article), quote=d.fact, gist="")
                      for h, d in zip(hits, answers, strict=True))
        return Reply(text=_("Each programme has this rule in its own measure:") + "\n" + "\n".join(lines),
                     prompt=_("Tap a programme for its article in full:"), choices=tuple(choices), citations=cites)
    return Reply(text=_("The same rule is in several programmes, with their own details. Which one do you mean?"),
                 choices=tuple(choices))


SAME_FACT = 80  # rapidfuzz ratio of two direct answers' facts (the article words they rest on) that say the same


def _same_answers(best: Hit, hits: list[Hit]) -> list[DirectAnswer]:
    """Each programme's direct answer, when every programme has one resting on the same words as the best
    article's ("公示时间为5个工作日" in all three award measures); else [] (the programme is asked). The best
    article's answer is its paragraph's: the craftsman's 第十六条 answers both how long the notice lasts and
    how to object, and only the first is what the other measures' direct answers say."""
    from rapidfuzz import fuzz

    first = direct_answer(best.measure, best.article, best.paragraph)
    if first is None:
        return []
    answers = [first]
    for h in hits[1:]:
        d = direct_answer(h.measure, h.article, h.paragraph)
        if d is None or fuzz.ratio(d.fact, first.fact) < SAME_FACT:
            return []
        answers.append(d)
    return answers


def _abstain(_: Translate, lang: str, composed: Composed, result: SearchResult, contact: str) -> Reply:
    if composed.reason == "empty":
        return Reply(text=_("Please type your question in words, for example: “How many Yunling Craftsmen are "
                            "named each year?”"),
                     choices=(Choice("cmd:menu", _("Main menu")),))
    nearby = _nearby(_, lang, result)
    if nearby and not result.named:  # a bare "how much?": which programme's rule (or which of one's), one tap away
        return _which_of(_, nearby, _several_programmes(result))
    if nearby:  # the programme it names: its nearest articles, one tap away, not offered as the answer
        text = _("I am not sure the four measures I know answer this, so I would rather not guess. Please ask "
                 "{contact}, or talk to a person here.", contact=contact_named(contact, lang))
        text += "\n" + _("The nearest provisions of the programme you named, in case one is what you mean:")
    else:
        text = _("I could not find this in the four measures I know (Yunling Craftsman, workers' innovation "
                 "studios, technician workstations, union skills-training funds), so I would rather not guess. "
                 "Please ask {contact}, or talk to a person here.", contact=contact_named(contact, lang))
    return Reply(text=text, choices=(*nearby, Choice("flow:handoff", _("Talk to a person")),
                                     Choice("cmd:menu", _("Main menu"))))


def _which_of(_: Translate, nearby: tuple[Choice, ...], multi: bool) -> Reply:
    """A bare question's choices: one article per programme (``multi``), else one programme's articles."""
    ask = (_("Your question does not say which programme it is about, and each has its own rule. "
             "Which one do you mean?") if multi else _("I am not sure which rule you mean. Did you mean one of these?"))
    return Reply(text=ask, choices=(*nearby, Choice("flow:handoff", _("None of these: talk to a person")),
                                    Choice("cmd:menu", _("Main menu"))))


def _several_programmes(result: SearchResult) -> bool:
    """The taps of an abstention are one article per programme (a bare question's), not one programme's."""
    return not result.named and len({h.measure for h in result.nearby}) == len(result.nearby) > 1


def _nearby(_: Translate, lang: str, result: SearchResult) -> tuple[Choice, ...]:
    """The taps offered with an abstention: one per programme for a bare question (labelled by programme
    with what its article says), else the named programme's nearest articles."""
    multi = _several_programmes(result)
    return tuple(Choice(pick_value(h), _("{programme}: {topic}", programme=_programme(_, h.measure),
                                         topic=_topic(lang, h)) if multi else _topic(lang, h))
                 for h in result.nearby)


def _today() -> date:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()  # the measures' deadlines are Yunnan's dates


def _answer(_: Translate, composed: Composed, *workings: Working | None, aside: bool = False) -> Reply:
    """``aside``: the first working is an age rule from another article than the best one (a 58-year-old asking
    whether they can still apply): that line is the answer, so its article is quoted first and the best
    article's own one-line answer (how many are named a year) is left out; the best article follows as context."""
    lang = composed.lang
    cites = [_trim(citation(lang, r)) for r in composed.refs]
    cited = {(r.measure, r.article) for r in composed.refs}
    extra = [_trim(citation(lang, w.ref)) for w in workings if w and (w.ref.measure, w.ref.article) not in cited]
    cites = [*extra, *cites] if aside else [*cites, *extra]
    if aside:
        lead = ""
    elif composed.direct:
        lead = composed.direct.text(lang)
    else:
        lead = _("The provision closest to your question is quoted below.")
    for working in workings:  # lines worked out from the question's numbers and today's date
        if working:  # string values are message ids (a task's title) or figures, which pass through
            params = {k: _(v) if isinstance(v, str) else v for k, v in working.params.items()}
            lead = _(working.text, **params) + ("\n" + lead if lead else "")
    # A related question is tapped to its own article, not searched again (the search may doubt its words).
    choices = [Choice(pick_value(Hit(d.ref.measure, d.ref.article, d.ref.paragraph, 1.0)), d.question(lang))
               for d in composed.related]
    choices.append(Choice("cmd:menu", _("Main menu")))
    reply = Reply(text=lead, choices=tuple(choices), citations=tuple(cites))
    while _length(reply) > MAX_REPLY and len(reply.citations) > 1:
        reply = replace(reply, citations=reply.citations[:-1])
    if _length(reply) > MAX_REPLY:
        c = reply.citations[0]
        reply = replace(reply, citations=(replace(c, quote=c.quote[: MAX_QUOTE // 2] + "…"),))
    return reply


def _trim(c: Citation) -> Citation:
    """Keep a quote short: whole sentences up to MAX_QUOTE characters."""
    if len(c.quote) <= MAX_QUOTE:
        return c
    cut = max(c.quote.rfind(mark, 0, MAX_QUOTE) for mark in "。；;")
    return replace(c, quote=c.quote[: cut + 1 if cut > 0 else MAX_QUOTE] + "…")


def _length(reply: Reply) -> int:
    return (len(reply.text) + len(reply.prompt) + sum(len(c.label) + 2 for c in reply.choices)
            + sum(len(c.label) + len(c.quote) + len(c.gist) + 6 for c in reply.citations))
