"""Routing: where one message goes, as a tuple of small first-match rules, and running a flow's steps.

A :class:`Turn` is the message as routing sees it (text cut to its limit, the active flow after idle
timeout and role checks, the offered choices, the global word it is). :data:`RULES` are tried in order;
the first that returns replies wins. Adding a kind of message (a platform event) is one rule, one line.
The flows, the main menu and the FAQ are handed in by the composition root (:mod:`handlers.registry`).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from functools import cached_property
from typing import Any

from handlers.answering import PROGRAMME_NAMES, prefetch, written_in_english
from handlers.choices import (
    GREETING_HEAD,
    Ask,
    Command,
    OpenFlow,
    OpenMenu,
    decode,
    encode,
    normalize,
    number_of,
    resolve,
    word_forms,
)
from handlers.errors import Invalid
from handlers.fields import BACK, NOT_AN_ANSWER, SAVE, SKIP, UNSURE_ASIDE, reads_as_question, word_of
from handlers.flow import LANGUAGE_SET, Answer, Ctx, Flow, MenuGroup, Outcome, check_registry
from handlers.i18n import N_, translator
from handlers.menus import Menus
from handlers.own_words import CANCEL, MENU, asked_language, asked_word, names_a_subject
from handlers.own_words import small_talk as talk_of
from handlers.smalltalk import (
    ACK,
    ACK_WITH_CHOICES,
    BYE,
    DONT_KNOW,
    REPLIES,
    THANKS,
    THANKS_AT_STEP,
    locale_of,
)
from handlers.types import Choice, Reply
from knowledge.facts import for_someone_else
from knowledge.search import SearchResult
from knowledge.text import pseudonym
from storage.repositories import ConversationState

log = logging.getLogger("handlers.dispatch")

MAX_TEXT = 2000  # longer messages are cut before routing; the person is told
RETURN = "_return"  # the slot that keeps the calling flow of a sub-flow (see handlers.flow.call)
# Flows that a word opens from the middle of another flow's step as a call, the step asked again when they end.
CALLED_FROM_STEPS = frozenset({"lang", "handoff", "mytickets", "status"})
BACK_TO_STEP = N_("Back to where you were: {title}.")
FORM_WORDS = SKIP | BACK | SAVE
_BARE_NUMBER = re.compile(r"\d{1,3}")  # after normalize(): full-width digits are ASCII
# What a question or a request looks like, typed where a step wanted its answer (Router._answered_aside).
ASIDE_MIN = 4  # characters
PROSE_WORD_MAX = 8  # characters (or 3 English words): where a step takes prose, a longer message is that prose
_ASKS = re.compile(r"[吗？?]|什么|怎么|怎样|如何|哪|几|多少|能不能|能否|可不可以|可以|是否|要不要|需不需要|想|"
                   r"^(?:how|what|when|where|who|which|why|can|could|do|does|is|are|will|should|may)\b")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")

GLOBAL_COMMANDS: dict[str, tuple[str, ...]] = {
    "cancel": ("/cancel", "取消", "cancel", "退出", "quit", "exit", "算了"),
    "menu": ("/menu", "菜单", "menu", "主菜单", "main menu"),
    "help": ("/help", "帮助", "help", "?", "？", "怎么用", "how does this work", "how do i use this"),
    # "What can you do" is answered by the introduction, which says what the assistant is for.
    "start": ("/start", "开始", "start", "你好", "hello", "hi", "您好", "在吗", "在么", "在不在", "有人吗", "你能做什么", "你能干什么", "你会什么", "你能干嘛", "你能干啥", "你能做啥", "你会干啥", "你到底能干啥", "你到底能干什么", "你都能干啥",
              "你是谁", "有什么功能", "有哪些功能", "能办什么", "都能办什么", "what can you do", "what can u do", "what do you do",
              "who are you"),
}
COMMAND_OF = {normalize(word): name for name, words in GLOBAL_COMMANDS.items() for word in words}
STEP_HELP = N_("You are in “{title}”: answer the question below to go on. Words that work everywhere: 'menu' "
               "(leaves this for the main menu), 'cancel', 'language', 'human' (talk to a person).")
INTROS = {
    "start": N_("Hello! I am the Yunling Workers' Assistant of the Yunnan Federation of Trade Unions. I answer "
                "questions on the Yunling Craftsman, innovation studio, technician workstation and skills-training "
                "measures, always citing the article, and guide you through applications and class sign-in."),
    "help": N_("Type a question in your own words (for example 'who can apply for Yunling Craftsman'), or choose "
               "from the menu by number. Words that work everywhere: 'menu', 'cancel', 'help', 'language', "
               "'human' (talk to a person)."),
}

FaqFn = Callable[[Ctx, str], list[Reply]]
ListenFn = Callable[[Ctx, str], "str | None"]  # free text -> the flow to open for it, or None


def command_of(text: str) -> str | None:
    """The global command ``text`` is ("cancel", "menu"…), as typed or wrapped in polite words."""
    if not text:
        return None
    key = normalize(text)
    bare = GREETING_HEAD.sub("", key)  # "hi, im new here. what can you do?"
    for said in (text, bare) if bare and bare != key else (text,):
        if (found := next((COMMAND_OF[k] for k in word_forms(said) if k in COMMAND_OF), None)) is not None:
            return found
    return None


def clean_text(text: str) -> str:
    return _CONTROL.sub("", text or "").strip()


def _without_choices(reply: Reply) -> Reply:
    """``reply`` without its choices, and without the lines that say to tap one of them ("点“现在签到”")."""
    taps = [f"“{c.label}”" for c in reply.choices]
    lines = [line for line in reply.text.split("\n") if not any(tap in line for tap in taps)]
    return replace(reply, text="\n".join(lines), choices=(), prompt="")


@dataclass
class Turn:
    """One message on its way through the rules. A rule may refine ``text`` for the rules after it."""

    ctx: Ctx
    conv: ConversationState
    text: str
    offered: list[Choice]
    flow: Flow | None
    command: str | None
    notes: list[Reply] = field(default_factory=list)

    @cached_property
    def value(self) -> str | None:
        """Outside a flow: the value of the offered choice the message picks (tap, number, exact label)."""
        picked = resolve(self.text, self.offered, self.ctx.incoming.choice, fuzzy=False) if self.offered else None
        return picked.value if picked else self.ctx.incoming.choice


Rule = Callable[["Router", Turn], "list[Reply] | None"]


class Router(Menus):
    """The flows, the menu and the FAQ, and what a message does with them (the dispatcher is one)."""

    def __init__(self, flows: Sequence[Flow], faq: FaqFn, menu: Sequence[MenuGroup | str],
                 listen: ListenFn | None = None, rules: Sequence[Rule] | None = None) -> None:
        check_registry(flows)
        self.flows: dict[str, Flow] = {f.name: f for f in flows}
        self.faq = faq
        self.listen = listen
        self.rules: tuple[Rule, ...] = tuple(RULES if rules is None else rules)
        self.menu = tuple(menu)
        self._triggers = _with_other_number({normalize(word): f.name for f in flows for word in f.commands})
        self.groups = {g.key: g for g in self.menu if isinstance(g, MenuGroup)}
        self._group_words = _with_other_number({normalize(w): g.key for g in self.groups.values() for w in g.commands})
        # Slash words that are not unknown commands: flows', global and form words (/back in a form).
        self._slash = {w.split()[0] for w in (*self._triggers, *COMMAND_OF, *FORM_WORDS) if w.startswith("/")}

    def trigger(self, text: str) -> tuple[str, str] | None:
        """What a typed word opens wherever the person is: ``("flow:NAME" | "menu:KEY", argument)`` (``/lang
        en``: "en"), ``("unknown", "")`` for an unknown ``/command``; None for anything else."""
        word = normalize(text)
        if not word:
            return None
        for form in word_forms(text):  # "查看我的工单", "please open the menu"
            if (name := self._triggers.get(form)) is not None:
                return "flow:" + name, ""
            if (key := self._group_words.get(form)) is not None:
                return "menu:" + key, ""
        if word.startswith("/"):
            head, _sep, arg = word.partition(" ")
            if (name := self._triggers.get(head)) is not None:
                return "flow:" + name, arg.strip()
            if head not in self._slash and re.fullmatch(r"/[a-z_]{1,32}", head):
                return "unknown", ""
        return None

    def is_word(self, text: str) -> bool:
        """``text`` is a global, flow or submenu word, as typed or wrapped in polite words."""
        return any(k in COMMAND_OF or k in self._triggers or k in self._group_words for k in word_forms(text))

    def command_words(self) -> frozenset[str]:
        """Every word that does something by itself (global words, flow and submenu words), normalised."""
        return frozenset(COMMAND_OF) | frozenset(self._triggers) | frozenset(self._group_words)

    def show_menu(self, ctx: Ctx, conv: ConversationState, text: str | None = None) -> list[Reply]:
        """End any flow and show the main menu (its choices are picked up by the next message)."""
        menu = self.main_menu(ctx, text)
        self._save(ctx, conv, "", "", menu.choices)
        return [menu]

    def show_submenu(self, ctx: Ctx, conv: ConversationState, key: str) -> list[Reply]:
        sub = self.submenu(ctx, key)
        self._save(ctx, conv, "", "", sub.choices)
        return [sub]

    # -- one message ------------------------------------------------------------------------------------
    def route(self, ctx: Ctx, conv: ConversationState) -> list[Reply]:
        before = (conv.flow, conv.state, conv.data)  # as stored: a step left by this message may be kept
        turn = self._turn(ctx, conv)
        replies = next((found for rule in self.rules if (found := rule(self, turn)) is not None), None)
        if replies is None:
            replies = self.show_menu(ctx, conv)
        kept = self._park(ctx, conv, *before)
        if kept is not None:  # said before the last reply, which holds the choices of where the person is now
            replies = [*replies[:-1], kept, *replies[-1:]]
        return [*turn.notes, *replies]

    def _park(self, ctx: Ctx, conv: ConversationState, flow_name: str, state: str, data: str) -> Reply | None:
        """A flow left from one of its steps by this message (a word that works everywhere, another flow, an
        idle conversation closed), or a flow waiting for a call that was left so, keeps what it wants to
        (:attr:`Flow.park`: a class form's answers). A call ("人工" in the step) leaves nothing."""
        if not flow_name or conv.flow == flow_name:
            return None
        still = {name for name, _state, _data in _chain(conv.flow, conv.state, conv.data)} if conv.flow else set()
        for name, at, slots in _chain(flow_name, state, data):
            flow = self.flows.get(name)
            if flow is not None and flow.park is not None and at in flow.states and name not in still \
                    and name not in ctx.ended:
                return flow.park(ctx, at, slots)
        return None

    def _turn(self, ctx: Ctx, conv: ConversationState) -> Turn:
        _ = ctx._
        inc = ctx.incoming
        text = clean_text(inc.text)
        notes: list[Reply] = []
        if len(text) > MAX_TEXT:
            text = text[:MAX_TEXT]
            notes.append(Reply(text=_("Your message was very long; I read only its first {n} characters.",
                                      n=MAX_TEXT)))
        offered = [Choice(v, lab) for v, lab in json.loads(conv.offered or "[]")]
        flow = self.flows.get(conv.flow) if conv.flow else None
        if flow is None and conv.flow:  # a flow that no longer exists (after an upgrade)
            ctx.data = {}
        elif flow is not None and ctx.now - conv.updated_at > (
                flow.timeout or timedelta(minutes=ctx.settings.session_timeout_minutes)):
            # An idle conversation ends quietly; the next message starts afresh.
            notes.append(Reply(text=_("Our previous conversation was idle for a while and has been closed. "
                                      "Let's start again.")))
            flow, ctx.data, offered = None, {}, []
            self._save(ctx, conv, "", "", ())
        elif flow is not None and not flow.allows(ctx.roles):  # a role taken away (allow-list) mid-flow
            flow, ctx.data, offered = None, {}, []
            self._save(ctx, conv, "", "", ())
        command = command_of(text)
        tapped = inc.choice
        if tapped is None and flow is None and offered:  # "1" typed for an offered "cmd:menu" option
            picked = resolve(text, offered, fuzzy=False)
            tapped = picked.value if picked else None
        if tapped is not None and isinstance(kind := decode(tapped), Command):
            command = kind.word
        return Turn(ctx=ctx, conv=conv, text=text, offered=offered, flow=flow, command=command, notes=notes)

    def _ask(self, ctx: Ctx, conv: ConversationState, flow: Flow, state_name: str, retries: int = 0) -> Reply:
        """The step's question, asked now: its prompt, and the conversation kept there with its choices offered."""
        prompt = flow.states[state_name].prompt(ctx)
        self._save(ctx, conv, flow.name, state_name, prompt.choices, retries)
        return prompt

    def _save(self, ctx: Ctx, conv: ConversationState, flow: str, state: str, offered: Sequence[Choice],
              retries: int = 0) -> None:
        ctx.flush_slots()
        conv.move_to(flow=flow, state=state, data=ctx.data if flow else {},
                     offered=[[c.value, c.label] for c in offered], retries=retries, now=ctx.now)

    def open(self, ctx: Ctx, conv: ConversationState, target: str, arg: str) -> list[Reply]:
        """Leave whatever step the person is in for what a command word opens."""
        kind = decode(target)
        if isinstance(kind, OpenFlow):
            flow = self.flows[kind.name]
            kept = None
            if conv.flow == flow.name and conv.state in flow.states and flow.park is not None:
                # Its own word typed at one of its steps ("我能评云岭工匠吗" three answers into that check): what
                # it holds is kept, and its entry offers it back, rather than starting afresh over it.
                kept = flow.park(ctx, conv.state, ctx.data)
            ctx.data = {"arg": arg} if arg else {}
            return [*((kept,) if kept is not None else ()), *self.enter(ctx, conv, flow)]
        if isinstance(kind, OpenMenu) and self.groups[kind.key].allows(ctx.roles):
            return self.show_submenu(ctx, conv, kind.key)
        log.info("unknown command from %s", pseudonym(ctx.incoming.channel, ctx.incoming.user_key))
        return self.show_menu(ctx, conv, ctx._("I do not know that command. Here is what I can do; you can also "
                                               "just type your question."))

    def enter(self, ctx: Ctx, conv: ConversationState, flow: Flow) -> list[Reply]:
        if not flow.allows(ctx.roles):
            log.warning("refused flow %s for %s (roles %s)", flow.name,
                        pseudonym(ctx.incoming.channel, ctx.incoming.user_key), sorted(ctx.roles) or "-")
            return self.show_menu(ctx, conv, ctx._("Sorry, this function is only for authorised union clerks. "
                                                   "If you are one, ask your union to add you."))
        outcome = flow.enter(ctx) if flow.enter else None
        if outcome is None:
            if flow.start is None:
                raise RuntimeError(f"flow {flow.name} has neither a start state nor an entry outcome")
            outcome = Outcome(next_state=flow.start)
        return self._apply(ctx, conv, flow, None, outcome, retries=0)

    def step(self, ctx: Ctx, conv: ConversationState, flow: Flow, state_name: str, text: str,
             offered: list[Choice]) -> list[Reply]:
        _ = ctx._
        state = flow.states.get(state_name)
        if state is None:
            return self.show_menu(ctx, conv)
        # Where the step takes free text, only a tap, a number or an exact label picks an option: a typed
        # sentence close to an option's label is still the person's own words.
        choice = resolve(text, offered, ctx.incoming.choice, fuzzy=not state.free_text) if offered else None
        if (choice is not None and ctx.incoming.choice is None and reads_as_question(text)
                and resolve(text, offered, fuzzy=False) is None):
            # A question close to an option only by a shared word ("Is online training counted?" and "…skills
            # training") picks nothing: it is answered aside below, and the step asked again.
            choice = None
        try:
            if offered and choice is None and not state.free_text:
                raise Invalid(_("Please answer with one of the options (a number is enough)."))
            outcome = state.handle(ctx, Answer(text=text, choice=choice))
        except Invalid as bad:
            if choice is None and (talk := talk_of(text)) in (THANKS, BYE):
                # Thanks or a goodbye typed at a step is no wrong answer (no retry counted): thanked, the step asked
                # again; after a goodbye the step waits as it is. "好的" or "对吧" gets the step's hint, as before.
                said = translator(locale_of(text, ctx.locale))
                if talk == BYE:
                    return [Reply(text=said(REPLIES[BYE]))]
                return [Reply(text=said(THANKS_AT_STEP)), self._ask(ctx, conv, flow, state_name, conv.retries)]
            if choice is None and (aside := self._answered_aside(ctx, text, flow.name)) is not None:
                # Not an answer to the step but a question the measures answer: answered, and the step asked
                # again where it was (no retry counted).
                return [*aside, self._ask(ctx, conv, flow, state_name, conv.retries)]
            if choice is None and len(text.strip()) >= ASIDE_MIN and reads_as_question(text) \
                    and names_a_subject(text) and bad.message != _(NOT_AN_ANSWER):
                # A question on a subject of the measures that they do not answer ("签到要带什么" at the class
                # code): said so, not met with the step's own complaint as if it were a wrong answer (no retry
                # counted). ("随便说点什么" names no subject: the step's complaint, as before.)
                return [Reply(text=_(self._not_answered(text))), self._ask(ctx, conv, flow, state_name, conv.retries)]
            asked = bad.message == _(NOT_AN_ANSWER)
            why = _(self._not_answered(text)) if asked else bad.message
            # A question the step declined is no attempt at its answer: it counts no retry.
            retries = conv.retries + (not asked)
            if retries > state.max_retries:
                return self.show_menu(ctx, conv, _("{why} We seem to be stuck, so I have stopped this step. You can "
                                                   "start it again from the menu, or type 'human' to reach a person.",
                                                   why=why))
            return [Reply(text=why), self._ask(ctx, conv, flow, state_name, retries)]
        return self._apply(ctx, conv, flow, state_name, outcome, retries=0)

    @staticmethod
    def _not_answered(text: str) -> str:
        """What to say of a question typed at a step and not answered aside: not in the measures where the search
        found nothing, else that it is unsure which provision answers it (it found one, of another programme or
        not surely, or it abstained with articles near it: "培训要交钱吗" typed at the case desk, as the FAQ would
        say "I am not sure the measures cover this" above them)."""
        found = prefetch(text)
        return NOT_AN_ANSWER if found is None or (found.abstained and not found.nearby) else UNSURE_ASIDE

    def _answered_aside(self, ctx: Ctx, text: str, flow: str) -> list[Reply] | None:
        """A question typed where a step wanted its answer ("培训班最少要办几天" while asked whether one was named
        before): the measures' answer, without its choices (the step's own follow it), or None when it reads
        as no question or the measures do not answer it (then the step says what it wants, as before). A
        question that names no programme, asked in a programme's check ("what documents do I need?" in the
        craftsman's), is about that programme."""
        if len(text.strip()) < ASIDE_MIN or not (_ASKS.search(text.lower()) or reads_as_question(text)):
            return None  # (reads_as_question: "这个算优先不", "举荐人要啥子条件")
        asked = [text]
        programme = next((p for p in PROGRAMME_NAMES[0] if p in flow), None)
        # Only a question the measures answer in some programme: the programme's name alone would make anything
        # ("随便说点什么") read as a question about it. Searched once: the answer to the question as typed below
        # takes this search (a prefetch).
        found = prefetch(text) if programme is not None else None
        if programme is not None and found is not None and not found.named:
            about = f"{PROGRAMME_NAMES[written_in_english(text)][programme]} {text}"
            # Likely as typed, or unsure only of its programme: "可以自己个人报吗" ranks the station's and the studio's
            # 第十三条 first, and in the studio's check it is the studio's ("随便说点什么吧" under the programme's
            # name reads as its definition, an article its own search never ranked). A question that alone would
            # be asked "which programme?" ("要带哪些材料": each programme's article offered) takes this
            # programme's, the one a tap would give; one that offers no programme's ("今天天气怎么样") stays
            # unanswered.
            ranked = found.nearby if found.abstained else found.hits
            if (found.likely and not found.abstained) \
                    or _top_of(prefetch(about)) in {(h.measure, h.article) for h in ranked}:
                asked.insert(0, about)
        data = ctx.data
        # In a programme's check, a question that names none is not answered from another programme's measure
        # ("批下来以后要干什么" in the studio's check: the workstation's 第六条 ranked first alone).
        own = programme if found is not None and not found.named else None
        for question in asked:
            try:
                replies = self.faq(ctx, question)
            finally:
                ctx.data = data
            cited = [c.measure for r in replies for c in r.citations]
            if cited and own in (None, cited[0]):
                return [_without_choices(r) for r in replies]
        return None

    def _apply(self, ctx: Ctx, conv: ConversationState, flow: Flow, current: str | None, outcome: Outcome,
               retries: int) -> list[Reply]:
        """Carry out ``outcome`` of ``current`` (None: the entry), checked against what it declares."""
        ctx.flush_slots()
        if not flow.allowed(current, outcome):
            log.error("flow %s: %s went to %s, which it does not declare", flow.name, current or "enter",
                      ", ".join(outcome.targets()))
            return self.show_menu(ctx, conv, ctx._("Sorry, something went wrong on our side in this step, so I "
                                                   "have stopped it. You can start it again from the menu."))
        replies = list(outcome.replies)
        if outcome.reroute or outcome.end or outcome.next_flow is not None:
            ctx.ended.add(flow.name)
        if outcome.reroute:
            ctx.data = {}
            self._save(ctx, conv, "", "", ())
            return [*replies, *self.route(ctx, conv)]
        if outcome.next_flow is not None and outcome.next_flow in self.flows:
            if outcome.return_to:  # a call: this flow waits, with its slots, in the called flow's slots
                ctx.data = {**outcome.args,
                            RETURN: {"flow": flow.name, "state": outcome.return_to, "data": ctx.data}}
            return [*replies, *self.enter(ctx, conv, self.flows[outcome.next_flow])]
        if outcome.end or outcome.next_flow is not None:
            caller = ctx.data.get(RETURN)
            parent = self.flows.get(caller["flow"]) if isinstance(caller, dict) else None
            if caller is not None and parent is not None and parent.allows(ctx.roles):
                ctx.data = caller.get("data") or {}
                # The called flow's last options ("转人工服务" under "no open tickets") would be a second numbered
                # list above the step's own: only the step's are offered.
                said = [_without_choices(r) if r.choices else r for r in replies]
                return [*said, *self._resume(ctx, conv, parent, caller["state"], bool(caller.get("note")))]
            if flow.roles and replies and not replies[-1].choices and not outcome.reroute:
                # A clerk's desk that ends without options ("已办理", "正在发送", an empty list): its desk again and
                # the menu, so that the next "1" is not met with "no list on screen".
                replies[-1] = replace(replies[-1], choices=(
                    Choice(encode(OpenFlow(flow.name)), ctx._("Back to “{title}”", title=_BRACKETED.sub("", ctx._(flow.title)))),
                    Choice("cmd:menu", ctx._("Main menu"))))
            self._save(ctx, conv, "", "", replies[-1].choices if replies else ())
            return replies
        state_name = outcome.next_state or current or flow.start or ""
        return [*replies, self._ask(ctx, conv, flow, state_name, retries)]

    def _resume(self, ctx: Ctx, conv: ConversationState, flow: Flow, state_name: str, note: bool = False) -> list[Reply]:
        if state_name not in flow.states:
            log.error("flow %s: sub-flow returned to unknown state %s", flow.name, state_name)
            return self.show_menu(ctx, conv)
        # (a title that ends in its own question mark takes no full stop after it)
        back = [Reply(text=ctx._(BACK_TO_STEP, title=ctx._(flow.title)).replace("？。", "？").replace("?.", "?"))] \
            if note else []
        return [*back, self._ask(ctx, conv, flow, state_name)]

    def call_from_step(self, t: Turn, target: str) -> list[Reply] | None:
        """The language chooser, a person ("人工") or one's tickets asked for in the middle of a step: a call, so
        that nothing typed so far is lost (a class form's answers live only in the conversation). Once the
        language is chosen, the ticket sent or the tickets seen, the step is asked again. None when the person
        is in no step, or ``target`` is not one of these."""
        kind = decode(target)
        name = kind.name if isinstance(kind, OpenFlow) else ""
        if (name not in CALLED_FROM_STEPS or name not in self.flows or t.flow is None or t.flow.name == name
                or t.conv.state not in t.flow.states or not self.flows[name].allows(t.ctx.roles)):
            return None
        # The language chooser asks the step again in the language chosen, which says where the person is.
        caller = {"flow": t.flow.name, "state": t.conv.state, "data": t.ctx.data, "note": name != "lang"}
        t.ctx.data = {RETURN: caller}
        return self.enter(t.ctx, t.conv, self.flows[name])


def _top_of(found: SearchResult | None) -> tuple[str, int] | None:
    return (found.hits[0].measure, found.hits[0].article) if found is not None and found.hits else None


def _chain(flow: str, state: str, data: str) -> list[tuple[str, str, dict[str, Any]]]:
    """A conversation's flow, then the flows waiting for its calls (:data:`RETURN`), each with its step and slots."""
    slots = json.loads(data or "{}")
    out: list[tuple[str, str, dict[str, Any]]] = []
    while isinstance(slots, dict) and flow:
        out.append((flow, state, slots))
        caller = slots.get(RETURN)
        if not isinstance(caller, dict):
            break
        flow, state, slots = str(caller.get("flow") or ""), str(caller.get("state") or ""), caller.get("data") or {}
    return out


# -- the rules, in order ----------------------------------------------------------------------------------

def global_word(r: Router, t: Turn) -> list[Reply] | None:
    """cancel, menu, start, help: in every state."""
    if t.command == "cancel":
        called = t.flow.title if t.flow is not None else ""
        # "人工" in a check, then "取消": the check goes on, answers kept. "Left", not "Cancelled": "已取消：培训班的
        # 一次课" read as the session itself cancelled.
        if (back := _end_call(r, t)) is not None:
            return [Reply(text=t.ctx._("Left \u201c{title}\u201d.", title=t.ctx._(called))), *back]
        return r.show_menu(t.ctx, t.conv, t.ctx._("Cancelled. What would you like to do next?") if t.flow else None)
    if t.command == "help" and t.flow is not None and t.conv.state in t.flow.states:
        # In a step, help is about going on (a clerk 16 answers into a class form loses nothing): the step stays
        # and is asked again; "menu" is the word that leaves it.
        return [Reply(text=t.ctx._(STEP_HELP, title=t.ctx._(t.flow.title))),
                r._ask(t.ctx, t.conv, t.flow, t.conv.state, t.conv.retries)]
    if t.command in ("menu", "start", "help"):
        intro = [Reply(text=t.ctx._(INTROS[t.command]))] if t.command in INTROS else []
        return [*intro, *r.show_menu(t.ctx, t.conv)]
    return None


def language(r: Router, t: Turn) -> list[Reply] | None:
    """A language asked for in words ("说中文", "switch to English"): set at once, in every state, as the global
    word "language" works everywhere (its chooser is one tap longer)."""
    code = asked_language(t.text) if t.text and not t.ctx.incoming.choice and "lang" in r.flows else None
    if code is None or _typing_prose(t):
        return None
    if t.flow is None or t.conv.state not in t.flow.states:
        return r.open(t.ctx, t.conv, "flow:lang", code)
    # In a step: the step goes on, asked again in the language chosen.
    t.ctx.set_locale(code)
    return [Reply(text=t.ctx._(LANGUAGE_SET)), r._ask(t.ctx, t.conv, t.flow, t.conv.state, t.conv.retries)]


def _typing_prose(t: Turn) -> bool:
    """The step takes a message as written (a ticket's question or answer, a broadcast: :attr:`State.prose`) and
    this one is longer than a word: it is that text, whatever it says ("好的，已经帮您转给县总工会的工作人员了")."""
    state = t.flow.states.get(t.conv.state) if t.flow is not None and t.conv.state else None
    key = normalize(t.text)
    return state is not None and state.prose and (len(key.split()) > 3 if key.isascii() else len(key) > PROSE_WORD_MAX)


def said_word(r: Router, t: Turn) -> list[Reply] | None:
    """A word that works everywhere said in other words ("不想弄了", "回到首页", "能不能让真人来回答我", "did anyone answer
    my question"): as the word itself, in every state, unless it is exactly one of the options a step offered or
    a word of its own ("工作人员" opens the clerks' submenu)."""
    what = asked_word(t.text) if t.text and t.command is None and not t.ctx.incoming.choice else None
    if what is not None and (r.is_word(t.text) or _typing_prose(t) or any(k in FORM_WORDS for k in word_forms(t.text))):
        return None  # ("不填了" skips a form's question)
    if what is None or (t.flow is not None and t.conv.state and resolve(t.text, t.offered, fuzzy=False) is not None):
        return None
    state = t.flow.states.get(t.conv.state) if t.flow is not None and t.conv.state else None
    if state is not None and state.claims is not None and state.claims(t.text):
        return None  # the step's own answer ("重新开始" at an offer to start again)
    if what in (CANCEL, MENU):
        t.command = what
        return global_word(r, t)
    if what not in r.flows:
        return None
    return r.call_from_step(t, f"flow:{what}") or r.open(t.ctx, t.conv, f"flow:{what}", "")


def payload(r: Router, t: Turn) -> list[Reply] | None:
    """A deep-link or QR payload opens the flow that claims its prefix."""
    inc = t.ctx.incoming
    if not inc.payload:
        return None
    for f in r.flows.values():
        if any(inc.payload.startswith(p) for p in f.payload_prefixes):
            t.ctx.data = {"payload": inc.payload}
            return r.enter(t.ctx, t.conv, f)
    return None


def platform_menu(r: Router, t: Turn) -> list[Reply] | None:
    """A platform's own menu (WeChat's custom menu, event "menu") works in every state, like a command."""
    inc = t.ctx.incoming
    kind = decode(inc.choice) if inc.event == "menu" and inc.choice else None
    if isinstance(kind, OpenFlow) and kind.name in r.flows:
        t.ctx.data = {}
        return r.enter(t.ctx, t.conv, r.flows[kind.name])
    return None


def flow_word(r: Router, t: Turn) -> list[Reply] | None:
    """A word that opens a flow or a submenu works in every state, like the global words, unless it is
    exactly one of the options the step offered (the programme "云岭工匠" in a list of programmes)."""
    trig = r.trigger(t.text) if t.text and not t.ctx.incoming.choice else None
    if trig is None or (t.flow is not None and t.conv.state and resolve(t.text, t.offered, fuzzy=False) is not None
                        and number_of(t.text) is None):
        return None
    if not trig[1] and (called := r.call_from_step(t, trig[0])) is not None:  # "/lang en" sets it at once
        return called
    return r.open(t.ctx, t.conv, *trig)


def back_from_call(r: Router, t: Turn) -> list[Reply] | None:
    """"返回" / "back" in a flow called from another's step (the tickets looked at in the middle of a form): the
    call ends and the step is asked again, as it is once the call is done."""
    if t.value is not None or word_of(t.text) != "back":
        return None
    return _end_call(r, t)


_BRACKETED = re.compile(r"\s*[（(][^（()）]*[）)]$")  # "群发通知（工会工作人员）": whom a desk is for, said in the menu


def _end_call(r: Router, t: Turn) -> list[Reply] | None:
    """The flow called from another's step ends and that step is asked again, its answers kept; None when the
    person is in no such call."""
    caller = t.ctx.data.get(RETURN) if t.flow is not None and t.conv.state else None
    if not isinstance(caller, dict):
        return None
    parent = r.flows.get(caller.get("flow", ""))
    if parent is None or not parent.allows(t.ctx.roles):
        return None
    t.ctx.data = caller.get("data") or {}
    return r._resume(t.ctx, t.conv, parent, caller.get("state", ""), note=True)


def active_step(r: Router, t: Turn) -> list[Reply] | None:
    if t.flow is None or not t.conv.state:
        return None
    return r.step(t.ctx, t.conv, t.flow, t.conv.state, t.text, t.offered)


def menu_pick(r: Router, t: Turn) -> list[Reply] | None:
    """Outside a flow: an offered (or tapped) flow or submenu, or a submenu's word."""
    kind = decode(t.value) if t.value else None
    if isinstance(kind, OpenFlow) and kind.name in r.flows:
        t.ctx.data = {}
        return r.enter(t.ctx, t.conv, r.flows[kind.name])
    key = kind.key if isinstance(kind, OpenMenu) else r._group_words.get(normalize(t.text))
    if key in r.groups and r.groups[key].allows(t.ctx.roles):
        return r.show_submenu(t.ctx, t.conv, key)
    return None


def asked(r: Router, t: Turn) -> list[Reply] | None:
    """A suggested question ("ask:…"): a flow's words open it; otherwise it is the text the FAQ gets."""
    kind = decode(t.value) if t.value else None
    if not isinstance(kind, Ask):
        return None
    t.text = kind.text
    target = r._triggers.get(normalize(t.text))
    if target:
        t.ctx.data = {}
        return r.enter(t.ctx, t.conv, r.flows[target])
    return None


def stray_number(r: Router, t: Turn) -> list[Reply] | None:
    """A bare number that picks nothing (no list on screen, or not one of its numbers) is no question: the
    main menu, whose numbers the next message can pick."""
    bare = _BARE_NUMBER.fullmatch(normalize(t.text)) if t.value is None else None
    if bare is None:
        return None
    _ = t.ctx._
    n = int(bare.group())
    return r.show_menu(t.ctx, t.conv, _("There is no option {n} on the list. Here is the main menu: choose a number "
                                        "from it, or type your question.", n=n) if t.offered else
                       _("There is no list on screen to choose from. Here is the main menu: choose a number from "
                         "it, or type your question."))


def stray_back(r: Router, t: Turn) -> list[Reply] | None:
    """"返回" / "back" with no step open is no question of the measures: the main menu."""
    if t.value is not None or word_of(t.text) != "back":
        return None
    return r.show_menu(t.ctx, t.conv, t.ctx._("There is no step open to go back in. Here is the main menu."))


def no_text(r: Router, t: Turn) -> list[Reply] | None:
    if t.text:
        return None
    _ = t.ctx._
    if t.ctx.incoming.upload is not None:
        return r.show_menu(t.ctx, t.conv, _("I received your file, but I read files only where a step asks for one "
                                            "(a class roster, under Training classes)."))
    return r.show_menu(t.ctx, t.conv, _("I did not receive any text. Please type your question, or choose from "
                                        "the menu."))


def small_talk(r: Router, t: Turn) -> list[Reply] | None:
    """Thanks, "好的", a goodbye: answered as such, not searched; after "好的" the choices last offered are
    offered again (:mod:`handlers.smalltalk`)."""
    kind = talk_of(t.text) if t.value is None else None
    if kind is None:
        return None
    said = translator(locale_of(t.text, t.ctx.locale))
    if kind == ACK and t.offered:
        r._save(t.ctx, t.conv, "", "", t.offered)
        return [Reply(text=said(ACK_WITH_CHOICES), choices=tuple(t.offered))]
    if kind == DONT_KNOW:
        # "不知道" after a verdict or an answer: what was on screen again, or a person and the menu (searched, it
        # met "did you mean" with articles it shares no word with).
        offered = tuple(t.offered) or (Choice("flow:handoff", said("Talk to a person")), Choice("cmd:menu", said("Main menu")))
        r._save(t.ctx, t.conv, "", "", offered)
        return [Reply(text=said(REPLIES[kind]), choices=offered)]
    return [Reply(text=said(REPLIES[kind]))]


# The checks of a person's own case (the studio's and the workstation's are a unit's), opened or listening.
PERSONAL_CHECKS = frozenset({"craftsman", "training_eligibility", "listen_craftsman_eligibility",
                             "listen_training_eligibility"})
FOR_SOMEONE_ELSE = N_("You are asking for someone else: answer each question as it applies to them.")


def for_someone_else_note(flow: str, text: str, locale: str) -> list[Reply]:
    """Said before a personal check ``text`` opens for another person ("我爸能评云岭工匠吗"): its "you" is them."""
    if flow in PERSONAL_CHECKS and for_someone_else(text):
        return [Reply(text=translator(locale)(FOR_SOMEONE_ELSE))]
    return []


def listened(r: Router, t: Turn) -> list[Reply] | None:
    """A message that describes the person, or asks to be checked, opens the check that fits; asked for another
    person ("我爸能评云岭工匠吗"), it says first that the check's "you" is that person."""
    target = r.listen(t.ctx, t.text) if r.listen is not None else None
    if target not in r.flows:
        return None
    replies = r.enter(t.ctx, t.conv, r.flows[target])
    return [*for_someone_else_note(target, t.text, locale_of(t.text, t.ctx.locale)), *replies]


def _with_other_number(words: dict[str, str]) -> dict[str, str]:
    """English words also in their other number, as people type a menu's label ("broadcasts" for
    "broadcast", "ticket" for "tickets"), unless that form is another word already."""
    out = dict(words)
    for word, target in words.items():
        if word.isascii() and word[-1:].isalpha() and len(word) >= 4 and not word.startswith("/"):
            out.setdefault(word[:-1] if word.endswith("s") else word + "s", target)
    return out


_GREETING_HEAD = re.compile(r"^(?:你好|您好|嗨|哈喽|hi|hello|hey|good (?:morning|afternoon|evening))(?![a-z])[\s,，.。!！~～]*",
                            re.I)


def greeted(r: Router, t: Turn) -> list[Reply] | None:
    """A greeting and a few words about oneself that ask nothing ("你好，我是玉溪一家公司的人事", "hi, I work in HR at
    a company in Yuxi"): greeted back with what the assistant does and the menu, as "你好" alone is, rather than
    searched (the measures' nearest articles would be a guess). A greeting with a question, or with words that name
    a programme or that the search reads surely ("你好，我想申报云岭工匠"), goes on to the FAQ."""
    head = _GREETING_HEAD.match(t.text) if t.value is None else None
    if head is None or head.end() == len(t.text):
        return None
    rest = t.text[head.end():]
    if reads_as_question(rest) or _ASKS.search(rest.lower()):
        return None
    found = prefetch(rest)
    if found is not None and (found.named or (found.likely and not found.abstained)):
        return None
    return [Reply(text=t.ctx._(INTROS["start"])), *r.show_menu(t.ctx, t.conv)]


def faq(r: Router, t: Turn) -> list[Reply] | None:
    t.ctx.data = {}
    replies = r.faq(t.ctx, t.text)
    # Choices the FAQ offers ("flow:handoff", "ask:…") are picked up by the next message.
    r._save(t.ctx, t.conv, "", "", replies[-1].choices if replies else ())
    return replies


RULES: tuple[Rule, ...] = (
    global_word,
    language,
    said_word,
    payload,
    platform_menu,
    flow_word,
    back_from_call,
    active_step,
    menu_pick,
    asked,
    small_talk,  # ("88", "886": a goodbye, not a number on no list)
    stray_number,
    stray_back,
    no_text,
    listened,
    greeted,
    faq,
)
