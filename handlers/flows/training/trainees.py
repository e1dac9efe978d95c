"""Trainees of a class: the sub-flows that add one to the roster (``training_trainee``), take one added by
mistake off it (``training_remove``), record their certificates (``training_certificate``, 第二十一条) and
their employment outcome (``training_outcome``),
each called with the class; and the class flow's state that imports a roster from a file (附件4)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from handlers import training_sheets as sheets
from handlers.flow import Answer, Ctx, Flow, Invalid, Outcome, State, choices_reply, finish, goto
from handlers.flows.training.common import (
    CLERKS,
    ERRORS_SHOWN,
    cite,
    enter_clerk,
    my_class,
    required_text,
    service,
    skipped,
    state,
)
from handlers.i18n import N_
from handlers.services import training
from handlers.services.errors import ServiceError
from handlers.services.training import valid_phone
from handlers.types import Reply
from knowledge.idcard import id_problem, id_sex, mask_id, normalize_id
from knowledge.rules.training import ALLOWED_CATEGORIES, CATEGORIES, CATEGORY_LABELS_EN
from storage import repo_training as repo
from storage.crypto import encrypt
from storage.models_training import Enrolment

TRAINEE_FLOW, CERTIFICATE_FLOW, OUTCOME_FLOW = "training_trainee", "training_certificate", "training_outcome"
REMOVE_FLOW = "training_remove"


# -- importing a roster (a state of the class flow) -----------------------------------------------------------
def ask_import(ctx: Ctx) -> Reply:
    return Reply(text=ctx._("Send the roster as an .xlsx file laid out like Annex 4 (附件4): a header row with "
                            "姓名, 身份证号码, 职工类别 …, then one trainee per row. If any row has a problem, I "
                            "list it and import nothing. Type 'cancel' to stop."))


def on_import(ctx: Ctx, answer: Answer) -> Outcome:
    _ = ctx._
    upload = ctx.incoming.upload
    if upload is None:
        raise Invalid(_("Please send the .xlsx file itself, as a document (not a photo of it)."))
    cls = my_class(ctx)
    added, errors = training.import_roster(ctx.session, key=ctx.settings.data_key, cls=cls, data=upload.data,
                                           today=ctx.now.date(), actor=ctx.person_id)
    if errors:
        lines = sheets.format_errors(_, errors)
        more = [_("… and {n} more.", n=len(lines) - ERRORS_SHOWN)] if len(lines) > ERRORS_SHOWN else []
        raise Invalid("\n".join([_("Nothing was imported. Please correct the file and send it again:"),
                                 *lines[:ERRORS_SHOWN], *more]))
    return goto("act", Reply(text=_("Trainees imported into the roster of class {code}: {n}.", n=added,
                                    code=cls.code)))


# -- adding a trainee --------------------------------------------------------------------------------------
@dataclass
class TraineeSlots:
    id_enc: str = ""  # conversation state holds nothing personal in clear: the ID number waits encrypted
    name: str = ""
    category: str = ""
    unit: str = ""
    phone_enc: str = ""  # a phone pasted with the ID number, encrypted as the ID is


def _trainee(ctx: Ctx) -> TraineeSlots:
    return ctx.slots(TraineeSlots)


def _ask_id(ctx: Ctx) -> Reply:
    return Reply(text=ctx._("ID number of the trainee?"))


# A roster line pasted whole ("王小明 530102199003070016 13812345678"): the ID number in it, the name before it, a
# phone after it.
_ID_IN_LINE = re.compile(r"(?<![\dXx])\d{17}[\dXx](?![\dXx])")
_SEPARATORS = " \t,，、:：;；|"


def _on_id(ctx: Ctx, answer: Answer) -> Outcome:
    cls, value = my_class(ctx), normalize_id(answer.text)
    pasted = _ID_IN_LINE.search(re.sub(r"[\s-]", " ", answer.text)) if len(value) != 18 else None
    if pasted is not None:
        value = normalize_id(pasted.group())
    problem = id_problem(value, today=ctx.now.date())
    if problem:
        raise Invalid(ctx._("That is not a valid ID number ({why}). Please check it.",
                            why=ctx._(sheets.ID_REASONS[problem])))
    if repo.find_by_id_hash(session=ctx.session, class_id=cls.id or 0,
                            hashed=repo.id_hash(ctx.settings.data_key, value)):  # said before more is asked
        raise Invalid(ctx._("This person is already on the roster of class {code}.", code=cls.code))
    t = _trainee(ctx)
    t.id_enc = encrypt(ctx.settings.data_key, value)
    if pasted is None:
        return goto("name")
    line = re.sub(r"[\s-]", " ", answer.text)
    before, after = line[:pasted.start()].strip(_SEPARATORS), line[pasted.end():].strip(_SEPARATORS)
    if after and valid_phone(after):
        t.phone_enc = encrypt(ctx.settings.data_key, service(ctx, training.parse_field, "phone", after))
    try:
        t.name = training.parse_field("name", before)
    except ServiceError:
        return goto("name")  # no name before it: asked
    return goto("category", Reply(text=ctx._("Noted: {name}, ID number {id}.", name=t.name, id=mask_id(value))))


def _on_name(ctx: Ctx, answer: Answer) -> Outcome:
    _trainee(ctx).name = service(ctx, training.parse_field, "name", answer.text)
    return goto("category")


def _ask_category(ctx: Ctx) -> Reply:
    """Only the categories the class's project trains (第六条) are offered."""
    allowed = ALLOWED_CATEGORIES[my_class(ctx).project]
    return choices_reply(ctx._("Trainee category?"),
                         [(k, ctx._(CATEGORY_LABELS_EN[k])) for k in CATEGORIES if k in allowed])


