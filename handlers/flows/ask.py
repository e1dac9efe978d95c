"""The FAQ: a free question that no flow claims is answered from the measures, citing the articles, or
the assistant abstains and offers a person (see :mod:`handlers.answering`). A short follow-up ("那要交钱吗",
"and what do I submit?") that is not understood alone is read together with the person's previous question."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from functools import cache

from handlers.answering import PROGRAMME_NAMES, Asked, answer, prefetch, reply_locale, written_in_english
from handlers.flow import Ctx
from handlers.i18n import N_, translator
from handlers.own_words import without_talk
from handlers.services import questions
from handlers.types import Choice, Reply

# How a follow-up starts: it leans on what was asked before ("那…", "还…", "要…", "and…", "what about…").
FOLLOW_UP = re.compile(r"^\s*(那|那么|这个|那个|这样|还|还有|另外|它|他|她|要|需要|得|and\b|so\b|then\b|what about\b|"
                       r"how about\b|also\b|is it\b|does it\b|do i\b|do they\b)", re.IGNORECASE)
FOLLOW_UP_MAX = 30  # characters: a longer message stands on its own
FOLLOW_UP_WORDS = 8  # the same for English, in words ("How many people does the team need?")
PREVIOUS_MAX = 200  # characters of the previous question searched with it


def faq_answer(ctx: Ctx, text: str) -> list[Reply]:
    text = without_talk(text)  # "好的，那培训补贴多少钱": the question, not the "ok" before it
    # A question written in English gets an English answer whatever the person's language setting.
    # (Pinyin is not English: it is answered in the person's language.)
    # (Nor is a tapped "did you mean" choice, "§studio:10": it is answered in the person's language.)
    locale = reply_locale(text, ctx.locale)
    if (swapped := _same_question_of(ctx, text, locale)) is not None:
        return swapped
    if (programme := _selection_asked(ctx, text)) is not None:
        return [_selection_steps(replace(ctx, locale=locale), programme)]
    asked = answer(text, locale=locale, contact=ctx.settings.human_contact)
    unclear = (asked.result.abstained and asked.result.reason == "low_score") or not asked.result.likely
    if unclear and (part := _asked_part(text, asked, locale, ctx.settings.human_contact)) is not None:
        return _kept(ctx, text, part, locale)
    previous = _previous_question(ctx, text)
    short = len(text) <= FOLLOW_UP_MAX or (text.isascii() and len(text.split()) <= FOLLOW_UP_WORDS)
    carried = not previous and short and asked.outcome == "which"
    if carried:
        # Asked of no programme after questions of one programme ("创新工作室几年评一次", then "一批最多几个", "团队要几
        # 个人"): that programme, said as such, rather than "which programme?".
        previous = _previous(ctx, text, skip=lambda earlier: len(_programmes_in(earlier)[0]) != 1)
    elif not previous and short and not unclear and not asked.result.named and asked.result.hits:
        # Answered from another programme right after a question of one ("what do I need to fill in?" after how
        # to run a training class: the craftsman's annexes first): that programme's answer, where it has one.
        just_before = _previous(ctx, text)
        named = (found.named if just_before and (found := prefetch(just_before)) is not None else ())
        if len(named) == 1 and asked.result.hits[0].measure != named[0]:
            carried, previous = True, just_before
    if (unclear or not asked.result.named) and previous:
        before = answer(previous, locale=locale, contact=ctx.settings.human_contact)
        if not asked.result.named and before.result.named:
            # A follow-up that names no programme, after a question that did ("要交什么材料" after
            # "云岭工匠怎么申报"): its own words, about that programme.
            names = " ".join(PROGRAMME_NAMES[locale == "en"][m] for m in before.result.named)
            again = answer(f"{names} {text}", locale=locale, contact=ctx.settings.human_contact)
        elif unclear:
            again = answer(f"{previous} {text}", locale=locale, contact=ctx.settings.human_contact)
        else:
            return _kept(ctx, text, asked, locale)
        # Better understood with the previous question: found where alone it was not, or answered where
        # alone it was only "did you mean" or "which programme" -- and not merely the previous question's
        # answer again ("那加班费怎么算" after "云岭工匠怎么申报" must not repeat how to apply).
        # (Carried over to the programme, the previous answer's article again is an answer: "一批最多几个" is in the
        # studio's 第四条 as "几年评一次" was.)
        if (not again.result.abstained and (asked.result.abstained or again.result.likely)
                and (_best(again) != _best(before) or (carried and again.result.sure))):
            _ = translator(locale)
            note = _("(Read together with your previous question: “{previous}”)", previous=previous[:40])
            return [_with_next_steps(ctx, again, locale, replace(again.reply, text=f"{note}\n{again.reply.text}"), text)]
    return _kept(ctx, text, asked, locale)


# What a person can do here about what an article says, offered with its answer ("how do I sign in to my
# class" is answered by the training measure's 第十九条, and the sign-in itself is one tap away). The checks
# a plain question is offered (eligibility, channel, subsidy) are handlers/flows/listen.py's.
NEXT_STEPS: dict[tuple[str, int], tuple[str, ...]] = {
    ("training", 19): ("signin", "my_schedule"),  # 学员学习签到制度
    ("training", 21): ("my_certificate",),  # 双证书
    ("training", 11): ("training_calendar",), ("training", 13): ("training_calendar",),  # the year's dates
    ("training", 16): ("training_calendar",),
    ("craftsman", 10): ("craftsman_draft",), ("studio", 12): ("studio_draft",),  # the materials: the forms
    ("station", 12): ("station_draft",),
    # The steps after filing (review, public notice, approval): where one's own case stands.
    **{(m, a): ("status",) for m, arts in (("craftsman", (11, 13, 14, 15, 16, 17)), ("studio", (14, 16, 17)),
                                           ("station", (14, 16, 17))) for a in arts},
}
# What a person can do here that the question names in so many words ("学员怎么签到啊", "how do I check in"):
# offered whatever the measures say (the measures do not say how to sign in in this chat), and said first when
# they give no answer. (flow, Chinese words, English words)
DRAFTS = ("craftsman_draft", "studio_draft", "station_draft", "draft")  # the application forms' flows
ASKED_FOR: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    # Not 打卡 (clocking in at work) nor a bare "schedule" (of a review, of payments).
    # "我今天签到了没有": whether one is signed in, before the sign-in itself.
    ("signed_today", ("签到了没", "签到了吗", "签上了吗", "签上了没", "签到成功了", "签没签到", "签到没有"),
     ("did i sign in", "am i signed in", "was i signed in", "did my sign-in work", "did i check in")),
    ("signin", ("签到",), ("sign in", "sign-in", "check in", "check-in")),
    ("my_schedule", ("课表", "课程表", "上课时间", "几点上课", "哪天上课", "课程安排", "什么时候上课", "啥时候上课", "明天上课",
                     "还上课吗", "上课地点", "在哪上课", "在哪里上课", "哪里上课", "哪点上课", "在哪点上课",
                     "课在哪", "上课在哪", "哪儿上课", "上课的地方",
                     # one's attendance, shown with the classes
                     "签到了几", "签了几回", "签了几次", "出勤记录", "考勤记录", "我的考勤", "我的出勤"),
     ("class schedule", "training schedule", "my schedule", "timetable", "my classes", "when is my class",
      "when is class", "where is my class", "where is the class", "my attendance", "attendance record",
      "how many times did i sign in", "how many sessions did i attend")),
    ("my_certificate", ("我的证书", "查证书", "证书查询", "证书发了", "证书下来", "证书编号"), ("my certificate",)),
    # The fund's yearly dates, asked in one's own words; with the training named ("截止" or "deadline" alone may be
    # the craftsman's filing).
    ("training_calendar", ("培训什么时候截止", "培训截止", "培训的截止", "培训时间节点", "培训的时间节点", "培训啥时候截止",
                           "培训有哪些截止", "培训有什么截止", "培训有啥截止", "专项资金有哪些截止", "专项资金有什么截止",
                           "专项资金有啥截止", "专项资金的截止", "资金有啥子截止"),
     ("training deadline", "training deadlines", "deadlines for the training", "deadline for the training",
      "deadlines of the training", "training fund deadline", "training fund deadlines")),
    ("status", ("申报进度", "申报的进度", "审核进度", "初审过了吗", "初审过了没", "初审结果", "复审结果", "评审结果", "评审进度", "到哪一步", "办到哪", "申报到哪", "审到哪", "评到哪"),
     ("my application progress", "status of my application", "application status", "where is my application",
      "how is my application", "track my application")),
    # Reminders asked for in one's own words ("我想订阅培训提醒"); stopping them is a global word (own_words).
    ("subscribe", ("订阅", "接收提醒", "收到提醒", "提醒我", "截止前提醒", "到期提醒", "我的提醒"),
     ("subscribe", "get reminders", "receive reminders", "remind me", "send me reminders", "notify me", "my reminders")),
    # A clerk's functions (offered only to those whose role allows them: Ctx.has_flow).
    ("broadcast", ("群发", "发通知", "发提醒", "发个提醒", "发个通知", "发条通知", "发条提醒", "提醒大家", "通知大家",
                   "通知所有", "通知学员", "提醒学员", "给学员发", "送达报告", "送达情况"),
     ("broadcast", "broadcasts", "send a reminder", "send reminders", "remind everyone", "remind all", "notify all",
      "notify everyone", "deadline reminder", "deadline reminders", "remind trainees", "remind the trainees",
      "remind students", "notify trainees", "notify the trainees", "delivery report")),
    ("cases", ("申报管理", "案件", "申报状态", "申报的状态", "更新状态", "录入状态", "记录状态", "改状态", "录个案",
               "录入申报", "改到复审", "改到初审", "改到公示", "推进到", "申报列表",
               "申报改成", "申报改为", "申报改到", "改成已推荐", "改为已推荐",
               # a clerk recording a case's progress ("我要登记一个申报的进度", "张三的申报初审过了")
               "登记进度", "登记申报", "登记一个申报", "登记一下申报", "更新进度", "更新申报", "录入进度",
               "初审过了", "初审通过", "通过初审", "通过了初审", "复审通过", "通过复审", "通过了复审",
               # the applications a union holds ("看看我们单位的申报", "待审的申报有哪些")
               "单位的申报", "待审的申报", "待审核的申报", "待初审", "申报名单", "收到的申报", "报上来的",
               "新申报", "新建申报", "新的申报"),
     ("case desk", "case", "cases", "case status", "list my cases", "list cases", "my cases",
      # a clerk's "I need to update the status of an application" (not an applicant's "status of my application")
      "update the status", "update status", "update a status", "change the status", "change status",
      "record the status", "set the status", "update an application", "update the application",
      "passed the preliminary review", "passed preliminary review", "passed the qualification review",
      "passed the first review", "passed first review", "passed the second review", "passed the final review",
      # the applications a union holds ("show me pending applications", "applications of my unit")
      "pending applications", "applications of my unit", "applications of our union", "our applications",
      "applications we received", "applications waiting", "list the applications", "list applications",
      "new case", "register a case", "add a case", "record a case", "record a new case")),
    # The application form filled in here ("我要填云岭工匠的申报表", "fill in the application form"): a programme's,
    # else the one that asks which.
    ("craftsman_draft", ("云岭工匠的申报表", "云岭工匠申报表", "工匠的申报表", "工匠申报表"),
     ("yunling craftsman application form", "craftsman application form", "craftsman form")),
    ("studio_draft", ("工作室的申报表", "工作室申报表"), ("studio application form", "studio form")),
    ("station_draft", ("工作站的申报表", "工作站申报表"),
     ("workstation application form", "station application form", "workstation form")),
    ("draft", ("填申报表", "填写申报表", "填个申报表", "填一下申报表", "填表"),
     ("fill in the application form", "fill out the application form", "fill in an application form",
      "fill out an application form", "fill in the form", "fill out the form")),
    # The awards' annexes (附件1, 2); the training fund's (附件3-6: the class forms and roster) are the classes'.
    ("drafts_export", ("导出申报表", "导出附件1", "导出附件2", "导出附件一", "导出附件二", "导出推荐承诺书", "下载申报表"),
     ("export forms", "export the forms", "export the annex", "export annex", "export the annexes",
      "export the application forms", "download the forms")),
    ("training_classes", ("培训班管理", "花名册", "学员名单", "新建培训班", "录入学员", "添加学员", "登记培训班", "培训班登记",
                          "实名制汇总表", "导出附件3", "导出附件4", "导出附件三", "导出附件四", "导出签到表", "登记一个培训班",
                          "开个新班", "开新班", "新开一个班", "新开培训班", "开个培训班", "办个培训班", "办培训班",
                          "办一个培训班", "举办培训班", "导出附件6", "导出附件六", "打印签到表",
                          # a class's attendance, asked by its clerk (not one's own sign-in)
                          "谁没签到", "哪些人没签到", "哪些学员没签到", "多少人签到", "几个人签到", "签到人数"),
     ("class roster", "roster", "manage classes", "new class", "add a class", "create a class", "add a trainee",
      "sign-in sheet", "sign in sheet", "signin sheet", "attendance sheet", "annex 3", "annex 4", "annex 6",
      "add trainees", "training classes", "register a class", "register a training class", "register the class",
      "register classes", "set up a class", "set up a training class", "register a new class",
      "register a new training class", "create a new class", "create a training class", "create a new training class",
      "add a new class", "add a training class", "set up a new class", "set up a new training class",
      "new training class", "open a class", "open a new class", "start a new class",
      "who did not sign in", "who didn't sign in", "who has not signed in", "who hasn't signed in",
      "how many signed in", "how many trainees signed in", "how many people signed in", "how many students signed in",
      "who signed in", "who has signed in", "who checked in", "who has checked in")),
    ("tickets", ("工单列表", "待处理工单", "待回复", "有哪些工单", "新的工单", "新工单", "看看工单", "我的待办", "待办"),
     ("open tickets", "tickets", "answer a ticket", "reply to a ticket")),
    ("console", ("管理后台", "网页后台"), ("web console", "console", "dashboard")),
)
# What a trainee asks to see of their own ("我今天签到了没", "课程表发我看看", "证书编号是多少"): shown at once, as the
# function's own word shows it, when the message asks nothing of the rules and is short.
# A clerk's desk asked for in a few words ("帮我看看有哪些工单", "我的待办", "开个新班", "list my cases") opens too: an
# article its words half-match would only be in the way.
SHOWN_AT_ONCE = ("signed_today", "my_schedule", "my_certificate", "tickets", "cases", "training_classes",
                 *DRAFTS)  # (a form only when the message says to fill it in: not "申报表要写什么")
SHOWN_MAX = 20  # characters, or SHOWN_MAX_WORDS English words
SHOWN_MAX_WORDS = 8
_OF_THE_RULES = re.compile(r"要求|规定|必须|需要|条件|怎么|咋|如何|为什么|为啥|能不能|可以|\b(?:how|why|must|rule|required)\b")


def shown_at_once(ctx: Ctx, text: str) -> str | None:
    """The trainee's function a short message asks to see (:data:`SHOWN_AT_ONCE`), or None."""
    low = text.lower().strip()
    if (len(low.split()) > SHOWN_MAX_WORDS if low.isascii() else len(low) > SHOWN_MAX) or _OF_THE_RULES.search(low):
        return None
    named = _desks_first(ctx, asked_for(text))
    if named and named[0] in _DESKS:
        named = tuple(name for name in named if name in _DESKS)
    return next((name for name in named if name in SHOWN_AT_ONCE and ctx.has_flow(name)
                 and (name not in DRAFTS or _FILL.search(low))), None)


