"""Domain errors of the services: each carries an ``N_``-marked message id and its parameters, so that a chat
flow, a command or a web page can show it in the reader's language (``error.text(_)``)."""

from __future__ import annotations

from handlers.i18n import Translate


class ServiceError(ValueError):
    """An operation refused; ``message`` is a message id (English), ``params`` fill its placeholders."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message.format(**params) if params else message)
        self.message, self.params = message, params

    def text(self, _: Translate) -> str:
        return _(self.message, **self.params)


class NotFound(ServiceError):
    """The thing named does not exist, or not for the unit or person asking."""


class InvalidInput(ServiceError):
    """A value that does not parse or is out of range (a date, a phone number, a category)."""


class RuleViolation(ServiceError):
    """A change the measures or the procedure do not allow."""


class Conflict(ServiceError):
    """Someone else changed the record meanwhile, or the record forbids the change (attendance taken)."""
