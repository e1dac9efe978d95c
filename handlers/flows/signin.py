"""Trainee sign-in (第十九条 学员学习签到制度) and the trainee's own questions about classes.

The teacher shows a rotating 6-character code per session: an HMAC of the session's secret and the
current time slot, accepted for the current and the previous slot. It also travels as the payload
``signin_<CLASS>_<CODE>`` (Telegram deep link, WeChat parametric-QR scene, the QR image we render).

Sign-in flow::

    签到 ─> class code ─> session code ─┬─ bound to the roster ───────────────> signed | already signed
    "签到 KM2603" ────────┘              │
    "sign in KM2603 7H3KQ9" ────────────┤  (a sentence that asks to sign in with its codes: see said())
    payload signin_<C>_<K> ─────────────┤
                                        └─ first time: last 6 of the ID number ─> bind ─> signed
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from handlers import cite as citing
from handlers.choices import normalize
from handlers.flow import Answer, Ctx, Flow, Invalid, Outcome, State, finish, goto
from handlers.i18n import N_, translator
from handlers.services import training
from handlers.services.errors import InvalidInput, NotFound, RuleViolation
from handlers.services.signin_codes import (
    CODE_ALPHABET,
    CODE_LENGTH,
    CODE_SLOT_SECONDS,
    PAYLOAD_PREFIX,
    code_status,
    local_hhmm,
    normalize_code,
    session_label,
    signin_window,
)
from handlers.types import Choice, Citation, Reply
from storage import repo_training as repo
from storage.models_training import ClassSession, Enrolment, TrainingClass

MEASURE = "training"
SIGNIN_WORDS = ("签到", "/signin", "sign in", "signin", "check in", "打卡", "学员签到")
# A sign-in asked for in a sentence that carries its codes ("我要签到，班级编号是KM2603", "sign in KM2603 7H3KQ9"):
# not 打卡 (clocking in at work).
_SIGNIN_SAID = re.compile(r"签到|签个到|\b(?:sign|check)(?:\s+me)?[\s-]?in\b", re.IGNORECASE)
# A sign-in asked for someone else: "帮我妈签个到", "替她签到", "代签", "sign in for my mother" (not "帮我签到",
# "帮忙签到一下": the writer's own).
_FOR_ANOTHER = re.compile(r"(?:帮|替|代|给)(?!我签|忙|一下)[^，,。？?！!\s]{1,6}?签个?到|代签|替签|"
                          r"\b(?:sign|check) (?:in )?(?:for|on behalf of) (?!me\b|(?:the |my |our |this |today'?s )?"
                          r"(?:class|course|lesson|session|training)\b)", re.IGNORECASE)
_NO_PHONE = re.compile(r"(?:没有|没|莫得|没得|冇得)(?:智能)?手机|不会(?:用|玩)(?:智能)?手机|手机(?:坏了|丢了|没电)|老人机|"
                       r"\b(?:no|without a|don'?t have a|do not have a|can'?t use a|cannot use a) (?:smart ?)?phone\b",
                       re.IGNORECASE)
_TOKEN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9][A-Za-z0-9-]{1,15}(?![A-Za-z0-9])")
_ALPHABET = frozenset(CODE_ALPHABET)


def cite(ctx: Ctx, article: int) -> Citation:
    return citing.cite(ctx.locale, MEASURE, article)


def cite_ref(ctx: Ctx, article: int) -> str:
    return citing.inline_ref(ctx._, ctx.locale, MEASURE, article)


def window(ctx: Ctx, sess: ClassSession) -> tuple[datetime, datetime]:
    """(opens, closes): from ``signin_grace_minutes`` before the start until the end."""
    return signin_window(ctx.settings, sess)


def local_time(ctx: Ctx, when: datetime | None) -> str:
    return local_hhmm(when, ctx.now.tzinfo)


# -- the flow -------------------------------------------------------------------------------------------
def _ask_class(ctx: Ctx) -> Reply:
    return Reply(text=ctx._("Sign in to a class session {ref}. Please type the class code from your "
                            "enrolment notice (for example KM2603).", ref=cite_ref(ctx, 19)))


def _restart(answer: Answer) -> bool:
    """Typing the sign-in word again in the middle starts over rather than being taken as an answer."""
    return normalize(answer.text) in {normalize(w) for w in SIGNIN_WORDS}


def _codes_in(ctx: Ctx, text: str) -> tuple[TrainingClass | None, str | None]:
    """The class whose code ``text`` carries among its words (a word with a digit, as class codes have), and a
    sign-in code typed beside it: six characters of the codes' alphabet, with a digit, or typed in capitals as
    the screen shows them, or in a sentence that is not English ("签到 KM2603 ABCDEF"), so that no English word
    ("please") is taken for one. One that is not taken is asked for."""
    typed = [(w, w.upper(), any(ch.isdigit() for ch in w))
             for w in _TOKEN.findall(unicodedata.normalize("NFKC", text))]
    for word in dict.fromkeys(up for _w, up, digit in typed if digit):
        cls = repo.get_class(session=ctx.session, code=word)
        if cls is not None:
            signin = [up for w, up, digit in typed if up != word and len(up) == CODE_LENGTH and set(up) <= _ALPHABET
                      and (digit or w.isupper() or not text.isascii())]
            return cls, signin[0] if signin else None
    return None, None


# Where the codes are found ("签到码在哪点看", "where do I find the sign-in code"): not in the measures, but how
# signing in works here.
_WHERE_CODE = re.compile(r"(?:签到码|签到的码|签到二维码|班级编号|班级代码)[^，,。？?]{0,6}(?:哪|找不到|看不到|没看到|怎么看|咋个?看)|"
                         r"(?:哪|怎么|咋个?)[^，,。？?]{0,6}(?:看|找|拿|要)[^，,。？?]{0,3}(?:签到码|班级编号)|"
                         r"\b(?:where|how)\b[^.?!]{0,30}\b(?:sign-?in|check-?in|class) code\b|"
                         r"\b(?:sign-?in|check-?in|class) code\b[^.?!]{0,20}\bwhere\b|"
                         # no code at hand ("我没有签到码", "老师没给我班级代码", "I don't have the code")
                         r"(?:没有|莫得|没得|找不到|没给|没发|没收到)[^，,。？?]{0,6}(?:签到码|签到的码|班级编号|班级代码)|"
                         r"\b(?:don'?t|do not|didn'?t|did not|never) (?:have|get|got|receive)\b[^.?!]{0,20}"
                         r"\b(?:sign-?in |check-?in |class )?code\b|\bno (?:class |sign-?in |check-?in )code\b",
                         re.IGNORECASE)


def said(ctx: Ctx, text: str) -> str | None:
    """"signin" for a message that asks to sign in and carries a class's code, with the class (and the sign-in
    code, when typed too) put in ``ctx.data`` for the flow's entry; or one that asks where the codes are found;
    None otherwise."""
    if _WHERE_CODE.search(text) and not _codes_in(ctx, text)[0]:
        ctx.data = {"where_code": _asked_in(text, ctx.locale)}
        return SIGNIN.name
    if not _SIGNIN_SAID.search(text):
        return None
    # "帮我妈签个到 她不会用手机": a sign-in is the trainee's own; "我莫得智能手机咋个签到": the class's staff sign
    # them in on the sheet (see _enter_signin), not "tap sign in".
    if _FOR_ANOTHER.search(text) or _NO_PHONE.search(text):
        ctx.data = {"for_other": _asked_in(text, ctx.locale)}
        return SIGNIN.name
    cls, code = _codes_in(ctx, text)
    if cls is None:
        return None
    ctx.data = {"said_class": cls.id, "said_code": code or ""}
    return SIGNIN.name


_CODE_LIKE = re.compile(r"[A-Za-z]{1,6}\s*-?\s*\d{2,}|\d{4,}")  # a class code as typed: KM2603, km 2603, 2603


def _class_typed(ctx: Ctx, text: str) -> tuple[TrainingClass, str | None]:
    """The class whose code ``text`` is or carries ("班级编号是KM2603"), and a sign-in code typed beside it; Invalid,
    saying what is wanted, when there is none ("我没得签到码 老师没给", "班级编号在哪里看": no code to echo back)."""
    cls = repo.get_class(session=ctx.session, code=normalize_code(text))
    code = None
    if cls is None:  # a sentence round the code, maybe with the sign-in code too
        cls, code = _codes_in(ctx, text)
    if cls is None and not _CODE_LIKE.search(text):
        raise Invalid(ctx._("Please type the class code from your notice (for example KM2603). If you have none, "
                            "ask the staff who follow your class, or type 'human' to reach a person."))
    if cls is None:
        raise Invalid(ctx._("There is no class with code {code}. Please check the code on your notice.",
                            code=normalize_code(text)[:16] or "-"))
    return cls, code


def _on_class(ctx: Ctx, answer: Answer) -> Outcome:
    if _restart(answer):
        return goto("class")
    if (own := _another_or_no_phone(ctx, answer.text)) is not None:
        return own
    cls, code = _class_typed(ctx, answer.text)
    ctx.data["class_id"] = cls.id
    return _attempt_typed(ctx, cls, code)


def _attempt_typed(ctx: Ctx, cls: TrainingClass, code: str | None) -> Outcome:
    """The sign-in code typed in the sentence that named the class; asked for when there was none, and again
    (with what was wrong) when it was not right."""
    if not code:
        return goto("code")
    try:
        return _attempt(ctx, cls, code, retry=True)
    except Invalid as bad:
        return goto("code", Reply(text=bad.message))


def _ask_code(ctx: Ctx) -> Reply:
    return Reply(text=ctx._("Now type the 6-character sign-in code the teacher is showing."))


def _on_code(ctx: Ctx, answer: Answer) -> Outcome:
    if _restart(answer):
        return goto("class")
    if (own := _another_or_no_phone(ctx, answer.text)) is not None:
        return own
    cls = repo.get_class_by_id(session=ctx.session, class_id=int(ctx.data.get("class_id") or 0))
    if cls is None:
        return finish(Reply(text=ctx._("This class no longer exists. Please contact the clerk.")))
    return _attempt(ctx, cls, answer.text, retry=True)


def _ask_id(ctx: Ctx) -> Reply:
    return Reply(text=ctx._("First sign-in on this account: to link it to your roster entry, type the last 6 "
                            "characters of your ID number (or the whole ID number). This makes sure nobody "
                            "signs in for someone else."))


def _on_id(ctx: Ctx, answer: Answer) -> Outcome:
    if _restart(answer):
        return goto("class")
    cls = repo.get_class_by_id(session=ctx.session, class_id=int(ctx.data.get("class_id") or 0))
    sess = repo.get_session(session=ctx.session, session_id=int(ctx.data.get("session_id") or 0))
    if cls is None or sess is None:
        return finish(Reply(text=ctx._("This class no longer exists. Please contact the clerk.")))
    try:
        entry = training.match_trainee(ctx.session, key=ctx.settings.data_key, cls=cls, id_text=answer.text,
                                       today=ctx.now.date(), actor=ctx.person_id, now=ctx.now)
    except InvalidInput as exc:
        raise Invalid(exc.text(ctx._)) from None
    except (NotFound, RuleViolation) as exc:
        return finish(Reply(text=exc.text(ctx._), citations=(cite(ctx, 19),)))
    return _bind_and_sign(ctx, cls, sess, entry)


def _bind_and_sign(ctx: Ctx, cls: TrainingClass, sess: ClassSession, entry: Enrolment) -> Outcome:
    if not training.bind_trainee(ctx.session, entry=entry, person=ctx.person, now=ctx.now):
        return finish(Reply(text=ctx._("This roster entry is already linked to another account, or your account "
                                       "is linked to another trainee. Nobody may sign in for someone else; if this "
                                       "is a mistake, please contact the clerk."), citations=(cite(ctx, 19),)))
    return _sign(ctx, cls, sess, entry)


def _attempt(ctx: Ctx, cls: TrainingClass, code: str, *, retry: bool) -> Outcome:
    if cls.status != "approved":
        return finish(Reply(text=ctx._("Class {cls} has not been approved yet, so sign-in is not open. Each class "
                                       "needs its own approval.", cls=cls.code), citations=(cite(ctx, 18),)))
    statuses = [(s, code_status(s, code, ctx.now)) for s in repo.sessions_of(session=ctx.session,
                                                                            class_id=cls.id or 0)]
    sess = next((s for s, st in statuses if st == "valid"), None)
    if sess is None:
        if any(st == "expired" for _s, st in statuses):
            if retry:  # typed at the code step: the step waits for the code shown now
                raise Invalid(ctx._("This sign-in code has expired (codes change every {m} minutes). Please type "
                                    "the code the teacher shows now.", m=CODE_SLOT_SECONDS // 60))
            return finish(Reply(text=ctx._("This sign-in code has expired (codes change every {m} minutes). "
                                           "Please type '签到' again with the code the teacher shows now.",
                                           m=CODE_SLOT_SECONDS // 60)))
        wrong = ctx._("The sign-in code is not correct for class {cls}. Please check it with the teacher.",
                      cls=cls.code)
        if retry:
            raise Invalid(wrong)
        return finish(Reply(text=wrong))
    ctx.data.update(class_id=cls.id, session_id=sess.id)
    opens, closes = window(ctx, sess)
    if ctx.now < opens:
        return finish(Reply(text=ctx._("Too early: sign-in for the session {when} opens at {opens}, {grace} "
                                       "minutes before it starts.", when=session_label(sess),
                                       opens=opens.strftime("%H:%M"), grace=ctx.settings.signin_grace_minutes)))
    if ctx.now > closes:
        return finish(Reply(text=ctx._("Too late: the session {when} ended at {end}, so sign-in is closed. If you "
                                       "attended, please tell the head teacher.", when=session_label(sess),
                                       end=closes.strftime("%H:%M"))))
    entry = next((e for e in repo.enrolments_of_person(session=ctx.session, person_id=ctx.person_id)
                  if e.class_id == cls.id), None)
    if entry is not None:
        return _sign(ctx, cls, sess, entry)
    # Bound in another class with the same ID number: the roster line of this class is theirs too.
    for other in repo.enrolments_of_person(session=ctx.session, person_id=ctx.person_id):
        same = repo.find_by_id_hash(session=ctx.session, class_id=cls.id or 0, hashed=other.id_hash)
        if same is not None:
            return _bind_and_sign(ctx, cls, sess, same)
    return goto("id")


def _sign(ctx: Ctx, cls: TrainingClass, sess: ClassSession, entry: Enrolment) -> Outcome:
    opens, closes = window(ctx, sess)
    if not opens <= ctx.now <= closes:  # time passed while the ID was asked
        return finish(Reply(text=ctx._("Too late: the session {when} ended at {end}, so sign-in is closed. If you "
                                       "attended, please tell the head teacher.", when=session_label(sess),
                                       end=closes.strftime("%H:%M"))))
    row, created = repo.sign_in(session=ctx.session, enrolment_id=entry.id or 0, session_id=sess.id or 0,
                                at=ctx.now, channel=ctx.incoming.channel)
    at = local_time(ctx, row.signed_at)
    if not created:
        return finish(Reply(text=ctx._("You already signed in at {time} for the session {when} of class {cls}.",
                                       time=at, when=session_label(sess), cls=cls.code)))
    return finish(Reply(text=ctx._("Signed in at {time}: {name}, class {cls} ({trade}), session {when}, {place}.",
                                   time=at, name=entry.name, cls=cls.code, trade=cls.trade,
                                   when=session_label(sess), place=sess.place or cls.class_address),
                        citations=(cite(ctx, 19),)))


def _asked_in(text: str, locale: str) -> str:
    from handlers.answering import reply_locale  # the FAQ's own test, loaded with the index

    return reply_locale(text, locale)


def _own_phone(ctx: Ctx, locale: str) -> Outcome:
    """The answer to a sign-in for someone else or without a smartphone, in the language it was asked in."""
    if locale != ctx.locale:
        ctx.locale, ctx._ = locale, translator(locale)
    # The first sign-in binds the chat to the trainee's roster entry: one made for a mother would make her
    # attendance the writer's account's. The measure's own way is the class's staff and its sign-in sheet.
    return finish(Reply(text=ctx._("Each trainee signs in with their own phone: the first sign-in links that "
                                   "phone's account to the trainee's own entry in the roster. If a trainee "
                                   "cannot use a phone, the class's staff record their attendance on the "
                                   "class sign-in sheet."), citations=(cite(ctx, 19),)))


# At the class's or the code's step, "it" is the code: "where do I find it?", "在哪里看", "没有编号".
_WHERE_AT_STEP = re.compile(r"\bwhere\b[^.?!]{0,20}\b(?:find|get|see|look)\b|\b(?:don'?t|do not) have\b[^.?!]{0,20}\bcode\b|"
                            r"\bno (?:class |sign-?in )?code\b|(?:在哪|哪里|哪儿|哪点)[^，,。？?]{0,3}(?:看|找|拿|要|查)|"
                            r"(?:没有|莫得|没得|找不到|不知道)[^，,。？?]{0,4}(?:编号|码)", re.IGNORECASE)


def _another_or_no_phone(ctx: Ctx, text: str) -> Outcome | None:
    """Said at the class's or the code's step ("我没有智能手机", "I don't have a smartphone"): no code to type; or
    where the codes are asked for ("where do I find it?": not a question the measures answer)."""
    if _FOR_ANOTHER.search(text) or _NO_PHONE.search(text):
        return _own_phone(ctx, _asked_in(text, ctx.locale))
    if (_WHERE_CODE.search(text) or _WHERE_AT_STEP.search(text)) and not _codes_in(ctx, text)[0]:
        return _where_the_codes_are(ctx, _asked_in(text, ctx.locale))
    return None


def _where_the_codes_are(ctx: Ctx, locale: str) -> Outcome:
    if locale != ctx.locale:
        ctx.locale, ctx._ = locale, translator(locale)
    return finish(Reply(text=ctx._(
        "The class code (for example KM2603) is on your enrolment notice. The 6-character sign-in code is shown "
        "in class during each session, on the screen the teacher projects with its QR code; it changes every few "
        "minutes, so it is typed or scanned there. During the session type '签到' and enter both. No code? Ask "
        "the staff who follow your class: they can record you on the sign-in sheet."), citations=(cite(ctx, 19),),
        choices=(Choice("flow:signin", ctx._("Sign in to my class now")),)))


def _enter_signin(ctx: Ctx) -> Outcome | None:
    if locale := ctx.data.pop("where_code", ""):
        return _where_the_codes_are(ctx, str(locale))
    if locale := ctx.data.pop("for_other", ""):
        return _own_phone(ctx, locale if isinstance(locale, str) else ctx.locale)
    if "said_class" in ctx.data:  # see said()
        class_id, code = int(ctx.data.pop("said_class") or 0), str(ctx.data.pop("said_code", "") or "")
        cls = repo.get_class_by_id(session=ctx.session, class_id=class_id)
        if cls is None:
            return None
        ctx.data["class_id"] = cls.id
        return _attempt_typed(ctx, cls, code)
    payload = str(ctx.data.pop("payload", "") or "")
    if not payload:
        return None
    parts = payload[len(PAYLOAD_PREFIX):].split("_")
    cls = repo.get_class(session=ctx.session, code=parts[0]) if len(parts) == 2 else None
    if cls is None:
        return finish(Reply(text=ctx._("This sign-in link is not valid. Please type '签到' and enter the codes "
                                       "the teacher shows.")))
    return _attempt(ctx, cls, parts[1], retry=False)


SIGNIN = Flow(
    name="signin", title=N_("Class sign-in"), start="class",
    states={"class": State(prompt=_ask_class, handle=_on_class, free_text=True, to=("code", "id")),
            "code": State(prompt=_ask_code, handle=_on_code, free_text=True, to=("class", "id")),
            "id": State(prompt=_ask_id, handle=_on_id, free_text=True, max_retries=2, to=("class",))},
    commands=SIGNIN_WORDS,
    payload_prefixes=(PAYLOAD_PREFIX,), enter=_enter_signin, enter_to=("code", "id"), menu_order=40,
)


# -- the trainee's questions ----------------------------------------------------------------------------
def _variants(*words: str) -> tuple[str, ...]:
    """Each trigger also with a trailing question mark (NFKC makes the full-width one ASCII)."""
    return tuple(w for word in words for w in (word, word + "?"))


def _mine(ctx: Ctx) -> list[tuple[Enrolment, TrainingClass]]:
    out = []
    for e in repo.enrolments_of_person(session=ctx.session, person_id=ctx.person_id):
        cls = repo.get_class_by_id(session=ctx.session, class_id=e.class_id)
        if cls is not None:
            out.append((e, cls))
    return out


def _not_linked(ctx: Ctx) -> Outcome:
    return finish(Reply(text=ctx._("I don't know your class yet. Your account is linked to your roster entry at "
                                   "your first sign-in: type '签到' during a session with the codes the teacher "
                                   "shows.")))


def _signed_today(ctx: Ctx) -> Outcome:
    mine = _mine(ctx)
    if not mine:
        return _not_linked(ctx)
    lines = []
    for entry, cls in mine:
        for sess in repo.sessions_of(session=ctx.session, class_id=cls.id or 0):
            if sess.day != ctx.now.date():
                continue
            row = repo.attendance_of(session=ctx.session, enrolment_id=entry.id or 0, session_id=sess.id or 0)
            if row is not None:
                lines.append(ctx._("Class {cls}, session {when}: signed in at {time}.", cls=cls.code,
                                   when=session_label(sess), time=local_time(ctx, row.signed_at)))
            else:
                opens, closes = window(ctx, sess)
                state = (ctx._("not signed in yet; sign-in opens at {t}", t=opens.strftime("%H:%M"))
                         if ctx.now < opens else
                         ctx._("not signed in; sign-in is open until {t}", t=closes.strftime("%H:%M"))
                         if ctx.now <= closes else ctx._("not signed in; the session is over"))
                lines.append(ctx._("Class {cls}, session {when}: {state}.", cls=cls.code,
                                   when=session_label(sess), state=state))
    if not lines:
        lines.append(ctx._("You have no class session today ({day}).", day=f"{ctx.now:%Y-%m-%d}"))
    return finish(Reply(text="\n".join(lines), citations=(cite(ctx, 19),)))


def _next_class(ctx: Ctx) -> Outcome:
    mine = _mine(ctx)
    if not mine:
        return _not_linked(ctx)
    upcoming = []
    for _entry, cls in mine:
        for sess in repo.sessions_of(session=ctx.session, class_id=cls.id or 0):
            if window(ctx, sess)[1] >= ctx.now:
                upcoming.append((sess.day, sess.start, sess, cls))
    if not upcoming:
        return finish(Reply(text=ctx._("You have no more sessions scheduled.")))
    _d, _t, sess, cls = min(upcoming, key=lambda x: (x[0], x[1]))
    return finish(Reply(text=ctx._("Your next session: class {cls} ({trade}), {when}, at {place}. Sign in there "
                                   "with '签到' {ref}.", cls=cls.code, trade=cls.trade, when=session_label(sess),
                                   place=sess.place or cls.class_address, ref=cite_ref(ctx, 19))))


def _certificate(ctx: Ctx) -> Outcome:
    mine = _mine(ctx)
    if not mine:
        return _not_linked(ctx)
    lines = []
    for entry, cls in mine:
        if entry.hr_cert_no or entry.union_cert_no:
            lines.append(ctx._("Class {cls} ({trade}): level {level}; HR certificate no. {hr}; union training "
                               "certificate no. {union}.", cls=cls.code, trade=cls.trade,
                               level=entry.cert_level or "-", hr=entry.hr_cert_no or ctx._("not yet recorded"),
                               union=entry.union_cert_no or ctx._("not yet recorded")))
        else:
            lines.append(ctx._("Class {cls} ({trade}): your certificates have not been recorded yet. After the "
                               "class each trainee gets two certificates: the HR (人社) certificate and the union "
                               "training certificate.", cls=cls.code, trade=cls.trade))
    return finish(Reply(text="\n".join(lines), citations=(cite(ctx, 21),)))


def _class_line(ctx: Ctx, cls: TrainingClass) -> str:
    return ctx._("Class {cls}: {trade}, {start} to {end}, {address}.", cls=cls.code, trade=cls.trade,
                 start=f"{cls.start_date:%Y-%m-%d}", end=f"{cls.end_date:%Y-%m-%d}",
                 address=cls.class_address or cls.training_unit)


def _schedule(ctx: Ctx) -> Outcome:
    mine = _mine(ctx)
    if not mine:  # before the first sign-in: a class's sessions are no one's personal data, its code is enough
        return goto("class")
    lines = []
    for entry, cls in mine:
        lines.append(_class_line(ctx, cls))
        for sess in repo.sessions_of(session=ctx.session, class_id=cls.id or 0):
            row = repo.attendance_of(session=ctx.session, enrolment_id=entry.id or 0, session_id=sess.id or 0)
            mark = (ctx._("signed in at {time}", time=local_time(ctx, row.signed_at)) if row else
                    ctx._("upcoming") if window(ctx, sess)[1] >= ctx.now else ctx._("not signed in"))
            lines.append(f"  · {session_label(sess)} {sess.place} — {mark}")
    return finish(Reply(text="\n".join(lines), citations=(cite(ctx, 19),)))


SIGNED_TODAY = Flow(name="signed_today", title=N_("Did I sign in today?"), states={}, enter=_signed_today,
                    commands=_variants("我今天签到了吗", "今天签到了吗", "我签到了吗", "did i sign in today",
                                       "/signed"), in_menu=False)
NEXT_CLASS = Flow(name="next_class", title=N_("My next session"), states={}, enter=_next_class,
                  commands=_variants("下次课什么时候", "下次课", "下节课什么时候", "下一次课什么时候", "next class",
                                     "when is my next class", "/next"), in_menu=False)
MY_CERTIFICATE = Flow(name="my_certificate", title=N_("My certificates"), states={}, enter=_certificate,
                      commands=_variants("我的证书编号是多少", "我的证书编号", "我的证书", "证书编号", "my certificate",
                                         "my certificates", "/cert"), in_menu=False)
def _ask_schedule_class(ctx: Ctx) -> Reply:
    return Reply(text=ctx._("I don't know your class yet (your account is linked to your roster entry at your first "
                            "sign-in). Type the class code from your enrolment notice (for example KM2603) to see "
                            "its sessions."))


def _on_schedule_class(ctx: Ctx, answer: Answer) -> Outcome:
    cls, _code = _class_typed(ctx, answer.text)
    lines = [_class_line(ctx, cls)]
    sessions = repo.sessions_of(session=ctx.session, class_id=cls.id or 0)
    lines += [f"  · {session_label(sess)} {sess.place}" for sess in sessions] or [
        ctx._("No sessions are scheduled yet; ask the staff who follow your class.")]
    lines.append(ctx._("At each session, type '签到' with the code the teacher shows."))
    return finish(Reply(text="\n".join(lines), citations=(cite(ctx, 19),)))


MY_SCHEDULE = Flow(name="my_schedule", title=N_("My classes"), start="class", enter_to=("class",),
                   states={"class": State(prompt=_ask_schedule_class, handle=_on_schedule_class, free_text=True, to=())},
                   enter=_schedule,
                   commands=_variants("我的课程", "我的课程表", "课程表", "我的课表", "课表", "我的培训班", "my classes", "my schedule",
                                      "/schedule"), menu_order=45)

TRAINEE_FLOWS = (SIGNIN, SIGNED_TODAY, NEXT_CLASS, MY_CERTIFICATE, MY_SCHEDULE)
