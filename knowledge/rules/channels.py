"""Which way to apply for 云岭工匠 and exactly where to file (Yunling Craftsman measures 第九、十条, 附件2
填报要求).

``craftsman_channel(profile)`` returns a :class:`ChannelPlan`: the body to file with, named from the
answers ("昆明市五华区总工会"), the way up the union hierarchy, who fills which annex, the materials, and
-- for an expert referral that does not meet 第九条 -- the exact reason it would be refused. Places are
typed freely and recognised by :func:`knowledge.places.parse_place`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from knowledge.models import ref
from knowledge.places import Place, parse_place
from knowledge.rules.awards import (
    UNSURE,
    UNSURE_OPTION,
    WHOM_UNION,
    YES_NO,
    Fact,
    Option,
    Profile,
    Question,
    Reason,
    number,
    truth,
)
from knowledge.text import N_

M = "craftsman"
MIN_REFERRERS = 2  # 第九条: 由2名以上同专业的我省高级技师或具有副高职及以上职称人才联合举荐
REFERRER_QUALIFICATIONS = ("senior_technician", "deputy_senior", "senior")  # 高级技师, 副高, 正高
PROVINCIAL_OFFICE = "云岭工匠选树工作领导小组办公室（云南省总工会）"

ROUTES = {
    "union": N_("Recommended by my union, level by level (工会逐级推荐)"),
    "association": N_("Recommended by an industry association or professional society (行业协会推荐)"),
    "referral": N_("Referred by experts (专业人士举荐)"),
    "self": N_("I nominate myself (个人自荐)"),
}

QUESTIONS: dict[str, Question] = {q.key: q for q in (
    Question("route", N_("Which way do you want to apply? Every way runs online and offline at the same time."),
             ref(M, 9, 2), options=tuple(Option(k, v) for k, v in ROUTES.items()),
             help=N_("1. Your union: your unit's union passes it up to the prefecture federation or provincial "
                     "industry union.\n2. An association or society you belong to files it.\n3. Two or more "
                     "senior experts of your specialty refer you.\n4. You file it yourself.")),
    Question("union_level", N_("Which union does your unit's union report to?"), ref(M, 9, 3), options=(
        Option("prefecture", N_("A prefecture (州/市) federation of trade unions")),
        Option("industry", N_("A provincial industry, system or company union")), UNSURE_OPTION), whom=WHOM_UNION),
    Question("unit_prefecture", N_("In which prefecture (州/市) is your unit? Type its name, e.g. 曲靖市."),
             ref(M, 9, 3), kind="place", level="prefecture", options=(UNSURE_OPTION,)),
    Question("industry_union", N_("What is the name of that provincial industry, system or company union? "
                                  "Type it, e.g. 云南省能源化工产业工会."), ref(M, 9, 3), kind="text"),
    Question("association_name", N_("What is the name of the association or society? Type it."), ref(M, 9, 4),
             kind="text"),
    Question("association_place", N_("In which county or district is its office? Type it, e.g. 昆明市盘龙区."),
             ref(M, 9, 4), kind="place"),
    Question("referrer_count", N_("How many experts will refer you? Type a number."), ref(M, 9, 5),
             kind="number", minimum=0, maximum=50, bound=("least", MIN_REFERRERS)),
    Question("referrers_same_specialty", N_("Are all of them of the same specialty as each other and as you?"),
             ref(M, 9, 5), options=YES_NO),
    Question("referrers_qualified", N_("Is each of them a senior technician (高级技师) or holder of a "
                                       "deputy-senior professional title (副高级职称) or higher?"),
             ref(M, 9, 5), options=YES_NO),
    Question("referrers_in_yunnan", N_("Do all of them work in Yunnan?"), ref(M, 9, 5), options=YES_NO),
    Question("household_in_yunnan", N_("Is your household registration (户口) in Yunnan?"), ref(M, 9, 5),
             options=YES_NO),
    Question("household_place", N_("In which county or district is your household (户口) registered? Type it, "
                                   "e.g. 昆明市五华区."), ref(M, 9, 5), kind="place"),
    Question("self_employed", N_("Do you run your own business (self-employed)?"), ref(M, 9, 6), options=YES_NO),
    Question("unit_has_union", N_("Does your unit have a trade union?"), ref(M, 9, 6), options=YES_NO),
    Question("unit_name", N_("What is your unit's name? Type it."), ref(M, 9, 6), kind="text"),
    Question("unit_place", N_("In which county or district is your unit? Type it, e.g. 玉溪市红塔区."),
             ref(M, 9, 6), kind="place"),
    Question("premises_place", N_("In which county or district are your business premises? Type it, e.g. "
                                  "大理市."), ref(M, 9, 6), kind="place"),
)}


@dataclass(frozen=True)
class Step:
    text: str  # N_-marked
    params: Mapping[str, object]


@dataclass(frozen=True)
class ChannelPlan:
    route: str | None
    valid: bool | None  # None while questions are open
    body: str = ""  # where to file, in Chinese
    reasons: tuple[Reason, ...] = ()
    path: tuple[Step, ...] = ()
    annexes: tuple[Fact, ...] = ()
    materials: tuple[Fact, ...] = ()
    unknown: tuple[str, ...] = ()


def summarise_referrers(referrers: Sequence[Mapping[str, object]], nominee_specialty: str) -> dict[str, object]:
    """Per-referrer details -> the answers :func:`craftsman_channel` reads. Each referrer has
    ``specialty``, ``qualification`` (senior_technician | deputy_senior | senior | other) and ``in_yunnan``."""
    wanted = nominee_specialty.strip()
    return {
        "referrer_count": len(referrers),
        "referrers_same_specialty": all(str(r.get("specialty", "")).strip() == wanted for r in referrers),
        "referrers_qualified": all(r.get("qualification") in REFERRER_QUALIFICATIONS for r in referrers),
        "referrers_in_yunnan": all(bool(r.get("in_yunnan")) for r in referrers),
    }


def _place(p: Profile, key: str) -> Place | None:
    raw = p.get(key)
    if isinstance(raw, Place):
        return raw
    return parse_place(raw) if isinstance(raw, str) else None


def _union_name(text: str) -> str:
    text = text.strip()
    return text if text.endswith("工会") else text + "工会"


def _referral_refusals(p: Profile) -> tuple[list[Reason], list[str]]:
    r = ref(M, 9, 5)
    refusals: list[Reason] = []
    open_: list[str] = []
    count = number(p, "referrer_count")
    if count is None:
        open_.append("referrer_count")
    elif count < MIN_REFERRERS:
        refusals.append(Reason(N_("A referral needs at least {n} referrers; you have {value}."), r,
                               {"n": MIN_REFERRERS, "value": count}))
    checks = (
        ("referrers_same_specialty", N_("The referrers must be of the same specialty as each other and as the "
                                        "nominee.")),
        ("referrers_qualified", N_("Each referrer must be a senior technician (高级技师) or hold a deputy-senior "
                                   "professional title (副高级职称) or higher.")),
        ("referrers_in_yunnan", N_("The referrers must be experts of Yunnan (我省).")),
        ("household_in_yunnan", N_("A referral is filed with the county union where the nominee's household "
                                   "(户口) is registered (Art. 9); the measures name no union for a household "
                                   "outside Yunnan. Choose another way, such as your unit's union or "
                                   "self-nomination, or type 'human' to ask.")),
    )
    for key, message in checks:
        answer = truth(p, key)
        if answer is None:
            open_.append(key)
        elif not answer:
            refusals.append(Reason(message, r))
    return refusals, open_


def _materials(route: str) -> tuple[Fact, ...]:
    r10 = ref(M, 10)
    items = [
        Fact("indicators", N_("Fill in at least one of the three sections: superb craftsmanship, leading role, "
                              "remarkable contribution."), r10, {}, ("三项指标至少选填一项",), 2),
        Fact("proofs", N_("Proof for each section you fill in, stamped by your unit or the body concerned."),
             r10, {}, ("由所在单位或相关单位在证明材料上盖章确认",), 2),
        Fact("summary", N_("A brief account of your achievements of at most {short} characters on the form, and a "
                           "full account of at most {long} characters."), r10, {"short": 600, "long": 2000},
             ("600字以内的简要事迹", "不超2000字的事迹材料"), 2),
        Fact("copies", N_("Copies of qualification certificates, invention patents, commendations and technical "
                          "results you mention."), r10, {}, ("须提交相关证明材料复印件",), 2),
        Fact("binding", N_("Everything on A4 paper, bound, in triplicate."), r10, {}, ("A4纸装订成册（一式三份）",), 2),
    ]
    if route == "referral":
        items.append(Fact("referral_proof", N_("Proof that the referrers are qualified to refer (高级技师 or "
                                               "deputy-senior title certificates)."), r10, {},
                          ("须提交具备举荐资格的证明材料",), 2))
    if route == "association":
        items.append(Fact("registration", N_("A copy of the association's registration certificate as a social "
                                             "organisation (社团法人登记证书)."), r10, {},
                          ("社团法人登记证书复印件",), 2))
    return tuple(items)


_OPINION_BY = {
    "union": N_("the trade union of your unit"),
    "association": N_("the association or society"),
    "referral": N_("the referring experts"),
    "self": N_("you yourself"),
}


def _annexes(route: str, top: str) -> tuple[Fact, ...]:
    r10 = ref(M, 10)
    return (
        Fact("annex1", N_("附件1 Recommendation and commitment letter: filled in and stamped by {top} after its "
                          "preliminary review."), r10, {"top": top}, ("附件1由各有关州(市)总工会或省级产业、系统、公司工会填写",)),
        Fact("annex2", N_("附件2 Application form: filled in by you, the applicant; its 'recommendation opinion' box "
                          "is filled in by {who}."), r10, {"who": _OPINION_BY[route]}, ("附件2由申报人填写",)),
    )


def _path(first: str, first_role: str, top: str) -> tuple[Step, ...]:
    steps = [Step(N_("{body}: {role}"), {"body": first, "role": first_role})]
    if top and top != first:
        steps.append(Step(N_("{body}: preliminary review by its experts (whoever recommends, reviews first), then "
                             "fills in 附件1 and passes the application up"), {"body": top}))
    steps.append(Step(N_("{body}: eligibility re-check, expert review and the further stages"),
                      {"body": PROVINCIAL_OFFICE}))
    return tuple(steps)


@dataclass(frozen=True)
class _Route:
    """What one application route decides: the body to file with and the one above it, the facts still
    open, refusals, and the reason citing the route's article."""

    reason: Reason
    body: str = ""
    top: str = ""
    open_: tuple[str, ...] = ()
    refusals: tuple[Reason, ...] = ()
    role: str = N_("receives your application and passes it up the union hierarchy")


