"""Conversations that listen (issue 15): a first message that describes the person and asks about a
programme opens the check that fits, with what the message said already filled in.

    free text -> listen(ctx, text) -> listen_<check>:
        confirm ("I noted: 45 years old, senior technician, ... Is that right?" 对 / 有误，我来改)
          ├─ problems first: a contradiction is questioned, an impossible number re-asked with the reason
          ├─ a correction ("不对，是48岁") replaces that fact and confirms again
          └─ 对 -> the check's own entry and states, answering its questions from the facts, so only the
             questions still missing are asked -> the check's verdict

Each ``listen_<check>`` flow carries the target check's own states (``craftsman``'s ``ask``, the subsidy
calculator's ``project``/``days``/…), so the check's rules and wording are reused unchanged; after each step,
:func:`autofill` answers the next question from the facts when they answer it. When the checks offer an entry
point that takes a pre-filled profile, :func:`_start_check` is the one place to call it instead.

The facts live in the conversation's slots (``data["facts"]``); ID and phone numbers are never extracted
(:func:`knowledge.facts.normalize` masks them first).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from functools import lru_cache

from handlers.answering import CACHED_QUESTION_MAX, PROGRAMME_NAMES, SEARCH_CACHE_ENTRIES, reply_locale
from handlers.choices import normalize
from handlers.fields import NOT_AN_ANSWER, reads_as_question
from handlers.flow import FLOW_TARGET, Answer, Ctx, Flow, Invalid, Outcome, State, goto, reroute, switch
from handlers.flows.craftsman import CRAFTSMAN, CRAFTSMAN_CHANNEL
from handlers.flows.station import STATION
from handlers.flows.studio import STUDIO
from handlers.flows.training_rules import ELIGIBILITY as TRAINING_ELIGIBILITY
from handlers.flows.training_rules import SUBSIDY
from handlers.i18n import N_, translator
from handlers.routing import for_someone_else_note
from handlers.types import Choice, Reply
from knowledge import facts as kf
from knowledge.facts.extract import named_in, named_years_ago
from knowledge.text import CLAUSE_BREAKS

TARGETS: dict[str, Flow] = {
    "craftsman_eligibility": CRAFTSMAN,
    "craftsman_channel": CRAFTSMAN_CHANNEL,
    "studio_eligibility": STUDIO,
    "station_eligibility": STATION,
    "training_eligibility": TRAINING_ELIGIBILITY,
    "training_subsidy": SUBSIDY,
}
PREFIX = "listen_"
OWN_STATES = ("confirm", "fix")
YES_WORDS = frozenset({"对", "对的", "对了", "是", "是的", "没错", "正确", "嗯", "好", "好的", "对头", "对头的", "是嘞", "没问题",
                       "yes", "y", "ok", "okay", "right", "correct", "yes that's right", "that's right", "yep", "yeah",
                       "yup", "that's correct", "all correct"})


def listen(ctx: Ctx, text: str) -> str | None:
    """The flow to open for ``text`` (a self-description), with its facts put in ``ctx.data``; None for a
    plain question, which goes to the FAQ search (see :func:`offering` for the check it then offers)."""
    facts, found = _read(text)
    if facts.programme is None and (found is None or found.check.startswith("craftsman")) \
            and (group := _group_talked_of(ctx)) is not None:
        # "What is a technician workstation?", then "our lead is 45, a senior technician, team of 6": the lead
        # expert's facts, not a craftsman's (a grade alone would make them the applicant's own).
        in_context = _read(f"{PROGRAMME_NAMES[False][group]} {text}")
        if in_context[1] is not None and in_context[1].opens:
            facts, found = in_context
    if found is None or not found.opens:
        return None
    if not facts.personal:  # asked to be checked, nothing said yet ("帮我看看能不能评云岭工匠"): the check itself
        ctx.data = {}
        return TARGETS[found.check].name
    return _open(ctx, text, facts, found.check)


def _group_talked_of(ctx: Ctx) -> str | None:
    """"studio" or "station" when the last of the person's earlier messages that names a programme names it."""
    from knowledge.facts.extract import programme_named

    for earlier in reversed(ctx.recent):
        if (named := programme_named(earlier)) is not None:
            return named if named in ("studio", "station") else None
    return None


