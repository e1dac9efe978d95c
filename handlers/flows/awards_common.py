"""A questionnaire driven by a rule: ask ``rule(profile).unknown[0]`` until nothing is unknown, then conclude.

The rule (from :mod:`knowledge.rules`) decides what to ask next, so a conversation asks only what changes the
answer and stops as soon as the verdict is certain. Answers live in the typed slots :class:`CheckSlots`
(persisted by the dispatcher), with the order they were given so that "back" can undo the last.
One state, ``ask``, serves every question: the questionnaire is a form (:class:`handlers.form.Form` over
:class:`CheckBook`) whose one pending field is the rule's first open question, with the form's "back" (which
forgets the last answer) and no skip or save ("not sure" is an answer); typed answers (number, place, text)
are validated here.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from handlers import dates
from handlers.choices import normalize, number_of, resolve
from handlers.fields import NO, NOT_AN_ANSWER, YES, parse_span, reads_as_question
from handlers.flow import Answer, Ctx, Flow, Invalid, Outcome, State, finish, goto, switch
from handlers.form import BACK, Form, FormSlots
from handlers.forms import Field
from handlers.i18n import N_, translator
from handlers.types import Choice, Reply
from knowledge.facts.extract import extract, named_years_ago
from knowledge.facts.numbers import Vague, half_years_as_months, typed_number, typed_range, typed_span
from knowledge.facts.places import read_place
from knowledge.facts.profile import profile_for
from knowledge.facts.traits import sanction_period
from knowledge.places import DIVISIONS, parse_place
from knowledge.rules.award_workshops import NAMED_YEARS_MIN
from knowledge.rules.awards import OTHER, UNSURE, Fact, Question, Reason
from knowledge.rules.channels import Step
from storage import repo_applications as apps
from storage.repo_training import parked_class_form

ASK = "ask"  # the one state that asks every question
MAX_TEXT = 60

PROGRAMME_NAMES = {
    "craftsman": N_("Yunling Craftsman"),
    "studio": N_("Yunnan Workers' Innovation Studio"),
    "station": N_("Yunnan Workers' Technician Workstation"),
}


@dataclass(frozen=True)
class Questionnaire:
    questions: Mapping[str, Question]
    rule: Callable[[Mapping[str, object]], Any]  # -> an object with ``unknown``
    conclude: Callable[[Ctx, Any], Outcome]  # called with the certain result
    check: str = ""  # its name in knowledge.facts.profile_for: what facts said in one's own words answer


@dataclass
class CheckSlots:
    """The slots of an eligibility or channel check (kept in the conversation's JSON)."""

    profile: dict[str, object] = field(default_factory=dict)  # question key -> answer
    history: list[str] = field(default_factory=list)  # keys in the order answered ("back" undoes the last)
    earlier: dict[str, object] = field(default_factory=dict)  # answers of an earlier check (for the form)
    prefill: dict[str, object] = field(default_factory=dict)  # facts known before the check starts
    body: str = ""  # the union to file with, found by the channel check (handed to the draft)


def slots(ctx: Ctx) -> CheckSlots:
    return ctx.slots(CheckSlots)


def profile(ctx: Ctx) -> dict[str, object]:
    return slots(ctx).profile


def translate_params(ctx: Ctx, params: Mapping[str, object]) -> dict[str, object]:
    """Parameters marked with N_ are translated; names (Chinese bodies, numbers) pass unchanged."""
    return {k: ctx._(v) if isinstance(v, str) else v for k, v in params.items()}


def say(ctx: Ctx, item: Reason | Fact) -> str:
    message = item.message if isinstance(item, Reason) else item.text
    return ctx._(message, **translate_params(ctx, item.params)) if item.params else ctx._(message)


def say_step(ctx: Ctx, step: Step) -> str:
    return ctx._(step.text, **translate_params(ctx, step.params))


def draft_choice(ctx: Ctx, programme: str) -> tuple[Choice, ...]:
    """The hook to the application-draft flow of ``programme``, offered only when that flow is registered."""
    name = f"{programme}_draft"
    if ctx.has_flow(name):
        return (Choice(f"flow:{name}", ctx._("Fill in the application form now")),)
    return ()


class CheckBook:
    """A questionnaire as a form (:class:`handlers.form.Form`): the rule's first open question is the one
    pending field (Rasa's ``required_slots``, computed); the answers are the check's profile."""

    def __init__(self, qn: Questionnaire):
        self.qn = qn
        self._fields = {k: Field(key=k, label=k, name=q.text, kind=q.kind) for k, q in qn.questions.items()}

    def fields(self, ctx: Ctx) -> list[Field]:
        current = ctx.slots(FormSlots).field
        keys = [k for k in slots(ctx).history if k != current] + ([current] if current else [])
        return [self._fields[k] for k in keys]

    def pending(self, ctx: Ctx) -> list[Field]:
        unknown = self.qn.rule(profile(ctx)).unknown
        return [self._fields[unknown[0]]] if unknown else []

    def field(self, ctx: Ctx, key: str) -> Field:
        return self._fields[key]

    def store(self, ctx: Ctx, f: Field, value: Any) -> None:
        history = slots(ctx).history
        if f.key in history:
            history.remove(f.key)
        profile(ctx)[f.key] = value
        history.append(f.key)

    def question(self, ctx: Ctx, f: Field, position: int, total: int) -> Reply:
        _ = ctx._
        q = self.qn.questions[f.key]
        lines = [_(q.text)]
        if q.help:
            lines.append(_(q.help))
        options = [Choice(o.value, _(o.label)) for o in q.options]
        if slots(ctx).history:
            if q.kind == "choice":
                options.append(Choice(BACK, _("Change my previous answer")))
            else:
                lines.append(_("(Type 'back' to change your previous answer.)"))
        return Reply(text="\n".join(lines), choices=tuple(options))

    def parse(self, ctx: Ctx, f: Field, answer: Answer) -> Any:
        try:
            return _parse(ctx, self.qn.questions[f.key], answer)
        except Invalid:
            said = self._said(ctx, f, answer)
            if said is None:
                raise
            return said

    def _said(self, ctx: Ctx, f: Field, answer: Answer) -> object | None:
        """The answer to ``f`` a sentence gives in one's own words where no option fits ("我户口在大理州宾川县" at
        "is your household registered in Yunnan?": yes), read as the facts the check starts from are; what
        the same sentence answers of questions not yet asked (the county) is kept, and they are not asked. None when it
        does not answer ``f``: what it says of other questions alone is not taken ("他们都在昆明上班" at
        "do they all work in Yunnan?" names no unit of the applicant's)."""
        if answer.choice is not None or not self.qn.check or reads_as_question(answer.text):
            return None
        q = self.qn.questions.get(f.key)
        if q is not None and q.kind == "number" and typed_range(answer.text, q.unit) is not None:
            return None  # a vague number ("50多岁", "快56了") is read against the rule's bound by _number
        known = {k: v for k, v in ((k, _accepted(self.qn.questions[k], v))
                                   for k, v in profile_for(self.qn.check, extract(answer.text)).items()
                                   if k in self.qn.questions) if v is not None}
        if f.key == "direct_honour" and "direct_honour" not in known and known.get("priority_honour"):
            # An honour named where the direct ones are listed, and it is none of them ("我拿过云南省劳动模范"):
            # none of these; the honour itself is kept for the priority it gives (第七条).
            known["direct_honour"] = "none"
        elif f.key == "direct_honour" and "direct_honour" not in known and _OTHER_HONOUR.search(answer.text.lower()):
            # A contest or honour below the national ones ("I won first prize in the provincial welding contest"):
            # none of 第六条's, said so; it may still be a title that gives priority (第七条).
            known["direct_honour"] = "none"
            ctx.notes.append(ctx._(NOT_DIRECT))
        if f.key not in known:
            return None
        for key, value in known.items():
            if key != f.key and key not in profile(ctx):  # never asked, as it was said
                self.store(ctx, self._fields[key], value)
        return known[f.key]

    def saved(self, ctx: Ctx) -> Outcome:  # a check takes no "save" word (Form(words=...))
        return goto(ASK)

    def undo(self, ctx: Ctx) -> None:
        """"back": forget the last answer; the rule then asks what is open again."""
        history = slots(ctx).history
        if history:
            key = history.pop()
            profile(ctx).pop(key, None)
            profile(ctx).pop(f"{key}_text", None)


def form(qn: Questionnaire, concludes_to: tuple[str, ...] = ()) -> Form:
    book = CheckBook(qn)
    return Form(book, field=ASK, done=lambda ctx: qn.conclude(ctx, qn.rule(profile(ctx))), done_to=concludes_to,
                words=frozenset({BACK}), undo=book.undo)


_PUNCT = re.compile(r"[\s,.;:!?，。；：！？、…~～]+")


def _clean(text: str) -> str:
    return _PUNCT.sub("", normalize(text))


def _terms(label: str, synonyms: tuple[str, ...] | list[str]) -> list[str]:
    """The words that name an option: its synonyms, its label in both languages, the label's brackets."""
    terms = [_clean(w) for w in synonyms] + [_clean(translator("zh")(label)), _clean(label)]
    return terms + [_clean(m) for m in re.findall(r"[（(]([^()（）]+)[)）]", label)]


def _named(q: Question, t: str) -> str | None:
    """The option whose longest naming word occurs in ``t`` (not "not sure")."""
    best: tuple[int, str] | None = None
    for o in q.options:
        if o.value == UNSURE:
            continue
        for term in _terms(o.label, o.synonyms):
            if len(term) >= 2 and term in t and (best is None or len(term) > best[0]):
                best = (len(term), o.value)
    return best[1] if best is not None else None


def _yes_no(values: set[str], t: str) -> str | None:
    if "none" in values and t in {_clean(w) for w in NO}:
        return "none"
    if "no" in values and (t in NO or t.startswith(("不是", "没有", "否"))):
        return "no"
    if "yes" in values and (t in YES or t.startswith(("是", "有", "对"))):
        return "yes"
    return None


def match_option(q: Question, text: str) -> str | None:
    """The option a free-text answer means: "not sure" words, an option's label (in either language) or one
    of its synonyms inside the text, or yes/no words; None when nothing fits."""
    t = _clean(text)
    if not t:
        return None
    unsure = next((o for o in q.options if o.value == UNSURE), None)
    if unsure is not None and any(_clean(w) in t for w in unsure.synonyms):
        return UNSURE
    return _named(q, t) or _yes_no({o.value for o in q.options}, t) or _yes_no_label(q, t)


def _yes_no_label(q: Question, t: str) -> str | None:
    """A bare yes or no for the one option that says it ("是" for "是，已获州（市）…命名", "没有" for "尚未命名")."""
    starts = ("是",) if t in YES else ("否", "不", "没有", "尚未", "未") if t in NO else ()
    if not starts:
        return None
    zh = translator("zh")
    labels = {o.value: zh(o.label) for o in q.options if o.value != UNSURE}
    if not any(label.startswith("是") for label in labels.values()):  # no yes-or-no question ("多长时间")
        return None
    said = [value for value, label in labels.items() if label.startswith(starts)]
    return said[0] if len(said) == 1 else None


SANCTION_ENDED = N_("A sanction whose period of effect is over does not bar you: Article 8 (3) excludes only one still "
                    "in effect. If none of the other cases applies, choose 'None of these'.")
SANCTION_DATED = N_("Article 8 (3) excludes only a sanction still within its period of effect. Is its period over? If "
                    "it is still in effect, choose that option; if it is over and nothing else applies, choose 'None "
                    "of these'.")


def _sanction_said(text: str) -> str:
    """How a sanction named in ``text`` stands: "discipline" (in effect, or no time said), "discipline_ended",
    "discipline_dated" (:func:`knowledge.facts.traits.sanction_period`)."""
    at = min((i for i in (text.find(w) for w in ("处分", "诫勉", "组织处理", "sanction", "admonish")) if i >= 0),
             default=0)
    return sanction_period(text, at)


ANSWER_WORDS_MAX = 6  # characters: "不知道呢", "是的吧" answer; a longer message that asks something is a question
_YEAR_NAMED = re.compile(r"(?<!\d)((?:19|20)\d{2}|\d{2})\s*年(?!前|以前|之前|了|多|半)")


def _named_years_option(text: str, this_year: int) -> str | None:
    """"2plus" or "under2" for how long ago a studio or station was named, said as a span ("命名三年了",
    "一年半") or as the year ("19年就命名了", "2025年命名的"); None when it cannot tell (two calendar years back
    may be less than two years)."""
    t = half_years_as_months(unicodedata.normalize("NFKC", text))  # "一年半左右" is read in months
    if (m := _YEAR_NAMED.search(t)) is not None:
        ago = named_years_ago(int(m[1]) + (2000 if len(m[1]) == 2 else 0), this_year)
        return None if ago is None else "2plus" if ago >= NAMED_YEARS_MIN else "under2"
    if (span := typed_range(t, "year")) is not None:  # "不到两年", "快两年了", "两年以上", "三年左右"
        return "2plus" if span.least >= 2 else "under2" if span.most < 2 else None
    years = typed_span(t, "year")[0]  # a span in years ("命名三年了", "三年前", "3年零2个月"), not a head count
    if years is not None:
        return None if not 0 <= years <= 100 else "2plus" if years >= 2 else "under2"
    months = typed_range(t, "month")  # said in months only: "十个月左右", "8个月", "半年"
    if months is None and (exact := typed_span(t, "month")[0]) is not None:
        months = Vague(exact, exact, exact)
    if months is None:
        return None
    return "2plus" if months.least >= 24 else "under2" if months.most < 24 else None


# An honour or contest named, at "have you won any of these?", that is none of 第六条's national and world ones.
_OTHER_HONOUR = re.compile(r"省|州|市|县|区级|劳模|劳动模范|五一|奖章|技术能手|状元|比赛|竞赛|大赛|技能大师|[一二三]等奖|冠军|第[一二三123]名|"
                           r"\b(?:provincial|province|city|prefecture|county|contest|competition|prize|award|medal|"
                           r"champion|model worker)\b")
NOT_DIRECT = N_("That is not one of the honours that give direct recognition (the national and world ones of Art. 6), "
                "so I have taken it as “none of these”. It may still be a title that gives priority in the "
                "selection (Art. 7).")


def _choice(ctx: Ctx, q: Question, answer: Answer) -> object:
    """A choice answer. The engine's fuzzy match is checked against the words people use ("全国劳动模范" is not
    "云南省劳动模范"); free text off an open list ("等") is kept as OTHER with the text."""
    text = answer.text.strip()
    exact = answer.choice is not None and (not text or resolve(text, [answer.choice], fuzzy=False) is not None
                                           or number_of(text) is not None)
    if exact:
        return answer.value
    if len(text) > ANSWER_WORDS_MAX and reads_as_question(text):
        # "对了 申报要交几份材料" is no "yes" (是否为中国籍): the router answers it from the measures when they do
        raise Invalid(ctx._(NOT_AN_ANSWER))
    matched = match_option(q, text)
    if matched is None and q.key == "named_years":
        matched = _named_years_option(text, ctx.now.year)
    if matched is None and q.key == "union_level" and (place := read_place(text)) is not None:
        # "曲靖", "我们是曲靖的": a place in Yunnan names the prefecture federation the unit's union reports to (the
        # one the plan would ask for next); a provincial industry union has no place.
        profile(ctx)["unit_prefecture"] = place.prefecture
        matched = "prefecture"
    if matched == "discipline" and (said := _sanction_said(text)) != "discipline":
        # 第八条（三） excludes only a sanction still in effect: one said to be over, or received at a time with its
        # period unsaid, is not that option; the question is asked again with what decides it.
        why = SANCTION_ENDED if said == "discipline_ended" else SANCTION_DATED
        raise Invalid(ctx._(why))
    if matched is not None:
        return matched
    if q.open_list and 2 <= len(text) <= MAX_TEXT:
        if reads_as_question(text):  # "这个算优先不", "劳模算优先不": asked, not an honour off the list
            raise Invalid(ctx._(NOT_AN_ANSWER))
        profile(ctx)[f"{q.key}_text"] = text
        return OTHER
    if answer.value is not None:
        return answer.value
    if any(o.value == UNSURE for o in q.options):
        raise Invalid(ctx._("I could not match that to an option. Please choose one (a number is enough), or "
                            "'Not sure' if you do not know."))
    raise Invalid(ctx._("I could not match that to an option. Please choose one (a number is enough)."))


def _number(ctx: Ctx, q: Question, text: str) -> int:
    _ = ctx._
    if q.bound is not None and (span := typed_range(text, q.unit)) is not None:
        # Vague or put against a bound ("8个月左右", "不到5个", "快56了"): decided when wholly on one side of the rule's.
        return _in_range(ctx, q, _beyond_doubt(ctx, q.bound, span))
    value = parse_span(text, q.unit, _) if q.unit else None  # "一年到头" is 12 months, "一个月" no number of days
    if value is None and q.key in _AGES and q.bound is not None and (
            born := _BORN.search(unicodedata.normalize("NFKC", text))) and 0 < ctx.now.year - int(
                born[1] or born[4]) < 120:
        # "他是1970年生的": the age in full years today
        value = _beyond_doubt(ctx, q.bound, _age_on(ctx.now.date(), born))
    if value is None and q.key in _PEOPLE_LISTED:
        value = _listed(text)  # "一个是高级工程师 一个是高级技师": two
    if value is None:
        value = typed_number(text.replace("−", "-").replace("－", "-"))  # "两位", "25年", "three"
    if value is None:
        value = number_of(text)  # "第二个"
    if value is None and _NONE_SAID.fullmatch(normalize(text)):
        value = 0  # "莫得", "没有", "none" where a count is asked
    if value is None:
        raise Invalid(_("Please type a number, for example 5."))
    return _in_range(ctx, q, value)


# Counts of people that may be answered by describing each ("他们一个是高级工程师 一个是高级技师 都是焊接的").
_PEOPLE_LISTED = frozenset({"referrer_count"})
_ONE_OF_THEM = re.compile(r"(?<![几第])(?:一|另一|另外一|还有一|再一)(?:个|位|名)(?:是|呢|在|搞|干|做|为)|"
                          r"\b(?:one|another|the other)(?: one)? (?:is|works|has)\b", re.IGNORECASE)


def _listed(text: str) -> int | None:
    """The number of people a sentence describes one by one ("一个是…一个是…", "one is…, the other is…"); None for
    fewer than two so described."""
    n = len(_ONE_OF_THEM.findall(unicodedata.normalize("NFKC", text)))
    return n if n >= 2 else None


_NONE_SAID = re.compile(r"(?:一个)?(?:都)?(?:没有|没得|莫得|无|零|没)(?:的|呢|啊)?|none|zero|no")


def _in_range(ctx: Ctx, q: Question, value: int) -> int:
    _ = ctx._
    if value < 0:
        raise Invalid(_("{value} cannot be right: it cannot be below zero. Please type it again.", value=value))
    lo, hi = q.minimum if q.minimum is not None else 0, q.maximum if q.maximum is not None else 10**6
    if not lo <= value <= hi:
        raise Invalid(_("{value} cannot be right here: it must be from {lo} to {hi}. Please check it and type it "
                        "again.", value=value, lo=lo, hi=hi))
    return value


_AGES = frozenset({"lead_age"})  # the number questions that ask a person's age
_BORN = re.compile(r"((?:19|20)\d{2})\s*年?\s*(?:(\d{1,2})\s*月\s*(?:(\d{1,2})\s*[日号])?)?\s*(?:出生|生的|生人|生)|"
                   r"born in ((?:19|20)\d{2})", re.I)


def _age_on(today: date, born: re.Match[str]) -> Vague:
    """The age in full years on ``today`` of one born as ``born`` says: exact when the birthday (or its month, not
    this one) is said; else this year's difference or one less, told back as the likelier today (from July on, the
    birthday has more likely passed)."""
    years = today.year - int(born[1] or born[4])
    month = int(born[2]) if born[2] and 1 <= int(born[2]) <= 12 else None
    day = int(born[3]) if month and born[3] and 1 <= int(born[3]) <= 31 else None
    if month is not None and (day is not None or month != today.month):
        age = years - ((month, day or 1) > (today.month, today.day))
        return Vague(age, age, age)
    return Vague(years - 1, years, years if today.month > 6 else years - 1)


def _beyond_doubt(ctx: Ctx, bound: tuple[str, int], span: Vague) -> int:
    """A vague number ("8个月左右", "十几个人") wholly on one side of the rule's bound, as the number it names (any it
    may mean decides the same); asked for exactly when it may fall either side."""
    kind, n = bound
    if (kind == "least" and (span.least >= n or span.most < n)) or (kind == "most" and (span.most <= n or span.least > n)):
        return span.said
    raise Invalid(ctx._("That may be on either side of the limit the measures set here ({n}), so I need the exact "
                        "number. Please type it.", n=n))


def _parse(ctx: Ctx, q: Question, answer: Answer) -> object:
    _ = ctx._
    text = answer.text.strip()
    if q.kind == "choice":
        return _choice(ctx, q, answer)
    if q.kind == "number":
        return _number(ctx, q, text)
    if q.kind == "place":
        place = read_place(text)  # "曲靖市麒麟区", or "我户口在曲靖市麒麟区"
        if place is None and any(o.value == UNSURE for o in q.options) and (
                answer.value == UNSURE or match_option(q, text) == UNSURE):  # "不晓得" (a place said wins: "好像是曲靖")
            return UNSURE
        if place is None:
            raise Invalid(_("I do not recognise that as a place in Yunnan. Please type the prefecture and the "
                            "county or district, for example 昆明市五华区 or 曲靖市会泽县."))
        if q.level == "county" and not place.county:
            example = place.prefecture + DIVISIONS[place.prefecture][0]
            raise Invalid(_("Please also name the county or district in {prefecture}, for example {example}.",
                            prefecture=place.prefecture, example=example))
        return place.prefecture if q.level == "prefecture" else place.name
    if not 2 <= len(text) <= MAX_TEXT:
        raise Invalid(_("Please type a name of 2 to {n} characters.", n=MAX_TEXT))
    return text


def states(qn: Questionnaire, concludes_to: tuple[str, ...]) -> dict[str, State]:
    """The one state that asks every question; ``concludes_to``: where the conclusion may go."""
    return form(qn, concludes_to).states()


def start(qn: Questionnaire, intro: str) -> Callable[[Ctx], Outcome]:
    asking = form(qn)

    def enter(ctx: Ctx) -> Outcome:
        check = slots(ctx)
        given, check.prefill = check.prefill, {}
        known = {k: v for k, v in ((k, _accepted(qn.questions[k], v)) for k, v in given.items()
                                   if k in qn.questions) if v is not None}
        # Answers of an earlier check in this conversation stay at hand for the next step (the form).
        check.earlier = {**check.earlier, **check.profile}
        check.profile, check.history = known, list(known)
        return asking.next(ctx, Reply(text=ctx._(intro)))

    return enter


# -- a check left before its conclusion, and taken up again --------------------------------------------

RESUME = "resume"  # the step that offers a check's kept answers back


def resumable(flow: Flow, qn: Questionnaire) -> Flow:
    """``flow`` (a check) keeping its answers when it is left before its conclusion ("菜单", "取消", another
    function, an idle chat: :attr:`Flow.park`), and offering them back when it is opened again with nothing new
    said of the case (a self-description starts afresh from what it says). The kept answers go once taken up
    or set aside."""
    asking = form(qn)
    begin = flow.enter
    assert begin is not None, flow.name

    def park(ctx: Ctx, state: str, kept: dict[str, Any]) -> Reply | None:
        answers = kept.get("profile")
        if state != ASK or not isinstance(answers, dict) or not any(k in qn.questions for k in answers):
            return None
        apps.park_check(session=ctx.session, person_id=ctx.person_id, flow=flow.name, at=ctx.now,
                        answers={"profile": answers, "history": list(kept.get("history") or [])})
        return Reply(text=ctx._("Your answers to “{title}” are kept ({n} so far). Type 'continue' or open it again "
                                "to go on where you left off.", title=ctx._(flow.title), n=_answered(qn, answers)))

    def enter(ctx: Ctx) -> Outcome | None:
        row = apps.parked_check(session=ctx.session, person_id=ctx.person_id, flow=flow.name)
        if row is not None and not slots(ctx).prefill:
            return goto(RESUME)
        if row is not None:  # what is said now starts the check: the answers kept before are moot
            apps.drop_check(session=ctx.session, row=row)
        return begin(ctx)

    def ask_resume(ctx: Ctx) -> Reply:
        row = apps.parked_check(session=ctx.session, person_id=ctx.person_id, flow=flow.name)
        n = _answered(qn, json.loads(row.answers).get("profile") or {}) if row is not None else 0
        # "继续" is the option itself, not the word that would open this offer again.
        return Reply(text=ctx._("You left “{title}” with {n} answers. Go on from there?", title=ctx._(flow.title),
                                n=n),
                     choices=(Choice("go_on", ctx._("Continue")), Choice("again", ctx._("Start again"))))

    def on_resume(ctx: Ctx, answer: Answer) -> Outcome:
        choice = answer.value or _resume_said(answer.text)
        if choice is None:
            raise Invalid(ctx._("Please choose: go on with your answers, or start again."))
        row = apps.parked_check(session=ctx.session, person_id=ctx.person_id, flow=flow.name)
        if row is not None:  # taken up or set aside: kept no longer
            apps.drop_check(session=ctx.session, row=row)
        if choice != "go_on" or row is None:
            return begin(ctx) or goto(ASK)
        kept = json.loads(row.answers)
        check = slots(ctx)
        check.profile = {k: v for k, v in (kept.get("profile") or {}).items()
                         if k in qn.questions or k.removesuffix("_text") in qn.questions}
        check.history = [k for k in kept.get("history") or [] if k in check.profile]
        return asking.next(ctx, Reply(text=ctx._("Going on where you left off.")))

    return replace(flow, enter=enter, enter_to=(*flow.enter_to, RESUME), park=park,
                   states={**flow.states, RESUME: State(prompt=ask_resume, handle=on_resume, free_text=True,
                                                        claims=_restart_said, to=flow.entry_targets())})


_AGAIN = re.compile(r"重新|从头|重来|再来一遍|again|restart|start over|afresh|from scratch", re.I)
_GO_ON = re.compile(r"继续|接着|要得|好的?|是的?|对|可以|嗯|行|ok|yes|go on|continue|resume|carry on", re.I)


def _resume_said(text: str) -> str | None:
    """"从头来过" / "重来" / "start over", or "接着来" / "要得" / "yes": the choice typed in words."""
    t = text.strip()
    return "again" if _AGAIN.search(t) else "go_on" if _GO_ON.search(t) else None


_LEAVE = re.compile(r"菜单|首页|主页|menu|home", re.I)


def _restart_said(text: str) -> bool:
    """"重新开始" / "restart" at the offer to go on: starting the check again, not the main menu (which is still
    reached by naming it: "回菜单重新开始")."""
    return _resume_said(text) == "again" and not _LEAVE.search(text)


def _go_on(ctx: Ctx) -> Outcome:
    """"继续" / "continue" said where nothing is under way: the check left most recently, offered back (its own
    entry asks whether to go on), or a clerk's class form kept; else that nothing is left half done."""
    row = apps.latest_parked_check(session=ctx.session, person_id=ctx.person_id)
    if row is not None and row.flow in CHECKS and ctx.has_flow(row.flow):
        return switch(row.flow)
    if ctx.has_flow("training_classes") and parked_class_form(session=ctx.session, person_id=ctx.person_id):
        return switch("training_classes")  # its list offers the kept form last
    return finish(Reply(text=ctx._("There is nothing left half done to go on with. Type 'menu' to see what I can "
                                   "do, or ask your question.")))


GO_ON = Flow(name="go_on", title=N_("Go on where I left off"), states={}, enter=_go_on, in_menu=False,
             enter_to=tuple(f"flow:{name}" for name in ("craftsman", "craftsman_channel", "studio", "station",
                                                         "training_classes")),
             commands=("继续", "接着刚才的", "接着刚才", "接着做", "继续刚才的", "继续上次的", "go on", "continue",
                       "resume"))


def _answered(qn: Questionnaire, answers: Mapping[str, object]) -> int:
    return sum(1 for k in answers if k in qn.questions)


# -- the entry point for facts already known ------------------------------------------------------------

CHECKS = ("craftsman", "craftsman_channel", "studio", "station")


def start_check(ctx: Ctx, check: str, facts: Mapping[str, object]) -> Outcome:
    """Start the check ``check`` (one of :data:`CHECKS`) with ``facts`` already known.

    ``facts`` maps the Question keys of the check's rules module (``knowledge.rules.eligibility``,
    ``channels`` or ``award_workshops``) to answers in the values those modules read ("yes", "unsure", an
    option value, a number). Keys the check does not ask, and values it would not accept, are dropped; only
    the questions still open *and* deciding are then asked. Return the Outcome from a step or an ``enter``.
    """
    if check not in CHECKS:
        raise ValueError(f"unknown check {check!r}")
    slots(ctx).prefill = dict(facts)
    return switch(check)


def _accepted(q: Question, value: object) -> object | None:
    if q.kind == "choice":
        return value if isinstance(value, str) and value in {o.value for o in q.options} else None
    if q.kind == "number":
        try:
            n = int(str(value))
        except ValueError:
            return None
        lo, hi = q.minimum if q.minimum is not None else 0, q.maximum if q.maximum is not None else 10**6
        return n if lo <= n <= hi else None
    if q.kind == "place":
        return value if isinstance(value, str) and parse_place(value) is not None else None
    return value if isinstance(value, str) and 2 <= len(value) <= MAX_TEXT else None


def parse_date(ctx: Ctx, text: str) -> date:
    """2026-09-28, 2026/9/28, 2026年9月28日, or 9月28日 (this year), also inside a sentence, but not inside a
    question ("截止日期是12月5号吗" asks; it announces nothing)."""
    if reads_as_question(text):
        raise Invalid(ctx._(NOT_AN_ANSWER))
    day = dates.parse_day(text, ctx.now.date(), anywhere=True)
    if day is not None:
        return day
    raise Invalid(ctx._("Please type a date such as 2026-09-28, or choose 'Not announced / not known'."))
