"""Operations shared by every entry point: chat flows, ``yunling`` commands, the sign-in screen and the coming
web console.

Each operation validates its input, calls the repositories (``storage/``), writes its audit row and puts what
it starts in the outbox, all in the caller's transaction; a refusal is a :class:`~handlers.services.errors.
ServiceError` carrying a message id, which each entry point shows in the person's language. Nothing outside
this package writes audit rows (``tests/test_architecture.py``), and nothing here imports a flow.
"""