def _on_category(ctx: Ctx, answer: Answer) -> Outcome:
    _trainee(ctx).category = answer.value or ""
    return goto("unit")


def _on_unit(ctx: Ctx, answer: Answer) -> Outcome:
    text = answer.text.strip()
    _trainee(ctx).unit = "" if skipped(text) else text[:100]
    if _trainee(ctx).phone_enc:  # pasted with the ID number: not asked again
        return _added(ctx, repo.reveal(ctx.settings.data_key, _trainee(ctx).phone_enc))
    return goto("phone")


def _on_phone(ctx: Ctx, answer: Answer) -> Outcome:
    text = answer.text.strip()
    if not skipped(text) and not valid_phone(text):  # 附件4's 联系方式: a mobile, or a landline as written
        raise Invalid(ctx._("Please type a mobile number (11 digits) or a landline such as 0871-65123456, or '-' "
                            "to skip."))
    return _added(ctx, "" if skipped(text) else service(ctx, training.parse_field, "phone", text))


def _added(ctx: Ctx, phone: str) -> Outcome:
    cls, t = my_class(ctx), _trainee(ctx)
    id_number = repo.reveal(ctx.settings.data_key, t.id_enc)
    line = repo.RosterLine(name=t.name, sex=id_sex(id_number), id_number=id_number, category=t.category,
                           unit=t.unit, trade=cls.trade, phone=phone)
    try:
        training.add_trainee(ctx.session, key=ctx.settings.data_key, cls=cls, line=line)
    except ServiceError as exc:
        return finish(Reply(text=exc.text(ctx._)))
    return finish(Reply(text=ctx._("{name} ({id}) added to the roster of class {code}.", name=line.name,
                                   id=mask_id(line.id_number), code=cls.code)))


TRAINEE = Flow(
    name=TRAINEE_FLOW, title=N_("Add a trainee to a class"), start="id", enter=enter_clerk, enter_to=(),
    roles=CLERKS, in_menu=False,
    states={
        "id": state(_ask_id, _on_id, "name", "category", free_text=True),
        "name": state(lambda ctx: Reply(text=ctx._("Name of the trainee?")), _on_name, "category", free_text=True),
        "category": state(_ask_category, _on_category, "unit"),
        "unit": state(lambda ctx: Reply(text=ctx._("Work unit of the trainee (type '-' if none)?")), _on_unit,
                      "phone", free_text=True),
        "phone": state(lambda ctx: Reply(text=ctx._("Phone of the trainee, mobile or landline (type '-' to skip)?")),
                       _on_phone, free_text=True),
    },
)


# -- certificates and outcomes: a trainee picked first ----------------------------------------------------------
@dataclass
class RecordSlots:
    entry: int = 0  # the enrolment picked
    level: str = ""
    prior: str = ""
    hr: str = ""
    place: str = ""
    employer: str = ""


def _record(ctx: Ctx) -> RecordSlots:
    return ctx.slots(RecordSlots)