def _read_text(text: str) -> tuple[kf.Facts, kf.Lead | None]:
    facts = kf.extract(text)
    return facts, kf.lead(text, facts)


# Within one message the listener, the FAQ's offer and a confirmation read the same text: at least this many
# texts are kept whatever the setting (the cache the listener always had).
READ_KEPT_MIN = 64
# The facts of a text and where it leads are a pure function of the text (no clock, no state) and frozen, so a
# kept pair is the one a new reading gives; people send the same words (the FAQ's wording, a forwarded
# question), and a repeated one is not read again. Sized with the search cache (configure_facts_cache).
_kept = lru_cache(maxsize=max(SEARCH_CACHE_ENTRIES, READ_KEPT_MIN))(_read_text)
_kept_long = lru_cache(maxsize=8)(_read_text)  # long texts: their keys would cost more than reading them


def _read(text: str) -> tuple[kf.Facts, kf.Lead | None]:
    """The facts of ``text`` and where it leads, read once for the listener and the FAQ's offer."""
    return (_kept if len(text) <= CACHED_QUESTION_MAX else _kept_long)(text)


def configure_facts_cache(entries: int) -> None:
    """Keep the facts of the last ``entries`` distinct messages (at least :data:`READ_KEPT_MIN`); a new size
    starts an empty cache."""
    global _kept
    size = max(entries, READ_KEPT_MIN)
    if _kept.cache_parameters()["maxsize"] != size:
        _kept = lru_cache(maxsize=size)(_read_text)


def facts_cache_info() -> tuple[int, int, int]:
    """(hits, misses, entries) of the facts cache since it was configured."""
    info = _kept.cache_info()
    return info.hits, info.misses, info.currsize


def offering(faq: Callable[[Ctx, str], list[Reply]]) -> Callable[[Ctx, str], list[Reply]]:
    """``faq`` whose answer to a plain question about a programme ("请问云岭工匠怎么申报？") also offers the
    check that fits as its first choice ("想看看您适合哪种渠道？"): one tap opens that check."""

    def answer(ctx: Ctx, text: str) -> list[Reply]:
        replies = faq(ctx, text)
        _facts, found = _read(text)
        if found is None or found.opens or not replies:
            return replies
        target = "flow:" + TARGETS[found.check].name
        last = replies[-1]
        if any(c.value == target for c in last.choices):
            return replies
        cited = {(c.measure, c.article) for c in last.citations}
        locale = reply_locale(text, ctx.locale)
        _ = translator(locale)
        wants = wants_to_apply(text)
        if wants and not cited & ABOUT[found.check]:
            # "我想申请云岭工匠": what the person wants is plain, whatever article its words rank first (申请 is
            # also in "申请设立云岭工匠创新工作室"): the article its check is about, and the check one tap away.
            measure, number = FIRST_ARTICLE[found.check]
            replies = faq(replace(ctx, locale=locale), f"§{measure}:{number}")
            last, cited = replies[-1], {(measure, number)}
        if cited and not cited & ABOUT[found.check]:  # an answer on another subject (公示几天, 抽查比例)
            return replies
        if _facts.personal:  # "我52了，年龄有没有限制": the check starts from what the message said
            target = "flow:" + PREFIX + found.check
        offer = Choice(target, _(OFFERS[found.check]))
        if wants:
            last = replace(last, text=last.text + "\n" + _("I can go through it with you here, step by step: "
                                                           "tap “{step}”.", step=offer.label))
        return [*replies[:-1], replace(last, choices=(offer, *last.choices))]

    return answer