# A clerk's desks: named in a message, they are what a clerk came for, not a trainee's own functions.
_DESKS = frozenset({"broadcast", "cases", "training_classes", "drafts_export", "tickets", "console"})


def _desks_first(ctx: Ctx, named: tuple[str, ...]) -> tuple[str, ...]:
    """``named`` with the clerk's desks the person has first: "给学员发个通知 提醒明天上课带身份证" is a clerk's
    errand, not a look at their own schedule ("明天上课")."""
    if not any(name in _DESKS and ctx.has_flow(name) for name in named):
        return named
    return (*(n for n in named if n in _DESKS), *(n for n in named if n not in _DESKS))


_FILL = re.compile(r"填|\bfill\b")


def asked_for(text: str) -> tuple[str, ...]:
    """The functions of :data:`ASKED_FOR` that ``text`` names, in their order."""
    low = text.lower()
    named = tuple(name for name, zh, _en in ASKED_FOR if any(w in text for w in zh) or _ASKED_FOR_EN[name].search(low)
                  or (name in _ASKED_FOR_SPREAD and _ASKED_FOR_SPREAD[name].search(text)))
    if "training_classes" in named and _CLASS_PAPERS.search(low):
        # "export the sign-in sheet", "导出签到表", "export annex 4": a class's papers, not signing in oneself nor the
        # awards' annexes 1-2.
        named = tuple(n for n in named if n not in ("signin", "signed_today", "drafts_export"))
    return named


