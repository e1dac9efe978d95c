"""The registry: every flow of the assistant, in one explicit tuple, and the FAQ entry point."""

from __future__ import annotations

from handlers.flow import Flow
from handlers.flows.ask import faq_answer
from handlers.flows.broadcast import BROADCAST
from handlers.flows.clerk_cases import CLERK_CASES
from handlers.flows.core import LANG, ME
from handlers.flows.craftsman import FLOWS as CRAFTSMAN_FLOWS
from handlers.flows.drafts import FLOWS as DRAFT_FLOWS
from handlers.flows.handoff import HANDOFF, MY_TICKETS, TICKETS
from handlers.flows.signin import TRAINEE_FLOWS
from handlers.flows.station import FLOWS as STATION_FLOWS
from handlers.flows.status import STATUS, SUBSCRIBE, UNSUBSCRIBE
from handlers.flows.studio import FLOWS as STUDIO_FLOWS
from handlers.flows.training import TRAINING_CLERK
from handlers.flows.training_rules import CALENDAR, ELIGIBILITY, SUBSIDY

FLOWS: tuple[Flow, ...] = (
    LANG,
    ME,
    *DRAFT_FLOWS,
    *CRAFTSMAN_FLOWS, *STUDIO_FLOWS, *STATION_FLOWS,
    HANDOFF, MY_TICKETS, TICKETS,
    SUBSIDY, CALENDAR, ELIGIBILITY,
    STATUS, SUBSCRIBE, UNSUBSCRIBE, CLERK_CASES, BROADCAST,
    *TRAINEE_FLOWS, TRAINING_CLERK,
)

__all__ = ["FLOWS", "faq_answer"]