def _open(ctx: Ctx, text: str, facts: kf.Facts, check: str) -> str:
    """Put the message's facts in ``ctx.data`` for ``check``; the listening flow's name."""
    if facts.named_years is None and facts.programme in ("studio", "station") \
            and (year := named_in(text)) is not None \
            and (ago := named_years_ago(year, ctx.now.year)) is not None:  # "named by the city union in 2021"
        facts = replace(facts, named_years=ago)
    ctx.data = {"facts": facts.to_json(), "check": check, "locale": reply_locale(text, ctx.locale)}
    return PREFIX + check


# ---------------------------------------------------------------------------------------------- words

GRADES = {"初级工": N_("junior worker (初级工)"), "中级工": N_("intermediate worker (中级工)"),
          "高级工": N_("senior worker (高级工)"), "技师": N_("technician (技师)"),
          "高级技师": N_("senior technician (高级技师)")}
TITLES = {"初级": N_("junior professional title"), "中级": N_("intermediate professional title"),
          "副高级": N_("deputy-senior professional title"), "正高级": N_("full-senior professional title")}
LEVELS = {"world": N_("WorldSkills"), "national": N_("national"), "provincial": N_("provincial"),
          "prefecture": N_("prefecture-level")}
CLASSES = {"一类": N_("Class I"), "二类": N_("Class II")}
EXCLUSIONS = {
    "investigation": N_("under investigation"), "violation": N_("a violation of discipline or law"),
    "discipline": N_("a disciplinary sanction in effect"), "credit": N_("listed for dishonesty (失信)"),
    "discipline_ended": N_("a disciplinary sanction whose period of effect has ended"),
    "discipline_dated": N_("a disciplinary sanction received earlier (I will ask whether its period of effect "
                           "has ended)"),
    "wage_arrears": N_("wages owed to workers"), "no_union": N_("no trade union in the enterprise"),
    "accident": N_("a work-safety accident"), "insurance": N_("social insurance not paid"),
}
PROGRAMMES = {"craftsman": N_("Yunling Craftsman"), "studio": N_("innovation studio"),
              "station": N_("technician workstation"), "training": N_("skills training")}
PROJECTS = {"upgrade": N_("skills upgrading training"), "poverty": N_("poverty-alleviation training")}
ROUTES = {"union": N_("through your union"), "association": N_("through an association"),
          "referral": N_("by expert referral"), "self": N_("by self-nomination")}
NAMED = {"prefecture": N_("named at prefecture level"), "county": N_("named at county level"),
         "unit": N_("named by your unit")}
# The check a plain question is offered, as the choice that opens it.
OFFERS = {
    "craftsman_eligibility": N_("See whether you can be named a Yunling Craftsman"),
    "craftsman_channel": N_("Which way of applying suits you?"),
    "studio_eligibility": N_("Check whether your studio can apply at provincial level"),
    "station_eligibility": N_("Check whether your workstation can apply at provincial level"),
    "training_eligibility": N_("Check who may join the training"),
    "training_subsidy": N_("Work out the subsidy for your class"),
}
# The article that answers "I want to apply" for each check: the conditions (craftsman, studio, workstation), how
# to apply (its channel check), who may be trained, how the subsidy is paid.
FIRST_ARTICLE: dict[str, tuple[str, int]] = {
    "craftsman_eligibility": ("craftsman", 5), "craftsman_channel": ("craftsman", 9),
    "studio_eligibility": ("studio", 10), "station_eligibility": ("station", 10),
    "training_eligibility": ("training", 6), "training_subsidy": ("training", 9),
}
# A short message that says the person (or their unit) wants to apply, be named or join: "我想申请云岭工匠",
# "我们厂打算报省级技师工作站", "想参加工会培训", "I'd like to apply for Yunling Craftsman".
# A longer message asks something more particular, which the search answers.
WANTS_MAX = 40  # characters
WANTS_MAX_WORDS = 12  # in English
_WANTS_ZH = re.compile(r"(?:想|要|打算|准备|希望|计划)(?:去|来|给)?(?:申请|申报|报名|参评|参选|参加|评|报)")
_WANTS_EN = re.compile(r"\b(?:i|we)\s*(?:'d|would)?\s*(?:want|wanna|like|plan|hope|intend|wish)\s*(?:to\s+)?"
                       r"(?:apply|join|enter|sign up|be named|be nominated|nominate)\b")