# Who of a class did not sign in ("谁还没签到"): the class desk's roster, not one's own sign-in.
_WHO_MISSED = r"谁[^，。？！?!,]{0,3}没签到"
# A desk's words with others between them ("我们下个月要办个电工培训班", "导出一下这个班的签到表", "谁还没签到").
_ASKED_FOR_SPREAD = {
    "training_classes": re.compile(r"(?:办|开|举办|新开|新建|登记)[^，。？！?!,]{0,5}培训班|"
                                   r"导出[^，。？！?!,]{0,6}(?:签到表|花名册|学员名单|附件[3-6三四六])|" + _WHO_MISSED),
    # "提醒明天上课带身份证", "通知学员下周三的课改到下午" (a clerk's; "提醒我…" is a trainee's own reminder)
    "broadcast": re.compile(r"^\s*提醒(?!我)|通知[^，。？！?!,]{0,3}(?:学员|大家|所有人)"),
    # "I want to record that an application passed ...", "mark Zhang's case as recommended"
    "cases": re.compile(r"\b(?:record|register|log|mark)\b[^.?!]{0,30}\b(?:application|case)s?\b", re.IGNORECASE),
}
_CLASS_PAPERS = re.compile(r"签到表|附件[3-6三四五六]|\b(?:sign-? ?in|attendance) sheet|\bannex [3-6]\b|"
                           r"哪些(?:人|学员)没签到|(?:多少|几个)人签到|签到人数|"
                           + _WHO_MISSED + r"|\bwho (?:did not|didn't|has not|hasn't|has )?(?:sign|check)|"
                           r"\bhow many (?:\w+ )?signed in\b")