_GENERIC_TOP = N_("your prefecture federation of trade unions or provincial industry, system or company union")


def _union_route(p: Profile) -> _Route:
    body, open_ = "", []
    level = p.get("union_level")
    if level is None:
        open_.append("union_level")
    elif level == UNSURE:  # your unit's union knows whom it reports to: the plan names both kinds (第九条（三）)
        body = _GENERIC_TOP
    elif level == "prefecture":
        place = _place(p, "unit_prefecture")
        if p.get("unit_prefecture") == UNSURE:  # as an unsure level: your unit's union knows which one
            body = _GENERIC_TOP
        elif place is None:
            open_.append("unit_prefecture")
        else:
            body = place.prefecture_union
    else:
        name = p.get("industry_union")
        if not name:
            open_.append("industry_union")
        else:
            body = _union_name(str(name))
    reason = Reason(N_("Union route: bottom-up through your unit's union to {body}."), ref(M, 9, 3),
                    {"body": body or _GENERIC_TOP})
    return _Route(reason, body, body, tuple(open_), role=N_("receives the application from your unit's union"))


def _association_route(p: Profile) -> _Route:
    name, place = p.get("association_name"), _place(p, "association_place")
    open_ = tuple(k for k, v in (("association_name", name), ("association_place", place)) if not v)
    body = top = ""
    if name and place:
        # 第九条: "向其办公场所所在地工会" -- the union of the county or district where its office is.
        body, top = place.union, place.prefecture_union
    reason = Reason(N_("Association route: {name} files with the trade union of the county or district where "
                       "its office is, that is {body}, which passes it up level by level to {top}. Ask {body} "
                       "when it collects applications."), ref(M, 9, 4),
                    {"name": name or N_("the association"), "body": body or N_("that union"),
                     "top": top or N_("the prefecture federation")})
    return _Route(reason, body, top, open_)


