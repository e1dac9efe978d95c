"""The storage layer's exception root."""


class StorageError(Exception):
    """Base of every error raised on purpose by :mod:`storage`."""


class Busy(StorageError):
    """The database stayed locked/busy after the retries allowed."""