# Asking how to do it (not what it must hold: "学员名单有啥要求").
_HOW_TO_DO = re.compile(r"怎么|咋|如何|在哪|哪里|\bhow (?:do|can|to|should)\b|\bwhere (?:do|can)\b")
# The English words as whole words ("sign in" is not in "the design in the studio").
_ASKED_FOR_EN = {name: re.compile(r"\b(?:" + "|".join(map(re.escape, en)) + r")\b") for name, _zh, en in ASKED_FOR}
NEXT_LABELS = {
    "signin": N_("Sign in to my class now"), "my_schedule": N_("See my classes"),
    "my_certificate": N_("See my certificates"), "signed_today": N_("Did I sign in today?"), "training_calendar": N_("See what is due this year"),
    "status": N_("Check my application's progress"), "subscribe": N_("Subscribe to reminders"),
    "broadcast": N_("Send a broadcast"), "cases": N_("Open the case desk"),
    "drafts_export": N_("Export my union's application forms"), "training_classes": N_("Manage training classes"),
    "tickets": N_("Answer tickets"), "console": N_("Open the web console"),
    **dict.fromkeys(DRAFTS, N_("Fill in the application form here")),
}


# A class or a sign-in missed, asked about: the measures neither allow nor forbid making it up.
_MISSED = re.compile(r"补签|补个?签到|补一?下签到|没签到|没签上|忘了签|忘记签|漏签|没来上课|没去上课|缺课|缺了.{0,3}课|请假|"
                     r"\bmissed (?:the |a |my |one |two )?(?:class|classes|lesson|session|sign[- ]?in)\b|\bforgot to (?:sign|check) in\b")
