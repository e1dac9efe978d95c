"""The clerk's export: every confirmed application form filed with the clerk's union, one Word file each
and a summary sheet, audited."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from handlers.drafts_view import answers
from handlers.flow import Ctx, Flow, Outcome, finish
from handlers.forms_docx import ZIP_MIME, build_export
from handlers.i18n import N_
from handlers.services import exports
from handlers.types import Attachment, Reply
from storage import repo_applications as apps


def _export(ctx: Ctx) -> Outcome:
    _ = ctx._
    unit = apps.normalize_unit(ctx.clerk_unit)
    confirmed = apps.drafts_for_unit(session=ctx.session, unit=unit)
    pending = len(apps.drafts_for_unit(session=ctx.session, unit=unit, status="draft"))
    if not confirmed:
        return finish(Reply(text=_("No confirmed application forms are filed with {unit} yet ({pending} still "
                                   "being filled in by applicants).", unit=unit, pending=pending)))
    tz = ZoneInfo(ctx.settings.timezone)
    data = build_export(((d.id or 0, d.programme, answers(d, ctx, clear=True),
                          d.submitted_at.astimezone(tz) if d.submitted_at else None) for d in confirmed), unit,
                        today=ctx.now.date())
    out = exports.application_forms(ctx.session, unit=unit, draft_ids=[d.id or 0 for d in confirmed], data=data,
                                    filename=f"申报表-{unit}-{ctx.now:%Y%m%d}.zip", mime=ZIP_MIME,
                                    actor=ctx.person_id)
    return finish(Reply(
        text=_("{n} confirmed application forms filed with {unit}: one Word file each, and a summary sheet. "
               "They contain ID numbers in full: keep the file safe. ({pending} more are still being filled in "
               "and are not included.)", n=len(confirmed), unit=unit, pending=pending) + (
            "\n" + _("With them, the union's recommendation letter (Annex 1) for the Yunling Craftsman forms: the "
                      "applications received counted by way of application, and every applicant listed. After "
                      "the preliminary review, fill in the experts and the date, keep those you recommend with "
                      "your reasons, then seal it (articles 10 and 11).")
            if any(d.programme == "craftsman" for d in confirmed) else ""),
        attachments=(Attachment(kind="document", filename=out.filename, data=out.data, mime=out.mime),)))


EXPORT = Flow(name="drafts_export", title=N_("Export the application forms of my union"), states={},
              enter=_export, enter_to=(), commands=("/drafts", "导出申报表", "export forms"), roles=frozenset({"clerk"}),
              menu_order=700)

FLOWS = (EXPORT,)