# ... that asks nothing more particular than how ("想报云岭工匠，公示几天" is about the notice period), in no
# clause of its own ("我想参加技能培训，要自己出钱吗" asks about the cost) beyond asking how or whether it can.
# A "but" ("想评云岭工匠，但是我们厂没有工会，怎么办") brings a circumstance of its own, which the search answers too.
_PARTICULAR = re.compile(r"几|多少|哪|谁|什么时候|何时|多久|多长|截止|但是|可是|不过|只是|"
                         r"\b(?:when|where|who|which|how (?:much|many|long)|but|however)\b")
_ASKS = re.compile(r"[吗呢]|什么|啥|怎么|咋|如何|能不能|能否|可不可以|是否|要不要|需不需要|有没有|"
                   r"^(?:how|what|can|could|do|does|is|are|will|should|may|must)\b")
_ONLY_HOW = re.compile(r"(?:请问|那)?(?:我|我们)?(?:可以|行|能|好|成|可不可以|能不能|行不行|有戏)[吗不么呢]?|"
                       r"(?:要|该|应该|需要)?(?:怎么|咋|如何)(?:办|弄|做|搞|整|申请|申报|报名|报|参加|操作)?|"
                       r"(?:需要|要|有)?(?:什么|啥)(?:条件|要求)|条件是(?:什么|啥)|"
                       r"(?:how|how do i|how do we|how can i|how can we|how to do it|can i|can we|may i|is it possible|"
                       r"is that possible|what should i do|what do i do|what are the requirements|what do i need to do)")
_PARTICLES = "吗呀啊呢吧嘛哦哈啦么 "


def wants_to_apply(text: str) -> bool:
    t = text.strip().lower()
    english = t.isascii()
    wanting = _WANTS_EN if english else _WANTS_ZH
    if (len(t.split()) > WANTS_MAX_WORDS if english else len(t) > WANTS_MAX) or not wanting.search(t) \
            or _PARTICULAR.search(t):
        return False
    clauses = (c.strip() for c in CLAUSE_BREAKS.split(t))
    return not any(_ASKS.search(c) and not _ONLY_HOW.fullmatch(c.strip(_PARTICLES))
                   for c in clauses if c and not wanting.search(c))


# The articles each check is about: an answer citing none of them (the notice period, the spot checks) is
# not offered the check, however plainly its question names the programme.
ABOUT: dict[str, frozenset[tuple[str, int]]] = {
    # what, how many a year, who, direct, priority, not
    "craftsman_eligibility": frozenset(("craftsman", n) for n in (2, 3, 5, 6, 7, 8)),
    "craftsman_channel": frozenset(("craftsman", n) for n in (9, 10, 11)),  # channels, materials, first review
    "studio_eligibility": frozenset(("studio", n) for n in (2, 4, 9, 10, 13)),  # what, how many, levels, conditions, route
    "station_eligibility": frozenset(("station", n) for n in (2, 4, 9, 10, 13)),
    "training_eligibility": frozenset(("training", n) for n in (5, 6, 7)),  # projects, who, length
    "training_subsidy": frozenset(("training", n) for n in (8, 9, 10, 16)),  # budgets, rates, allowances, tranches
}
KINDS = {"employed": N_("employed worker"), "migrant": N_("migrant worker"),
         "unemployed": N_("unemployed or changing jobs"), "poor": N_("registered poor labourer"),
         "poverty_migrant": N_("migrant worker of a relocation site")}