MISSED_NOTE = N_("The measures say nothing about making up a missed class or sign-in. Sign-in sheets are kept by "
                 "the union that runs the class, whose staff follow each class (skills-training fund measures, "
                 "Art. 19): tell them what happened, or type 'human' to reach a person.")


def _with_next_steps(ctx: Ctx, asked: Asked, locale: str, reply: Reply, text: str) -> Reply:
    """The reply with what the person can do here about it, before "talk to a person" and the main menu: what
    the question asks for (:data:`ASKED_FOR`), with a line that says so; and, under an answer (not a "did you
    mean", a "which programme" or an abstention), what its article is about (:data:`NEXT_STEPS`)."""
    low = text.lower()
    named = () if asked.outcome == "empty" else _desks_first(ctx, asked_for(text))
    _ = translator(locale)
    if _MISSED.search(low):
        # "我昨天那节没签到 能不能现在补", "我昨天有事没来上课咋办": signing in now cannot make up a day past, and the
        # measures say nothing of it; who keeps the sign-ins (第十九条) can.
        named = tuple(n for n in named if n != "signin")
        reply = replace(reply, text=_(MISSED_NOTE) + "\n" + reply.text)
    best = asked.result.hits[0] if asked.outcome == "answered" and asked.result.hits else None
    about = NEXT_STEPS.get((best.measure, best.article), ()) if best else ()
    have = {c.value for c in reply.choices}
    steps = tuple(Choice(f"flow:{name}", _(NEXT_LABELS[name])) for name in dict.fromkeys((*named, *about))
                  if ctx.has_flow(name) and f"flow:{name}" not in have)
    if named and not any(ctx.has_flow(name) for name in named) \
            and all("clerk" in ctx.flow_roles.get(name, ()) for name in named) and _HOW_TO_DO.search(low):
        # "培训班的学员名单咋上传" from someone not on the clerk list: what the measures say, and who does it here.
        reply = replace(reply, text=f"{reply.text}\n" + _(
            "This is done here by union clerks whose union has registered them with the assistant; if you "
            "handle it for your union, ask your union to add you."))
    if not steps:
        return reply
    if named and steps[0].value == f"flow:{named[0]}":
        line = _("You can do this here in the chat: tap “{step}”.", step=steps[0].label)
        if asked.outcome in ("unsure", "abstained", "which"):
            # "我想查一下我的申报进度": what is wanted is plain; the articles the search half-matched ("did you
            # mean" 第二十条…) and "not in the measures" would only bury it.
            kept = tuple(Choice(c.value, _("Talk to a person")) if c.value == "flow:handoff" else c
                         for c in reply.choices if not c.value.startswith("ask:"))
            reply = Reply(text=line, choices=kept)
        else:  # after the answer ("学员怎么签到": 第十九条, then the sign-in)
            reply = replace(reply, text=f"{reply.text}\n{line}" if asked.outcome == "answered"
                            else f"{line}\n{reply.text}")
    at = next((i for i, c in enumerate(reply.choices) if c.value in ("flow:handoff", "cmd:menu")), len(reply.choices))
    return replace(reply, choices=(*reply.choices[:at], *steps, *reply.choices[at:]))


