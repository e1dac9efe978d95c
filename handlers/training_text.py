"""Text renderers of the training rules, shared by the conversations and the ``yunling subsidy`` command:
:func:`step_text` and :func:`violation_text` turn the knowledge layer's templates into the reader's language,
:func:`breakdown_lines` renders a subsidy computation. Kept outside ``handlers.flows`` so that the command
does not import the whole flow registry."""

from __future__ import annotations

from decimal import Decimal

from handlers.i18n import Translate
from knowledge.rules import subsidy as sub
from knowledge.rules import training as tr

__all__ = ["breakdown_lines", "step_text", "violation_text"]


def _param(_: Translate, value: object) -> object:
    """Labels are msgids (translated), label tuples are joined, money shows thousands separators."""
    if isinstance(value, str):
        return _(value) if value else value
    if isinstance(value, tuple):
        return _("、").join(str(_param(_, v)) for v in value)
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return value


def step_text(_: Translate, message: str, params: dict) -> str:
    """Translate a knowledge-layer template and format it with its (translated) params."""
    return _(message, **{k: _param(_, v) for k, v in params.items()})


def violation_text(_: Translate, violation: tr.Violation) -> str:
    return step_text(_, violation.message, violation.params)


def breakdown_lines(_: Translate, b: sub.Breakdown) -> list[str]:
    """Title, numbered steps, then notes — the same text in chat and on the command line."""
    lines = [_("Subsidy estimate: {project}, {trainees} trainees",
               project=_(tr.PROJECT_LABELS_EN[b.project]), trainees=b.trainees)]
    lines += [f"{i}. {step_text(_, s.message, s.params)}" for i, s in enumerate(b.steps, 1)]
    lines += [_("Note: {note}", note=step_text(_, n.message, n.params)) for n in b.notes]
    return lines
