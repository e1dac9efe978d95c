"""A form as a kind of state: fields asked one at a time, with back, skip, save-and-resume and the correction
of one field from a review, the same words and parsers in every form (:mod:`handlers.fields`).

The flow supplies a :class:`FormBook` (which fields apply now, where answers are stored, how a field is
asked and parsed, what "save" says) and gets the states::

    form = Form(book)                       # states "field" and "which"; "review" is the flow's own
    STATES = {**form.states(), "review": State(ask_review, on_review, to=("field", "which"))}
    form.next(ctx)                          # the first unanswered field, or the review when none is left
    form.correct(ctx, 3)                    # from the review: answer 3 again, then back to the review

A questionnaire whose next question a rule decides is a form with one pending field at a time and no
review: ``Form(book, field="ask", done=conclude, undo=forget_last, words={"back"})`` (the award checks).

Rasa's forms with ``required_slots`` are the model: the form asks what is missing and nothing else, and
a stored answer (the book's) is the truth, so a form resumes where it stopped after any interruption.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Protocol

from handlers.choices import number_of
from handlers.errors import Invalid
from handlers.fields import (
    NO_VALUE,
    NOT_AN_ANSWER,
    PERSONAL_ELSEWHERE,
    has_personal_number,
    is_no_value,
    reads_as_question,
    word_of,
)
from handlers.flow import Answer, Ctx, Outcome, State, goto
from handlers.forms import Field
from handlers.types import Reply


@dataclass
class FormSlots:
    """The form's own slots: the field being asked, and whether it is a correction from the review."""

    field: str = ""
    mode: str = ""  # "correct": one field from the review, then back to it


class FormBook(Protocol):
    def fields(self, ctx: Ctx) -> list[Field]:
        """The fields that apply now, in order (an answer may open or close a block)."""

    def pending(self, ctx: Ctx) -> list[Field]:
        """The fields that apply and have no answer yet, in order."""

    def field(self, ctx: Ctx, key: str) -> Field: ...

    def store(self, ctx: Ctx, f: Field, value: Any) -> None: ...

    def question(self, ctx: Ctx, f: Field, position: int, total: int) -> Reply: ...

    def parse(self, ctx: Ctx, f: Field, answer: Answer) -> Any:
        """The value to store, or :class:`Invalid`."""

    def saved(self, ctx: Ctx) -> Outcome:
        """What "save" does: usually finish, saying how to resume."""


WORDS = frozenset({"skip", "back", "save", "keep"})
BACK = "back"  # the value of an offered "change my previous answer" option