def _kept(ctx: Ctx, text: str, asked: Asked, locale: str) -> list[Reply]:
    """The reply; when it abstains or only asks "did you mean", the question is kept (masked, without
    identity) for the console's Questions page."""
    questions.record(ctx.session, text=text, asked=asked, channel=ctx.incoming.channel, day=ctx.now.date())
    return [_with_next_steps(ctx, asked, locale, asked.reply, text)]


# How an award is selected, as a whole ("云岭工匠是怎么评选的", "whole selection process step by step", "steps after
# our first review"): no one article says it, the procedure's stages do (第九至十七条; 第十三至十七条 of the studio's
# and station's), each with its article. (Not 申报流程: how to apply is the channel, 第九条.)
_SELECTION_ASKED = re.compile(
    r"(?:评选|选树|评审|审核|选拔)(?:的|是)?(?:流程|程序|步骤|环节|过程)|(?:怎么|怎样|如何|咋个?)(?:评选|选出|评出|选拔|选树)|"
    r"\b(?:selection|review|vetting) (?:process|procedure|steps?|stages?)\b|\bstep[- ]by[- ]step\b|"
    r"\b(?:steps|stages) (?:after|of the selection|of the review)\b|"
    r"\bhow (?:is|are|does|do|will|would)\b.{0,40}\b(?:selected|chosen|picked)\b", re.IGNORECASE)
