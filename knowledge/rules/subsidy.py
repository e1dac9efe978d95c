"""The training fund's subsidy calculator (第九条, 第十条 of the training measure), in Decimal yuan.

技能提升 (upgrade): the catalogue standard (per trainee, 《云南省职业技能培训创业培训标准目录》) times the
trainees is split: the province pays 70 %, local unions match at least 30 % (第九条).
脱贫攻坚 (poverty): tuition per the approved budget, a living allowance of 80 元/人/天 up to 30 days or a
3 600 元/人 lump sum beyond, and the appraisal fee per the HR standard (第十条).

Rounding, decided here: amounts are kept to the fen (0.01 元). The province share is rounded DOWN to the
fen so it never exceeds 70 %; the minimum local share is the remainder, so it is never below 30 % and the
two always add up to the standard exactly (1 234.57 → 864.19 + 370.38).

Inputs, decided here: ``tuition`` is the approved tuition budget of the whole class; ``appraisal_fee`` is
the HR-standard fee per trainee (鉴定费 is charged per candidate) and is multiplied by the trainees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from knowledge.models import ArticleRef, ref
from knowledge.rules.training import (
    MEASURE,
    POVERTY,
    POVERTY_MIN_DAYS,
    PROJECTS,
    REF_DAYS_AND_EMPLOYMENT,
    UPGRADE,
)
from knowledge.text import N_

FEN = Decimal("0.01")

PROVINCE_RATE = Decimal("0.70")  # 第九条 "省总工会按照培训补助标准 70% 的比例补助"
LOCAL_MIN_RATE = Decimal("0.30")  # 第九条 "按照不低于培训补助标准 30% 的比例配套"
DAILY_ALLOWANCE = Decimal("80")  # 第十条 "培训天数小于等于 30 天的，按照 80 元/人/天补助"
DAILY_ALLOWANCE_MAX_DAYS = 30  # 第十条 "小于等于 30 天" / "超过 30 天"
LUMP_SUM_ALLOWANCE = Decimal("3600")  # 第十条 "超过 30 天的一次性补助 3600 元/人"

REF_UPGRADE_SPLIT = ref(MEASURE, 9)
REF_POVERTY_KINDS = ref(MEASURE, 10, 1)
REF_TUITION = ref(MEASURE, 10, 2)
REF_LIVING = ref(MEASURE, 10, 3)
REF_APPRAISAL = ref(MEASURE, 10, 4)

# 第十条第二款: what tuition covers and what it may not include.
TUITION_INCLUDES: tuple[str, ...] = (
    N_("teaching materials"), N_("venue rental"), N_("teachers' fees"),
    N_("teachers' travel to the countryside"), N_("training consumables"),
)
TUITION_EXCLUDES: tuple[str, ...] = (
    N_("capital construction of the training institution"),
    N_("purchase of teaching equipment"),
    N_("project working funds of the departments concerned"),
)


@dataclass(frozen=True)
class Step:
    """One line of the computation: an ``N_``-marked English template, its params and its article."""

    message: str
    params: dict = field(default_factory=dict)
    ref: ArticleRef = REF_UPGRADE_SPLIT


@dataclass(frozen=True)
class Breakdown:
    """The result: ``figures`` (name → Decimal yuan, or int for counts) and the ``steps`` that explain them.

    upgrade figures: standard_per_person, standard_total, province_share, min_local_share, total.
    poverty figures: days, tuition, living_allowance_per_person, living_allowance_total,
    appraisal_fee_per_person, appraisal_total, total.
    """

    project: str
    trainees: int
    figures: dict[str, Decimal | int]
    steps: tuple[Step, ...]
    notes: tuple[Step, ...] = ()  # warnings and reminders that do not change the figures

    @property
    def refs(self) -> tuple[ArticleRef, ...]:
        """Every reference of the steps and notes (paragraphs kept), in order, without repeats."""
        return tuple(dict.fromkeys(s.ref for s in self.steps + self.notes))

    @property
    def articles(self) -> tuple[ArticleRef, ...]:
        """The cited articles (paragraphs dropped), in order, without repeats."""
        return tuple(dict.fromkeys(ref(r.measure, r.article) for r in self.refs))


def yuan(value: Decimal | int | str) -> Decimal:
    """A money amount rounded half-up to the fen."""
    return Decimal(value).quantize(FEN)


def _non_negative(name: str, value: Decimal | int) -> None:
    if value < 0:
        raise ValueError(f"{name} must not be negative")


def upgrade(standard: Decimal, trainees: int) -> Breakdown:
    """第九条: split the catalogue standard (``standard`` 元 per trainee) between province and local unions."""
    _non_negative("standard", standard)
    if trainees < 1:
        raise ValueError("trainees must be at least 1")
    per_person = yuan(standard)
    total = yuan(per_person * trainees)
    province = (total * PROVINCE_RATE).quantize(FEN, rounding=ROUND_DOWN)
    local = total - province
    steps = (
        Step(N_("Catalogue standard: {standard} yuan per trainee × {trainees} trainees = {total} yuan."),
             {"standard": per_person, "trainees": trainees, "total": total}, REF_UPGRADE_SPLIT),
        Step(N_("Provincial federation pays 70%: {total} × 70% = {province} yuan."),
             {"total": total, "province": province}, REF_UPGRADE_SPLIT),
        Step(N_("Local unions match at least 30%: at least {local} yuan."),
             {"local": local}, REF_UPGRADE_SPLIT),
    )
    notes = (Step(N_("Amounts are rounded to the fen: the provincial share is rounded down, the local share "
                     "is the rest, so the two add up to the standard."), {}, REF_UPGRADE_SPLIT),)
    figures: dict[str, Decimal | int] = {
        "standard_per_person": per_person, "standard_total": total, "province_share": province,
        "min_local_share": local, "total": total,
    }
    return Breakdown(UPGRADE, trainees, figures, steps, notes)


def living_allowance_per_person(days: int) -> Decimal:
    """第十条第三款: 80 元 a day up to 30 days (30 days → 2 400 元), a 3 600 元 lump sum from 31 days."""
    if days < 1:
        raise ValueError("days must be at least 1")
    if days <= DAILY_ALLOWANCE_MAX_DAYS:
        return yuan(DAILY_ALLOWANCE * days)
    return yuan(LUMP_SUM_ALLOWANCE)


def living_step(days: int) -> Step:
    """The living allowance of one trainee as a line of working (the calculator's, and a question's answer)."""
    allowance = living_allowance_per_person(days)
    if days <= DAILY_ALLOWANCE_MAX_DAYS:
        return Step(N_("Living allowance (transport included): {days} days ≤ 30 days, so 80 yuan × {days} days "
                       "= {per_person} yuan per trainee."), {"days": days, "per_person": allowance}, REF_LIVING)
    return Step(N_("Living allowance (transport included): {days} days > 30 days, so a lump sum of 3600 "
                   "yuan per trainee."), {"days": days, "per_person": allowance}, REF_LIVING)


def poverty(days: int, trainees: int, tuition: Decimal = Decimal(0),
            appraisal_fee: Decimal = Decimal(0)) -> Breakdown:
    """第十条: tuition (approved budget, whole class) + living allowance + appraisal fee (per trainee)."""
    _non_negative("tuition", tuition)
    _non_negative("appraisal_fee", appraisal_fee)
    if trainees < 1:
        raise ValueError("trainees must be at least 1")
    allowance = living_allowance_per_person(days)
    allowance_total = yuan(allowance * trainees)
    tuition_y = yuan(tuition)
    fee = yuan(appraisal_fee)
    fee_total = yuan(fee * trainees)
    total = tuition_y + allowance_total + fee_total
    steps = (
        Step(N_("Tuition per the approved project budget: {tuition} yuan."), {"tuition": tuition_y}, REF_TUITION),
        living_step(days),
        Step(N_("Living allowance for {trainees} trainees: {per_person} × {trainees} = {total} yuan."),
             {"trainees": trainees, "per_person": allowance, "total": allowance_total}, REF_LIVING),
        Step(N_("Skills appraisal fee per the HR standard: {fee} yuan × {trainees} = {total} yuan."),
             {"fee": fee, "trainees": trainees, "total": fee_total}, REF_APPRAISAL),
        Step(N_("Total subsidy: {tuition} + {living} + {appraisal} = {total} yuan."),
             {"tuition": tuition_y, "living": allowance_total, "appraisal": fee_total, "total": total},
             REF_POVERTY_KINDS),
    )
    notes = [Step(N_("The living allowance jumps at 30 days: 30 days give 30 × 80 = 2400 yuan per trainee, "
                     "31 days or more give the 3600 yuan lump sum."), {}, REF_LIVING),
             Step(N_("Tuition may not include capital construction of the training institution, purchase of "
                     "teaching equipment, or project working funds of the departments concerned."),
                  {}, REF_TUITION)]
    if days < POVERTY_MIN_DAYS:
        notes.append(Step(N_("A poverty-alleviation class should in principle last at least {min_days} days; "
                             "{days} days is shorter."), {"min_days": POVERTY_MIN_DAYS, "days": days},
                          REF_DAYS_AND_EMPLOYMENT))
    figures: dict[str, Decimal | int] = {
        "days": days, "tuition": tuition_y, "living_allowance_per_person": allowance,
        "living_allowance_total": allowance_total, "appraisal_fee_per_person": fee,
        "appraisal_total": fee_total, "total": total,
    }
    return Breakdown(POVERTY, trainees, figures, steps, tuple(notes))


def calculate(project: str, trainees: int, *, standard: Decimal | None = None, days: int | None = None,
              tuition: Decimal = Decimal(0), appraisal_fee: Decimal = Decimal(0)) -> Breakdown:
    """Dispatch on the project key; ``standard`` is required for upgrade, ``days`` for poverty."""
    if project not in PROJECTS:
        raise ValueError(f"unknown training project {project!r}")
    if project == UPGRADE:
        if standard is None:
            raise ValueError("standard is required for an upgrade project")
        return upgrade(standard, trainees)
    if days is None:
        raise ValueError("days is required for a poverty project")
    return poverty(days, trainees, tuition, appraisal_fee)