def _ask_pick(ctx: Ctx) -> Reply:
    cls = my_class(ctx)
    entries = repo.enrolments_of(session=ctx.session, class_id=cls.id or 0)
    return choices_reply(ctx._("Which trainee? Choose or type the name."),
                         [(f"e:{e.id}", f"{e.name} {e.hr_cert_no or ''}".strip()) for e in entries])


def _pick(then: str) -> State:
    def on_pick(ctx: Ctx, answer: Answer) -> Outcome:
        cls = my_class(ctx)
        entry = repo.get_enrolment(session=ctx.session, enrolment_id=int(answer.value[2:])) if answer.value else None
        if entry is None or entry.class_id != cls.id:
            raise Invalid(ctx._("Please answer with one of the options (a number is enough)."))
        _record(ctx).entry = entry.id or 0
        return goto(then)
    return state(_ask_pick, on_pick, then)


def _entry(ctx: Ctx) -> Enrolment:
    return service(ctx, training.enrolment_of_class, ctx.session, cls=my_class(ctx), enrolment_id=_record(ctx).entry)


def _certificate_no(ctx: Ctx, answer: Answer) -> str:
    if not re.fullmatch(r"[0-9A-Za-z\-]{4,60}", answer.text.strip()):
        raise Invalid(ctx._("Please type the certificate number (letters, digits and '-')."))
    return answer.text.strip()


def _on_level(ctx: Ctx, answer: Answer) -> Outcome:
    _record(ctx).level = answer.value or ""
    return goto("prior")


def _on_prior(ctx: Ctx, answer: Answer) -> Outcome:
    _record(ctx).prior = "" if answer.value == "none" else answer.value or ""
    return goto("hr")


def _on_hr(ctx: Ctx, answer: Answer) -> Outcome:
    _record(ctx).hr = _certificate_no(ctx, answer)
    return goto("union")


def _on_union(ctx: Ctx, answer: Answer) -> Outcome:
    union_no, entry, slots = _certificate_no(ctx, answer), _entry(ctx), _record(ctx)
    service(ctx, training.record_certificate, ctx.session, entry=entry, level=slots.level, hr_no=slots.hr,
            union_no=union_no, prior_level=slots.prior, today=ctx.now.date())
    return finish(Reply(text=ctx._("Certificates of {name} recorded: {level}, HR no. {hr}, union no. {union}.",
                                   name=entry.name, level=entry.cert_level, hr=entry.hr_cert_no,
                                   union=entry.union_cert_no), citations=(cite(ctx, 21),)))


CERTIFICATE = Flow(
    name=CERTIFICATE_FLOW, title=N_("Record the certificates of a trainee"), start="trainee", enter=enter_clerk,
    enter_to=(), roles=CLERKS, in_menu=False,
    states={
        "trainee": _pick("level"),
        "level": state(lambda ctx: choices_reply(ctx._("Level of the certificate obtained (取证等级)?"),
                                                 [(lv, lv) for lv in sheets.LEVELS]), _on_level, "prior"),
        "prior": state(lambda ctx: choices_reply(
            ctx._("Level the trainee held before the class (for the promotion count)?"),
            [("none", ctx._("None")), *((lv, lv) for lv in sheets.LEVELS[:4])]), _on_prior, "hr"),
        "hr": state(lambda ctx: Reply(text=ctx._("Number of the HR certificate (人社证书编号)?")), _on_hr, "union",
                    free_text=True),
        "union": state(lambda ctx: Reply(text=ctx._("Number of the union training certificate (工会证书编号)?")),
                       _on_union, free_text=True),
    },
)