AWARDS = ("craftsman", "studio", "station")


def _selection_asked(ctx: Ctx, text: str) -> str | None:
    """The award whose selection procedure ``text`` asks for: the one it names or, naming none, the one the
    person's last message naming a programme named; None when it asks no such thing or names the training."""
    if len(text) > PREVIOUS_MAX or not _SELECTION_ASKED.search(text):
        return None
    for said in (text, *reversed(ctx.recent)):
        named = _programmes_in(said)[0]
        if named:
            return next(iter(named)) if len(named) == 1 and named <= set(AWARDS) else None
    return None


def _selection_steps(ctx: Ctx, programme: str) -> Reply:
    from handlers.flows.awards_verdict import stages_reply
    from knowledge.rules.case_stages import PROGRAMME_TITLES

    _ = ctx._
    heading = _("How the {programme} is selected, step by step:", programme=_(PROGRAMME_TITLES[programme]))
    flow, offer = _SELECTION_OFFERS[programme]
    return stages_reply(ctx, programme, heading, choices=(Choice(f"flow:{flow}", _(offer)),
                                                          Choice("cmd:menu", _("Main menu"))))


# The check offered after the stages, by flow name (a flow never imports another; listen offers the same).
_SELECTION_OFFERS = {
    "craftsman": ("craftsman_channel", N_("Which way of applying suits you?")),
    "studio": ("studio", N_("Check whether your studio can apply at provincial level")),
    "station": ("station", N_("Check whether your workstation can apply at provincial level")),
}


# A question asked after a self-description ("我在楚雄烟厂当了二十多年机修工，高级技师，想报云岭工匠，要交哪些材料
# 啊"): the person's facts drown the question in the search, which the last clauses alone answer. Tried only when
# the whole message is not understood, from the longest tail down, at most this many tails.
_CLAUSE = re.compile(r"[，,。；;！!？?\n]+")
ASKED_PART_TRIES = 4


def _asked_part(text: str, whole: Asked, locale: str, contact: str) -> Asked | None:
    """The answer to the last clauses of ``text`` where the whole of it is not understood; the programme the
    whole names goes with them ("…想报云岭工匠，要交哪些材料" -> "要交哪些材料" of the craftsman). None if no tail
    is answered surely."""
    parts = [p for p in _CLAUSE.split(text) if p.strip()]
    named = whole.result.named
    for start in range(1, min(len(parts), ASKED_PART_TRIES + 1)):
        tail = "，".join(parts[start:])
        if len(tail.strip()) < 4:
            break
        part = answer(tail, locale=locale, contact=contact)
        if not part.result.named and len(named) == 1:
            part = answer(f"{PROGRAMME_NAMES[locale == 'en'][named[0]]} {tail}", locale=locale, contact=contact)
        if part.outcome == "answered" and part.result.likely:
            return part
    return None


def _best(asked: Asked) -> tuple[str, int, int | None] | None:
    hits = asked.result.hits
    return (hits[0].measure, hits[0].article, hits[0].paragraph) if hits else None


def _previous_question(ctx: Ctx, text: str) -> str:
    """The person's previous message when ``text`` reads as a follow-up to it, else ""."""
    if len(text) > FOLLOW_UP_MAX or not FOLLOW_UP.search(text) or text.startswith("§"):
        return ""
    return _previous(ctx, text)


def _previous(ctx: Ctx, text: str, skip: Callable[[str], object] | None = None) -> str:
    """The person's last message before ``text`` that is a question of its own (and not one ``skip`` names)."""
    for earlier in reversed(ctx.recent):
        if earlier.strip() != text.strip() and len(earlier.strip()) >= 4 and not earlier.strip().isdigit() \
                and not (skip and skip(earlier)):
            return earlier.strip()[:PREVIOUS_MAX]
    return ""