def _contest(_: Callable[..., str], c: kf.Contest) -> str:
    parts = [_(LEVELS[c.level]) if c.level else "", _(CLASSES[c.klass]) if c.klass else ""]
    head = _("{level} {klass} contest", level=parts[0], klass=parts[1]).replace("  ", " ").strip()
    if c.stage == "preliminary":
        head += _(" (preliminary round)")
    elif c.stage == "final":
        head += _(" final")
    if c.rank is not None:
        return _("{contest}, place {rank}", contest=head, rank=c.rank)
    return head


def _as_said(_: Callable[..., str], f: kf.Facts, value: int | None, item: str) -> str | None:
    """``item`` (a number in words: "团队 4 人") with the words it was said in when they put it against a bound
    ("团队 4 人（您说的是“不到5个人”）"): the number is the nearest whole one past the bound, which the person
    did not say."""
    if value is None:
        return None
    words = f.said_as(value)
    return item if words is None else _("{fact} (you said “{words}”)", fact=item, words=words)


def _person(_: Callable[..., str], f: kf.Facts) -> list[str | None]:
    return [
        _as_said(_, f, f.age, _("{n} years old", n=f.age)),
        _as_said(_, f, f.lead_age, _("lead expert {n} years old", n=f.lead_age)),
        _(GRADES[f.skill_grade]) if f.skill_grade else None,
        _(TITLES[f.title_level]) if f.title_level else None,
        _("{n} years in the trade", n=f.years_in_trade) if f.years_in_trade is not None else None,
        _contest(_, f.contest) if f.contest else None,
        *f.honours,
        None if f.chinese_national is None else
        _("Chinese national") if f.chinese_national else _("not a Chinese national"),
    ]


def _standing(_: Callable[..., str], f: kf.Facts) -> list[str | None]:
    return [
        _("working in {place}", place=f.work_place) if f.work_place else None,
        _("unit registered outside Yunnan") if f.unit_in_yunnan is False else None,
        _("household registered in {place}", place=f.household_place) if f.household_place else None,
        _("self-employed") if f.self_employed else None,
        _("head of an enterprise") if f.enterprise_head else None,
        _("no trade union at your unit") if f.unit_has_union is False else None,
        _(EXCLUSIONS[f.exclusion]) if f.exclusion else None,
        _(EXCLUSIONS[f.head_issue]) if f.head_issue and f.enterprise_head else None,  # (五): heads' only
        _("already named Yunling Craftsman") if f.already_named else None,
    ]


def _group_and_class(_: Callable[..., str], f: kf.Facts) -> list[str | None]:
    return [
        _(NAMED[f.named_level]) if f.named_level else None,
        _as_said(_, f, f.named_years, _("named {n} years ago", n=f.named_years)),
        _as_said(_, f, f.team_size, _("team of {n}", n=f.team_size)),
        _("applying {route}", route=_(ROUTES[f.route])) if f.route else None,
        _("{n} referrers", n=f.referrer_count) if f.referrer_count is not None else None,
        _("referrers are senior technicians or of deputy-senior title or above") if f.referrers_qualified else None,
        _("referrers of your specialty") if f.referrers_same_specialty else None,
        _(PROJECTS.get(f.project, N_("another training project"))) if f.project else None,
        _as_said(_, f, f.days, _("{n} days", n=f.days)),
        _as_said(_, f, f.trainees, _("trainees: {n}", n=f.trainees)),
        _(KINDS[f.trainee_kind]) if f.trainee_kind else None,
    ]


def summary(_: Callable[..., str], f: kf.Facts) -> list[str]:
    """The facts in words, one item each, in the reader's language."""
    return [item for part in (_person, _standing, _group_and_class) for item in part(_, f) if item]