def _on_employed(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.value == "yes":
        return goto("place")
    entry = _entry(ctx)
    service(ctx, training.record_outcome, ctx.session, key=ctx.settings.data_key, entry=entry, employed=False,
            today=ctx.now.date())
    return finish(Reply(text=ctx._("Recorded: {name} is not employed.", name=entry.name)))


def _on_place(ctx: Ctx, answer: Answer) -> Outcome:
    _record(ctx).place = required_text(ctx, answer, 200)
    return goto("employer")


def _on_employer(ctx: Ctx, answer: Answer) -> Outcome:
    _record(ctx).employer = required_text(ctx, answer, 200)
    return goto("phone")


def _on_employer_phone(ctx: Ctx, answer: Answer) -> Outcome:
    text, slots = answer.text.strip(), _record(ctx)
    if not skipped(text) and not valid_phone(text):
        raise Invalid(ctx._("Please type a mobile number (11 digits) or a landline such as 0871-65123456."))
    entry = _entry(ctx)
    service(ctx, training.record_outcome, ctx.session, key=ctx.settings.data_key, entry=entry, employed=True,
            today=ctx.now.date(), place=slots.place, employer=slots.employer, employer_phone="" if skipped(text) else text)
    return finish(Reply(text=ctx._("Recorded: {name} works at {employer}, {place}.", name=entry.name,
                                   employer=entry.employer, place=entry.employment_place)))


OUTCOME = Flow(
    name=OUTCOME_FLOW, title=N_("Record the employment outcome of a trainee"), start="trainee", enter=enter_clerk,
    enter_to=(), roles=CLERKS, in_menu=False,
    states={
        "trainee": _pick("employed"),
        "employed": state(lambda ctx: choices_reply(ctx._("Is {name} employed after the class?", name=_entry(ctx).name),
                                                    [("yes", ctx._("Employed")), ("no", ctx._("Not employed"))]),
                          _on_employed, "place"),
        "place": state(lambda ctx: Reply(text=ctx._("Where does the trainee work (就业地点)?")), _on_place, "employer",
                       free_text=True),
        "employer": state(lambda ctx: Reply(text=ctx._("Employer (就业单位)?")), _on_employer, "phone", free_text=True),
        "phone": state(lambda ctx: Reply(text=ctx._("Phone of the employer (type '-' to skip)?")), _on_employer_phone,
                       free_text=True),
    },
)


# -- a line added by mistake taken off the roster ----------------------------------------------------------------
def _ask_remove(ctx: Ctx) -> Reply:
    entry = _entry(ctx)
    id_number = repo.reveal(ctx.settings.data_key, entry.id_enc)
    unlink = [("unlink", ctx._("Keep them, but unlink the chat account that signed in as them"))] \
        if entry.person_id is not None else []  # someone else may have proved this ID number: the line freed
    signed = repo.signins_of(session=ctx.session, enrolment_id=entry.id or 0)
    if signed or entry.hr_cert_no or entry.union_cert_no or entry.employed is not None:  # said before asked
        return choices_reply(ctx._("{name} ({id}) has sign-ins ({n}), certificates or an employment outcome on "
                                   "record, so they stay on the roster of class {code} (Art. 19, 21).",
                                   name=entry.name, id=mask_id(id_number), n=signed, code=my_class(ctx).code),
                             [*unlink, ("no", ctx._("No, keep them"))])
    options = [("yes", ctx._("Yes, take them off")), *unlink, ("no", ctx._("No, keep them"))]
    return choices_reply(ctx._("Take {name} ({id}) off the roster of class {code}?", name=entry.name,
                               id=mask_id(id_number), code=my_class(ctx).code), options)


def _on_remove(ctx: Ctx, answer: Answer) -> Outcome:
    entry, cls = _entry(ctx), my_class(ctx)
    if answer.value == "unlink":
        try:
            signed = training.unlink_trainee(ctx.session, cls=cls, entry=entry, actor=ctx.person_id)
        except ServiceError as exc:
            return finish(Reply(text=exc.text(ctx._)))
        return finish(Reply(text=ctx._("{name} is no longer linked to that chat account: the trainee can sign in "
                                       "with their own ID number now. The {n} sign-ins made meanwhile stay on the "
                                       "record; please check them against the paper sheet.", name=entry.name,
                                       n=signed), citations=(cite(ctx, 19),)))
    if answer.value != "yes":
        return finish(Reply(text=ctx._("Nothing changed: {name} stays on the roster.", name=entry.name)))
    name = entry.name
    try:
        training.remove_trainee(ctx.session, cls=cls, entry=entry, actor=ctx.person_id)
    except ServiceError as exc:
        return finish(Reply(text=exc.text(ctx._), citations=(cite(ctx, 19),)))
    return finish(Reply(text=ctx._("{name} is taken off the roster of class {code}.", name=name, code=cls.code)))


REMOVE = Flow(
    name=REMOVE_FLOW, title=N_("Take a trainee off the roster, or unlink their chat account"), start="trainee", enter=enter_clerk, enter_to=(),
    roles=CLERKS, in_menu=False,
    states={"trainee": _pick("confirm"), "confirm": state(_ask_remove, _on_remove)},
)