# A follow-up that names another programme and nothing else ("那创新工作室呢", "技师工作站呢", "and for the
# craftsman?") asks the previous question of that programme.
_EN_CUES = (("yunling craftsmen", "craftsman"), ("yunling craftsman", "craftsman"), ("craftsmen", "craftsman"),
            ("craftsman", "craftsman"), ("innovation studios", "studio"), ("innovation studio", "studio"),
            ("studios", "studio"), ("studio", "studio"), ("technician workstations", "station"),
            ("technician workstation", "station"), ("workstations", "station"), ("workstation", "station"),
            ("training classes", "training"), ("training class", "training"), ("training", "training"))
_FILLER = re.compile(r"\b(?:and|for|the|what|about|how|of|a|an|then|so|in|case)\b|[\s呢吗嘛啊呀的？?！!。.,，、]",
                     re.IGNORECASE)


@cache
def _cues() -> tuple[tuple[str, str], ...]:
    """The programmes' cue words, the index's Chinese ones (longest first) then the English ones."""
    from knowledge.search import index

    return (*index().cues, *_EN_CUES)


def _programmes_in(text: str) -> tuple[set[str], str]:
    """The programmes ``text`` names (its cue words, Chinese and English, longest first) and what is left."""
    rest, named = text.lower(), set()
    for word, measure in _cues():
        if word in rest:
            named.add(measure)
            rest = rest.replace(word, " ")
    return named, rest


def _swapped(question: str, name: str) -> str:
    """``question`` with the first programme it names replaced by ``name`` where it stood ("is there an age limit
    for craftsman?" -> "... for technician workstation?"), and any other named left out."""
    text = question.lower() if question.isascii() else question
    spans: list[tuple[int, int]] = []
    for word, _measure in _cues():  # longest first, as _programmes_in reads them
        at = text.find(word)
        while at >= 0:
            if not any(a < at + len(word) and at < b for a, b in spans):
                spans.append((at, at + len(word)))
            at = text.find(word, at + len(word))
    if not spans:
        return f"{name} {text}"
    spans.sort()
    out, last = [], 0
    for i, (a, b) in enumerate(spans):
        out += [text[last:a], name if i == 0 else ""]
        last = b
    return " ".join("".join([*out, text[last:]]).split())


def _named_alone(text: str) -> set[str]:
    """The programmes ``text`` names when it says nothing else ("那创新工作室呢"); empty otherwise."""
    named, rest = _programmes_in(FOLLOW_UP.sub("", text.strip(), count=1))
    return set() if _FILLER.sub("", rest) else named


def _same_question_of(ctx: Ctx, text: str, locale: str) -> list[Reply] | None:
    """The previous question asked again of the one programme ``text`` names and nothing else, or None."""
    if len(text) > FOLLOW_UP_MAX or text.startswith("§"):
        return None
    named = _named_alone(text)
    if len(named) != 1:
        return None
    # The question before (not another follow-up of this kind: "技师工作站呢" after "那创新工作室呢" asks the same).
    previous = _previous(ctx, text, skip=_named_alone)
    before, _rest = _programmes_in(previous) if previous else (set(), "")
    if not before or named <= before:
        return None
    (programme,) = named
    swapped = _swapped(previous, PROGRAMME_NAMES[written_in_english(previous)][programme])
    again = answer(swapped, locale=locale, contact=ctx.settings.human_contact)
    if again.result.abstained or not again.result.hits or again.result.hits[0].measure != programme:
        return None  # (an answer from another programme's measure would read as this one's)
    _ = translator(locale)
    note = _("(Read as: “{question}”)", question=swapped[:60])
    return [_with_next_steps(ctx, again, locale, replace(again.reply, text=f"{note}\n{again.reply.text}"), swapped)]


def faq_prefetch(text: str) -> None:
    """The FAQ's search for ``text``, run by the dispatcher before its transaction (see
    :func:`handlers.answering.prefetch`)."""
    prefetch(without_talk(text))
