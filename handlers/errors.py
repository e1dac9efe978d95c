"""The handlers layer's exception root."""


class HandlerError(Exception):
    """Base of every error raised on purpose by :mod:`handlers`."""


class Invalid(HandlerError):
    """An answer failed validation; ``message`` (already translated) tells the person why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