def _referral_route(p: Profile) -> _Route:
    refusals, open_ = _referral_refusals(p)
    body = top = ""
    if not refusals and truth(p, "household_in_yunnan"):
        place = _place(p, "household_place")
        if place is None:
            open_.append("household_place")
        else:
            body, top = place.union, place.prefecture_union
    reason = Reason(N_("Expert referral: at least {n} qualified referrers of your specialty file it with the "
                       "county union where your household is registered."), ref(M, 9, 5), {"n": MIN_REFERRERS})
    return _Route(reason, body, top, tuple(open_), tuple(refusals),
                  role=N_("receives the referral filed by the referrers"))


def _self_route(p: Profile) -> _Route:
    body, top, open_ = _self_body(p)
    reason = Reason(N_("Self-nomination: file with your unit's union, or, without one, the county union where "
                       "your unit or business is; it passes it up level by level."), ref(M, 9, 6))
    return _Route(reason, body, top, tuple(open_))


_ROUTE_RULES = {"union": _union_route, "association": _association_route, "referral": _referral_route}


def craftsman_channel(p: Profile) -> ChannelPlan:
    route = p.get("route")
    if route not in ROUTES:
        return ChannelPlan(None, None, unknown=("route",))
    route = str(route)
    decided = _ROUTE_RULES.get(route, _self_route)(p)
    if decided.refusals:
        return ChannelPlan(route, False, reasons=decided.refusals)
    if decided.open_:
        return ChannelPlan(route, None, reasons=(decided.reason,), unknown=decided.open_)
    top_name = decided.top or _GENERIC_TOP
    return ChannelPlan(
        route, True, body=decided.body, reasons=(
            decided.reason,
            # 第九条: "采取线上线下同步申报的方式进行。线上申报可登陆指定网站完成。"
            Reason(N_("Filing runs online and offline at the same time; the online filing can be done on the "
                      "designated website."),
                   ref(M, 9, 2), decisive=False)),
        path=_path(decided.body, decided.role, top_name), annexes=_annexes(route, top_name),
        materials=_materials(route))


def _self_body(p: Profile) -> tuple[str, str, list[str]]:
    employed = truth(p, "self_employed")
    if employed is None:
        return "", "", ["self_employed"]
    if employed:
        place = _place(p, "premises_place")
        return (place.union, place.prefecture_union, []) if place else ("", "", ["premises_place"])
    has_union = truth(p, "unit_has_union")
    if has_union is None:
        return "", "", ["unit_has_union"]
    if has_union:
        name = p.get("unit_name")
        return (_union_name(str(name)), "", []) if name else ("", "", ["unit_name"])
    place = _place(p, "unit_place")
    return (place.union, place.prefecture_union, []) if place else ("", "", ["unit_place"])
