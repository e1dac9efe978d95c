"""The registry: every flow of the assistant in one explicit tuple, the main menu's structure, and the FAQ."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

from handlers.fields import reads_as_question
from handlers.flow import Ctx, Flow, MenuGroup
from handlers.flows.ask import NEXT_LABELS, faq_prefetch, shown_at_once
from handlers.flows.ask import faq_answer as plain_faq_answer
from handlers.flows.awards_common import GO_ON
from handlers.flows.broadcast import BROADCAST
from handlers.flows.clerk_cases import CLERK_CASES
from handlers.flows.console import CONSOLE
from handlers.flows.core import AREA, DELETE_DATA, EXPORT_DATA, LANG, ME, PRIVACY
from handlers.flows.craftsman import FLOWS as CRAFTSMAN_FLOWS
from handlers.flows.drafts import FLOWS as DRAFT_FLOWS
from handlers.flows.drafts_export import EXPORT as DRAFTS_EXPORT
from handlers.flows.handoff import HANDOFF, MY_TICKETS, TICKETS
from handlers.flows.listen import FLOWS as LISTEN_FLOWS
from handlers.flows.listen import listen as listen_for_checks
from handlers.flows.listen import offering
from handlers.flows.signin import TRAINEE_FLOWS
from handlers.flows.signin import said as signin_said
from handlers.flows.station import FLOWS as STATION_FLOWS
from handlers.flows.status import CLAIM, STATUS, SUBSCRIBE, UNSUBSCRIBE
from handlers.flows.studio import FLOWS as STUDIO_FLOWS
from handlers.flows.training import FLOWS as TRAINING_FLOWS
from handlers.flows.training_rules import CALENDAR, ELIGIBILITY, SUBSIDY
from handlers.i18n import N_, translator

_FLOWS: tuple[Flow, ...] = (
    LANG,
    ME,
    AREA,
    PRIVACY, EXPORT_DATA, DELETE_DATA,
    *DRAFT_FLOWS, DRAFTS_EXPORT,
    *CRAFTSMAN_FLOWS, *STUDIO_FLOWS, *STATION_FLOWS,
    HANDOFF, MY_TICKETS, TICKETS,
    SUBSIDY, CALENDAR, ELIGIBILITY,
    STATUS, CLAIM, SUBSCRIBE, UNSUBSCRIBE, CLERK_CASES, BROADCAST, CONSOLE,
    *TRAINEE_FLOWS, *TRAINING_FLOWS,
    *LISTEN_FLOWS, GO_ON,
)


def _with_labels(flows: tuple[Flow, ...]) -> tuple[Flow, ...]:
    """Each flow that a reply offers by its label ("这件事可以直接在本助手里办理：点“管理培训班”"), or the menu shows by its
    title ("填写申报表"), opens when that label is typed, in either language, as its own words do: on WeChat people
    type what they are told to tap. A label three flows share ("Fill in the application form here") opens none
    of them; a title that asks a question ("谁能参加工会技能培训", "云岭工匠：我能申报吗？") stays a question."""
    counts = Counter(NEXT_LABELS.values())
    labels: dict[str, list[str]] = {name: [label] for name, label in NEXT_LABELS.items() if counts[label] == 1}
    for f in flows:
        if f.in_menu and not reads_as_question(f.title) and not re.search(r"\bwho\b|谁", f.title.lower()):
            labels.setdefault(f.name, []).append(f.title)
    words = {name: tuple(translator(loc)(label) for label in names for loc in ("zh_Hans", "en"))
             for name, names in labels.items()}
    return tuple(replace(f, commands=(*f.commands, *dict.fromkeys(w for w in words[f.name] if w not in f.commands)))
                 if f.name in words else f for f in flows)


FLOWS = _with_labels(_FLOWS)

# The main menu: submenus and top-level flows, in order. A flow shown in the menu (in_menu=True) that is
# placed nowhere here is listed at the top level, so nothing becomes unreachable by omission.
MENU: tuple[MenuGroup | str, ...] = (
    MenuGroup("awards", N_("Awards: Yunling Craftsman, innovation studios, technician workstations"),
              ("craftsman", "craftsman_channel", "studio", "station", "draft", "status"),
              commands=("评选申报", "申报", "评选", "awards", "apply")),
    MenuGroup("training", N_("Skills training: sign-in, my classes, subsidies, deadlines"),
              ("signin", "my_schedule", "next_class", "signed_today", "my_certificate", "training_eligibility",
               "training_subsidy", "training_calendar"),
              commands=("技能培训", "培训", "training")),
    MenuGroup("mine", N_("My services: progress, tickets, reminders, my information"),
              ("status", "mytickets", "subscribe", "unsubscribe", "me", "privacy"),
              commands=("我的", "我的服务", "my services")),
    "handoff",
    MenuGroup("clerk", N_("For union clerks"),
              ("cases", "broadcast", "training_classes", "tickets", "drafts_export"),
              roles=frozenset({"clerk"}), commands=("工作人员", "管理", "clerk")),
    "lang",
)

# The FAQ as the dispatcher and the checks' verdicts use it: a plain question about a programme is also
# offered the check that fits (handlers/flows/listen.py).
faq_answer = offering(plain_faq_answer)


def listen(ctx: Ctx, text: str) -> str | None:
    """The flow a free-text message opens by itself, its facts in ``ctx.data``: a sign-in that carries its
    class's code, a trainee's own record asked to be seen, or a self-description that fits a check; None for
    the FAQ."""
    return signin_said(ctx, text) or shown_at_once(ctx, text) or listen_for_checks(ctx, text)


__all__ = ["FLOWS", "MENU", "faq_answer", "faq_prefetch", "listen"]
