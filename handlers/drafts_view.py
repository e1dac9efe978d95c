"""How a draft's answers are shown in conversation (masked or in clear, printed Chinese options with their
English names): shared by the applicant's form flow and the clerk's export."""

from __future__ import annotations

from typing import Any

from handlers.flow import Ctx
from handlers.forms import PROGRAMME_NAMES, Field
from knowledge.idcard import mask_id, mask_mobile
from storage import repo_applications as apps
from storage.models_applications import ApplicationDraft

PREVIEW = 30


def answers(draft: ApplicationDraft, ctx: Ctx, *, clear: bool) -> dict[str, Any]:
    """Stored answers; personal ones in clear (``clear``) or masked, only where they are filled in."""
    answers = apps.values(draft)
    secret = ctx.settings.data_key
    if draft.id_number_enc:
        number = apps.id_number(draft, secret=secret)
        answers["id_number"] = number if clear else mask_id(number)
    if draft.mobile_enc:
        phone = apps.mobile(draft, secret=secret)
        answers["mobile"] = phone if clear else mask_mobile(phone)
    return answers


def answered(f: Field, draft: ApplicationDraft, answers: dict[str, Any]) -> bool:
    if f.kind == "id":
        return bool(draft.id_number_enc)
    if f.kind == "mobile":
        return bool(draft.mobile_enc)
    return f.key in answers


def label(ctx: Ctx, f: Field) -> str:
    return f.title if ctx.locale == "zh" else ctx._(f.name)


def option_label(ctx: Ctx, value: str, en: str) -> str:
    return value if ctx.locale == "zh" else f"{ctx._(en)} ({value})"


def shown(ctx: Ctx, f: Field, value: Any) -> str:
    if value in (None, "", []):
        return ctx._("(not filled in)")
    if f.options and ctx.locale != "zh":  # the printed Chinese option, with its English name first
        names = dict(f.options)
        picked = value if isinstance(value, list) else [value]
        return ", ".join(option_label(ctx, v, names[v]) if v in names else str(v) for v in picked)
    if isinstance(value, list):
        return "、".join(value)
    text = str(value)
    if f.kind == "long" and len(text) > PREVIEW:
        return ctx._("{start}… ({n} characters)", start=text[:PREVIEW], n=len(text))
    return text


def programme_name(ctx: Ctx, programme: str) -> str:
    return ctx._(PROGRAMME_NAMES[programme])