class Form:
    """``done``: what the form does when nothing is pending, instead of going to a review (a questionnaire that
    concludes); ``done_to`` declares where that goes. ``words``: the form words it takes (a questionnaire has
    no skip or save: "not sure" is an answer). ``undo``: "back" forgets the last answer and asks what is
    pending then, instead of asking the previous field again with its answer kept."""

    def __init__(self, book: FormBook, *, field: str = "field", review: str = "review", which: str = "which",
                 done: Callable[[Ctx], Outcome] | None = None, done_to: tuple[str, ...] = (),
                 words: frozenset[str] = WORDS, undo: Callable[[Ctx], None] | None = None):
        self.book, self.field, self.review, self.which = book, field, review, which
        self.done, self.done_to, self.words, self.undo = done, done_to, words, undo

    @staticmethod
    def slots(ctx: Ctx) -> FormSlots:
        return ctx.slots(FormSlots)

    def states(self) -> dict[str, State]:
        if self.done is not None:
            return {self.field: State(prompt=self._ask, handle=self._on_field, free_text=True,
                                      to=(self.field, *self.done_to))}
        return {
            self.field: State(prompt=self._ask, handle=self._on_field, free_text=True, to=(self.field, self.review)),
            self.which: State(prompt=self._ask_which, handle=self._on_which, free_text=True,
                              to=(self.field, self.review)),
        }

    def next(self, ctx: Ctx, *replies: Reply) -> Outcome:
        """Ask the first unanswered field; when none is left, go to the review."""
        pending = self.book.pending(ctx)
        if pending:
            self.slots(ctx).field = pending[0].key
            return goto(self.field, *replies)
        self.slots(ctx).field = ""
        if self.done is not None:
            outcome = self.done(ctx)
            return replace(outcome, replies=(*replies, *outcome.replies))
        return goto(self.review, *replies)

    def correct(self, ctx: Ctx, n: int) -> Outcome:
        fields = self.book.fields(ctx)
        if not 1 <= n <= len(fields):
            raise Invalid(ctx._("There is no answer number {n}; the list goes from 1 to {total}.", n=n,
                                total=len(fields)))
        self.slots(ctx).field, self.slots(ctx).mode = fields[n - 1].key, "correct"
        return goto(self.field)

    def current(self, ctx: Ctx) -> Field:
        if not self.slots(ctx).field:  # kept by an older version under another name: what is pending
            pending = self.book.pending(ctx) or self.book.fields(ctx)
            self.slots(ctx).field = pending[0].key
        return self.book.field(ctx, self.slots(ctx).field)

    # -- the states ------------------------------------------------------------------------------------------
    def _ask(self, ctx: Ctx) -> Reply:
        fields = self.book.fields(ctx)
        f = self.current(ctx)
        position = next((i for i, g in enumerate(fields, 1) if g.key == f.key), len(fields))
        return self.book.question(ctx, f, position, len(fields))

    def _on_field(self, ctx: Ctx, answer: Answer) -> Outcome:
        _ = ctx._
        f = self.current(ctx)
        word = BACK if answer.value == BACK else word_of(answer.text)
        word = word if word in self.words else None
        if word == "save":
            return self.book.saved(ctx)
        if word == "back":
            return self._back(ctx, f)
        if word == "keep":
            if f.key in {g.key for g in self.book.pending(ctx)}:
                raise Invalid(_("There is no answer here yet to keep; please type it."))
            return self._after(ctx, f, _("Kept as it was."))
        if word == "skip":
            if not f.optional:
                raise Invalid(_("This question cannot be skipped: the form needs it. Type 'save' to stop for now."))
            value: Any = ""
        else:
            if f.kind not in ("id", "mobile", "phone") and answer.choice is None and has_personal_number(answer.text):
                raise Invalid(_(PERSONAL_ELSEWHERE))
            if f.kind in ("text", "unit") and answer.choice is None:  # a short value, printed as typed
                if is_no_value(answer.text):
                    raise Invalid(_(NO_VALUE))
                if reads_as_question(answer.text):
                    # "申报表要交几份" typed at 职务 is not the person's post: the router answers it from the measures
                    # when they do and asks this field again; this message is what it says when they do not.
                    raise Invalid(_(NOT_AN_ANSWER))
            value = self.book.parse(ctx, f, answer)
        self.book.store(ctx, f, value)
        said = tuple(Reply(text=note) for note in ctx.notes)
        ctx.notes.clear()
        return self._after(ctx, f, _("Corrected."), *said)

    def _after(self, ctx: Ctx, f: Field, done: str, *said: Reply) -> Outcome:
        """After an answer to ``f`` (or keeping it): back to the review when it was corrected from there; reached
        by "back", on to the next field when it has an answer too (shown, to keep or change, as on paper);
        else the first field still open."""
        mode = self._take_mode(ctx)
        if mode == "correct":
            return self.next(ctx, Reply(text=done), *said)
        if mode == "back":
            keys = [g.key for g in self.book.fields(ctx)]
            pending = {g.key for g in self.book.pending(ctx)}
            at = keys.index(f.key) + 1 if f.key in keys else len(keys)
            if at < len(keys) and keys[at] not in pending:
                self.slots(ctx).field, self.slots(ctx).mode = keys[at], "back"
                return goto(self.field, *said)
        return self.next(ctx, *said)

    def _take_mode(self, ctx: Ctx) -> str:
        mode, self.slots(ctx).mode = self.slots(ctx).mode, ""
        return mode

    def _back(self, ctx: Ctx, f: Field) -> Outcome:
        if self._take_mode(ctx) == "correct":
            return goto(self.review)
        if self.undo is not None:
            self.undo(ctx)
            return self.next(ctx)
        keys = [g.key for g in self.book.fields(ctx)]
        at = keys.index(f.key) if f.key in keys else len(keys)
        if at == 0:
            return goto(self.field, Reply(text=ctx._("This is the first question.")))
        self.slots(ctx).field, self.slots(ctx).mode = keys[at - 1], "back"
        return goto(self.field)

    def _ask_which(self, ctx: Ctx) -> Reply:
        total = len(self.book.fields(ctx))
        return Reply(text=ctx._("Type the number of the answer to correct (1–{n}), or 'back' for the review.",
                                n=total))

    def _on_which(self, ctx: Ctx, answer: Answer) -> Outcome:
        if word_of(answer.text) == "back":
            return goto(self.review)
        n = number_of(answer.text)
        if n is None and answer.text.strip().isdigit():
            n = int(answer.text.strip())
        if n is None:
            raise Invalid(ctx._("Please type a number from the review list."))
        return self.correct(ctx, n)
