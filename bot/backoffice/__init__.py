"""The clerks' web console (issue 17; docs/console.md): server-rendered pages under ``/console`` on the one
Starlette app, signed in by a one-time link from the chat (``后台``) or ``yunling console-link``."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.app import App
from bot.backoffice import broadcasts, classes, desk, pages, questions, signin
from bot.backoffice.core import HERE, Console


def console_routes(console: Console) -> list[BaseRoute]:
    s = signin.SigninPages(console)
    p = console.page
    return [
        Route("/console", p(pages.today), methods=["GET"]),
        Route("/console/signin", s.how, methods=["GET"]),
        Route("/console/signin/{token}", s.confirm, methods=["GET"]),
        Route("/console/signin/{token}", s.redeem, methods=["POST"]),
        Route("/console/signout", p(signin.sign_out(False)), methods=["POST"]),
        Route("/console/signout-everywhere", p(signin.sign_out(True)), methods=["POST"]),
        Route("/console/lang", p(signin.set_language, action="console.language"), methods=["POST"]),
        Route("/console/tickets", p(desk.ticket_queue), methods=["GET"]),
        Route("/console/tickets/{ticket_id}", p(desk.ticket), methods=["GET"]),
        Route("/console/tickets/{ticket_id}/{action}", p(desk.ticket_action), methods=["POST"]),
        Route("/console/cases", p(desk.case_board), methods=["GET"]),
        Route("/console/cases/bulk", p(desk.bulk_preview, action="console.case.bulk_preview"), methods=["POST"]),
        Route("/console/cases/bulk/move", p(desk.bulk_move), methods=["POST"]),
        Route("/console/cases/{case_id}", p(desk.case), methods=["GET"]),
        Route("/console/cases/{case_id}/move", p(desk.case_move), methods=["POST"]),
        Route("/console/cases/{case_id}/change", p(desk.case_change), methods=["POST"]),
        Route("/console/classes", p(classes.class_list), methods=["GET"]),
        Route("/console/classes/new", p(classes.class_new), methods=["GET"]),
        Route("/console/classes/new", p(classes.class_create), methods=["POST"]),
        Route("/console/classes/{class_id}", p(classes.class_page), methods=["GET"]),
        Route("/console/classes/{class_id}/approve", p(classes.class_approve), methods=["POST"]),
        Route("/console/classes/{class_id}/roster", p(classes.roster_upload, upload=True), methods=["POST"]),
        Route("/console/classes/{class_id}/sessions", p(classes.session_add), methods=["POST"]),
        Route("/console/classes/{class_id}/sessions/{session_id}", p(classes.session_page), methods=["GET"]),
        Route("/console/classes/{class_id}/sessions/{session_id}/attendance", p(classes.attendance),
              methods=["GET"]),
        Route("/console/classes/{class_id}/sessions/{session_id}/{action}", p(classes.session_change),
              methods=["POST"]),
        Route("/console/classes/{class_id}/trainees/{enrolment_id}", p(classes.trainee), methods=["GET"]),
        Route("/console/classes/{class_id}/trainees/{enrolment_id}/{action}", p(classes.trainee_record),
              methods=["POST"]),
        Route("/console/classes/{class_id}/export/{sheet}", p(classes.export), methods=["GET"]),
        Route("/console/broadcasts", p(broadcasts.broadcast_list), methods=["GET"]),
        Route("/console/broadcasts", p(broadcasts.broadcast_create), methods=["POST"]),
        Route("/console/broadcasts/recipients", p(broadcasts.recipients, action="console.broadcast.count"),
              methods=["GET"]),
        Route("/console/broadcasts/{broadcast_id}", p(broadcasts.broadcast_page), methods=["GET"]),
        Route("/console/broadcasts/{broadcast_id}/cancel", p(broadcasts.broadcast_cancel), methods=["POST"]),
        Route("/console/audit", p(pages.audit), methods=["GET"]),
        Route("/console/questions", p(questions.questions), methods=["GET"]),
        Route("/console/questions.csv", p(questions.export), methods=["GET"]),
        Mount("/console/static", app=StaticFiles(directory=HERE / "static"), name="console-static"),
    ]


def routes(app: App) -> list[BaseRoute]:
    """The provider named in ``bot.web.ROUTE_PROVIDERS``."""
    return console_routes(Console(app))