def problem_text(_: Callable[..., str], p: kf.Problem) -> str:
    if p.kind == "contradiction":
        return _("You wrote {age} years old and {years} years in the trade: that would mean working since the age "
                 "of {start}. Which one is wrong? Type the right one, e.g. '{age} 岁' or '干了 {fix} 年'.",
                 age=p.values[0], years=p.values[1], start=p.values[0] - p.values[1],
                 fix=max(p.values[0] - kf.WORKING_AGE_MIN, 0))
    what = {"age": N_("an age"), "lead_age": N_("an age"), "years_in_trade": N_("years in the trade"),
            "named_years": N_("years since naming"), "trainees": N_("a number of trainees"),
            "days": N_("a number of days")}.get(p.keys[0], N_("a number"))
    bounds = kf.AGE_RANGE if p.keys[0] in ("age", "lead_age") else kf.CLASS_RANGES.get(p.keys[0])
    if bounds is not None:
        return _("{value} cannot be {what} (it must be between {lo} and {hi}). Please type it again.",
                 value=p.values[0], what=_(what), lo=bounds[0], hi=bounds[1])
    return _("{value} cannot be {what} (it must be between 0 and {hi}). Please type it again.",
             value=p.values[0], what=_(what), hi=kf.YEARS_MAX)


# ---------------------------------------------------------------------------------------------- steps

def _in_locale(ctx: Ctx) -> None:
    """A message written in English is answered in English for the whole check."""
    locale = ctx.data.get("locale")
    if locale and locale != ctx.locale:
        ctx.locale, ctx._ = locale, translator(locale)


def _facts(ctx: Ctx) -> kf.Facts:
    return kf.Facts.from_json(ctx.data.get("facts") or {})


def _ask_confirm(ctx: Ctx) -> Reply:
    _in_locale(ctx)
    _ = ctx._
    f = _facts(ctx)
    if f.problems:
        lines = [problem_text(_, p) for p in f.problems]
        return Reply(text="\n".join(lines), choices=(Choice("drop", _("Leave these numbers out and go on")),))
    items = summary(_, f)
    if not items:
        return Reply(text=_("Let's check it together."), choices=(Choice("yes", _("Go on")),))
    return Reply(text=_("I noted: {facts}. Is that right?", facts=_("、").join(items)),
                 choices=(Choice("yes", _("That's right")), Choice("fix", _("Something is wrong, I'll correct it"))))


def _take_correction(ctx: Ctx, text: str) -> Outcome | None:
    old = _facts(ctx)
    new = kf.extract(text)
    if new.personal == 0 and old.programme in PROGRAMME_NAMES[0]:
        # "不对，是6个人": a number told without what it counts; the programme the facts are about says (a
        # station's team, a class's trainees), as it does in a first message that names it.
        new = kf.extract(f"{PROGRAMME_NAMES[0][old.programme]} {text}")
    if new.personal == 0:
        return None
    ctx.data["facts"] = kf.corrected(old, new).to_json()
    return goto("confirm")


def _on_confirm(ctx: Ctx, answer: Answer) -> Outcome:
    _in_locale(ctx)
    _ = ctx._
    if _other_flow(answer):
        return reroute()
    if (again := _another_description(ctx, answer)) is not None:
        return again
    # A correction first: "不对，是48岁" must not be taken for the option "对" it resembles. A rule asked of people
    # in general ("受过处分的能评工匠吗") is a question, not a fact of this case.
    if (kf.is_correction(answer.text) or (answer.value is None and not kf.asks_in_general(answer.text)
                                          and not _asks_or_supposes(answer.text))) \
            and (fixed := _take_correction(ctx, answer.text)):
        return fixed
    if answer.value == "yes" or (answer.value is None and answer.text.strip().strip("。.!！").lower() in YES_WORDS):
        return _start_check(ctx)
    if answer.value == "fix":
        return goto("fix")
    if answer.value == "drop":
        ctx.data["facts"] = kf.without_problems(_facts(ctx)).to_json()
        return goto("confirm")
    # (A question typed here instead is answered by the router, and this step asked again; one the measures do
    # not answer is said to be taken for no answer.)
    if answer.value is None and _asks_or_supposes(answer.text):
        raise Invalid(_(NOT_AN_ANSWER))
    raise Invalid(_("Please choose an option, or type what to correct, for example '不对，是48岁'."))


