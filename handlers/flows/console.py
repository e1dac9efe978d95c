"""``后台`` / ``console``: a clerk asks for a sign-in link to the web console (docs/console.md).

The link is single-use, valid 10 minutes and bound to the clerk and their unit
(:mod:`handlers.services.console_auth`). Anyone else gets the dispatcher's polite refusal (the flow is for
clerks only)."""

from __future__ import annotations

from handlers.flow import Ctx, Flow, Outcome, finish
from handlers.i18n import N_
from handlers.services import console_auth
from handlers.types import Reply


def _link(ctx: Ctx) -> Outcome:
    _ = ctx._
    if not ctx.settings.public_url:
        return finish(Reply(text=_("The web console's address is not configured (YUNLING_PUBLIC_URL); ask the "
                                   "administrator, or run `yunling console-link` on the server.")))
    token = console_auth.issue_link(ctx.session, person_id=ctx.person_id, now=ctx.now,
                                    via=f"chat:{ctx.incoming.channel}")
    minutes = int(console_auth.LINK_TTL.total_seconds() // 60)
    return finish(Reply(text=_("Your sign-in link to the web console of {unit} (works once, for {minutes} minutes; "
                               "do not forward it):\n{url}", unit=ctx.clerk_unit, minutes=minutes,
                               url=console_auth.link_url(ctx.settings.public_url, token))))


CONSOLE = Flow(
    name="console", title=N_("Web console (clerks)"), states={}, enter=_link, roles=frozenset({"clerk"}),
    commands=("/console", "后台", "console", "管理后台", "web console"), in_menu=False, menu_order=790,
)