def _ask_fix(ctx: Ctx) -> Reply:
    _in_locale(ctx)
    return Reply(text=ctx._("What should I correct? Type it, for example '不对，是48岁' or '干了12年'."),
                 choices=(Choice("yes", ctx._("Nothing, go on")),))


def _on_fix(ctx: Ctx, answer: Answer) -> Outcome:
    _in_locale(ctx)
    if _other_flow(answer):
        return reroute()
    if (again := _another_description(ctx, answer)) is not None:
        return again
    # A question ("55岁是周岁还是虚岁") or a supposition ("what if I get Chinese citizenship later?") is no fact of
    # this case: answered aside, the facts as they were.
    general = (kf.asks_in_general(answer.text) or _asks_or_supposes(answer.text)) and not kf.is_correction(answer.text)
    outcome = None if general else _take_correction(ctx, answer.text)
    if outcome is None and answer.value == "yes":
        return _start_check(ctx)
    if outcome is None:
        raise Invalid(ctx._("I could not find a fact in that. Type it like '不对，是48岁' or '干了12年'."))
    return outcome


_SUPPOSES = re.compile(r"还是|假如|如果|要是|万一|\bwhat if\b|\bif\b|\bsuppose\b|\bin case\b", re.I)


def _asks_or_supposes(text: str) -> bool:
    """``text`` asks something or supposes it ("55岁是周岁还是虚岁", "如果我拿了中国籍呢", "what if…"): what it names
    is not a fact of the person's case, though it has a number or a trait in it."""
    return reads_as_question(text) or _SUPPOSES.search(text) is not None


def _another_description(ctx: Ctx, answer: Answer) -> Outcome | None:
    """A new self-description that asks about another check ("…can I be a Yunling Craftsman?" while a
    training subsidy is being confirmed) starts over with its own facts; it is not a correction of these."""
    if answer.value is not None or kf.is_correction(answer.text):
        return None
    facts, found = _read(answer.text)
    if found is None or not found.opens or found.check == ctx.data.get("check"):
        return None
    return switch(_open(ctx, answer.text, facts, found.check))


def _other_flow(answer: Answer) -> bool:
    """While confirming, a flow's own words ("转人工", "human", "申报渠道") still open that flow: the message
    is routed again, as if no flow were active."""
    return answer.choice is None and normalize(answer.text) in _flow_words()


@lru_cache(maxsize=1)
def _flow_words() -> frozenset[str]:
    """Every flow's own words, normalised (the flows are fixed once imported)."""
    from handlers.flows import FLOWS  # late: the registry imports this module

    return frozenset(normalize(w) for f in FLOWS for w in f.commands)


def _start_check(ctx: Ctx) -> Outcome:
    """Enter the check with the facts as its known answers. The one place that knows how a check starts."""
    check = ctx.data["check"]
    target = TARGETS[check]
    known = kf.profile_for(check, _facts(ctx))
    ctx.data["prefill"] = known
    outcome = target.enter(ctx) if target.enter else None
    if outcome is None:
        outcome = goto(target.start or "")
    if isinstance(ctx.data.get("profile"), dict) and "priority_honours" in known:
        ctx.data["profile"]["priority_honours"] = known["priority_honours"]  # read by the rule, never asked
    return autofill(ctx, target.states, outcome)


def _known_answer(ctx: Ctx, state_name: str, state: State) -> Answer | None:
    """The answer the facts give to the question ``state`` asks now, taken from ``data["prefill"]``."""
    prefill: dict[str, object] = ctx.data.get("prefill") or {}
    key = ctx.data.get("field") if state_name == "ask" else state_name  # the form's field: the open question
    if not isinstance(key, str) or key not in prefill:
        return None
    value = str(prefill.pop(key))
    offered = state.prompt(ctx).choices
    for c in offered:
        if c.value == value:
            return Answer(text=c.label, choice=c)
    if offered and not state.free_text:
        return None
    return Answer(text=value)


def autofill(ctx: Ctx, states: Mapping[str, State], outcome: Outcome) -> Outcome:
    """Follow ``outcome`` through the states whose question the facts answer; stop at the first question
    they do not answer (or whose answer the check refuses: then it is asked)."""
    replies = list(outcome.replies)
    while not outcome.end and outcome.next_state is not None and outcome.next_state in states:
        state = states[outcome.next_state]
        answer = _known_answer(ctx, outcome.next_state, state)
        if answer is None:
            break
        try:
            nxt = state.handle(ctx, answer)
        except Invalid:
            break
        replies += nxt.replies
        outcome = nxt
    return replace(outcome, replies=tuple(replies))


def _wrap(states: Mapping[str, State]) -> dict[str, State]:
    """The check's states, in the listener's language, answering from the facts after each step."""
    out: dict[str, State] = {}
    for name, state in states.items():
        def prompt(ctx: Ctx, _s: State = state) -> Reply:
            _in_locale(ctx)
            return _s.prompt(ctx)

        def handle(ctx: Ctx, answer: Answer, _s: State = state) -> Outcome:
            _in_locale(ctx)
            return autofill(ctx, states, _s.handle(ctx, answer))

        # Everything else the step declares (its free text, its own words: claims) is kept as it is.
        out[name] = replace(state, prompt=prompt, handle=handle, to=_reach(states, state.to or ()))
    return out


def _reach(states: Mapping[str, State], targets: Iterable[str]) -> tuple[str, ...]:
    """Every target reachable from ``targets`` through what the states declare: one step may answer several
    questions from the facts (:func:`autofill`) and so land further on."""
    seen: dict[str, None] = {}
    todo = list(targets)
    while todo:
        target = todo.pop(0)
        if target not in seen:
            seen[target] = None
            todo += states[target].to or () if target in states else ()
    return tuple(seen)


def _from_the_question(check: str) -> Callable[[Ctx], Outcome | None]:
    """The listening flow entered by its offer under an answer (a tap, not :func:`listen`): the facts are read
    again from the message that answer replied to, the person's last one (the offer lasts one message), and
    confirmed; when it states none that fit, the check itself starts."""

    def enter(ctx: Ctx) -> Outcome | None:
        if "facts" in ctx.data:  # opened by listen() with them
            return None
        said = ctx.recent[-1] if ctx.recent else ""
        facts, found = _read(said)
        if found is not None and found.check == check and facts.personal:
            _open(ctx, said, facts, check)
            note = for_someone_else_note(PREFIX + check, said, ctx.data["locale"])
            return Outcome(next_state="confirm", replies=tuple(note)) if note else None
        ctx.data = {"check": check, "locale": ctx.locale}
        return _start_check(ctx)

    return enter


def _flow(check: str, target: Flow) -> Flow:
    if set(OWN_STATES) & set(target.states):
        raise ValueError(f"flow {target.name} has a state named like the listener's own")
    # confirm and fix go to each other, into the check (wherever its entry and the facts lead), or to another
    # listening flow (a new self-description about another check).
    check_states = _reach(target.states, target.entry_targets())
    to = ("confirm", "fix", *check_states, *(FLOW_TARGET + PREFIX + other for other in TARGETS if other != check))
    return Flow(
        name=PREFIX + check, title=target.title, start="confirm", in_menu=False, enter=_from_the_question(check),
        enter_to=check_states,  # the check itself, when no fact is carried
        states={**_wrap(target.states),
                "confirm": State(prompt=_ask_confirm, handle=_on_confirm, free_text=True, to=to),
                "fix": State(prompt=_ask_fix, handle=_on_fix, free_text=True, to=to)},
    )


FLOWS = tuple(_flow(check, target) for check, target in TARGETS.items())
