"""Where a message leads: which check fits it, and whether the check opens at once or is offered.

A message that describes someone in particular (the writer, or a person, team or class they speak for) and
states a fact the check uses **opens** the check with those facts filled. A plain question about the rules
that names a programme ("请问云岭工匠怎么申报？") is answered by the FAQ, and the reply **offers** the fitting
check as a tappable choice ("想看看您适合哪种渠道？"). :func:`route` reports the check either way: what the
person is led to, which is what ``bench/selfdesc.py`` measures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.facts.model import Facts
from knowledge.facts.numbers import normalize
from knowledge.facts.profile import profile_for

_ASKS = re.compile(r"能不能|能否|可以|可不可以|能评|能报|能申报|能参加|能当|能拿|符合|够不够|有没有资格|行不行|行吗|"
                   r"吗|么|\?|？|怎么|如何|哪里|哪儿|多少|流程|程序|步骤|手续|can i|could i|am i|eligible|qualify|may i|how|"
                   r"where|what|which|do i|does|is it")
_FIRST_PERSON = re.compile(r"我|本人|咱|俺|\bi\b|\bi'm\b|\bmy\b|\bwe\b|\bour\b|\bme\b")
# Someone in particular: the writer, or a person, team or class they speak for ("帮我表弟问问", "he's 63").
_OTHER_PERSON = r"他|她|同事|师傅|徒弟|老[王李张刘陈杨赵黄周吴]"  # one person, not the writer
_SOMEONE = re.compile(_FIRST_PERSON.pattern + "|" + _OTHER_PERSON + r"|领衔人|站长|团队|"
                      r"\b(?:he|she|his|her|they|their)\b|colleague|father|mother|friend")
# A rule asked about people in general: "老板拖欠工资的能评吗", "什么人可以参加", "if someone ...".
_GENERIC = re.compile(r"的人|的话|如果|假如|要是|有人|什么人|哪些人|的(?:能|可以|还能|也能|可不可以|算不算)|"
                      r"(?:人员|户|者)(?=能|可以|可不可以|能不能|也能|还能)|"
                      r"\bsomeone\b|\bsomebody\b|\banyone\b|whoever|people who|a person who|\bif (?:a|an|someone|you)\b")
# A case supposed, whatever pronoun then stands for it ("If somebody got a warning, can they still be selected"):
# a rule asked about people in general.
_HYPOTHETICAL = re.compile(r"如果有人|假如有人|要是有人|万一有人|\bif (?:a|an|someone|somebody|anyone|anybody)\b|"
                           r"a person who|people who|anyone who|someone who|somebody who")
# How and where to apply (第九条 and the procedure): the channel check helps most.
_CHANNEL = re.compile(r"怎么报|怎么申报|如何申报|向哪|找哪|在哪|哪里报|哪个工会|报给|交给|交到|渠道|途径|举荐|自荐|推荐别人|"
                      r"推荐(?:一个|个)?(?:徒弟|同事|他|她)|材料|附件|什么时候[^，,。？?]{0,6}(?:申报|报)|(?:网上|线上)[^，,。]{0,4}(?:报|提交|填)|入口|"
                      r"where (?:do|can|should) i|how (?:do|can|should) i apply|how to apply|apply online|which union|"
                      r"file with|hand in|refer|recommend (?:a|an|my|our|someone)\b|"
                      r"(?:直接|先)(?:报|交|去)(?:到)?(?:州|市|县|省|区)|(?:去|到)[^，,。]{0,6}(?:总工会|工会)(?:报|申报)|咋个报|documents?[^.?!]{0,40}(?:craftsman|apply|application)|"
                      r"where (?:to|do (?:i|we|they|he|she)) (?:submit|apply|file)")
# What a class is paid: the subsidy check; a trainee asking to join ("能不能去报名") is asking about eligibility.
_SUBSIDY = re.compile(r"补贴|补助|多少钱|能拿多少|拿多少|给多少|补多少|比例|学费|费用|经费|差旅费|鉴定费|按什么标准补|补\s*\d{1,3}%|分担|"
                      r"百分之|配套|subsid|allowance|how much|share|cost|fee|\bpays?\b|percent|\d+\s*%|per head|yuan")
_JOINING = re.compile(r"我能不能去|能不能去报名|我可以去|我能去|can i join|may i join")
_NUMBERS = ("age", "years_in_trade", "team_size", "lead_age", "named_years", "referrer_count", "trainees", "days")

# Asked to be checked, with nothing said of the case yet: "帮我看看能不能评云岭工匠", "我够不够格当云岭工匠",
# "我们工作室能报省级的不", "am I eligible for the Yunling Craftsman award?". The check is what is asked for,
# and its questions gather the facts: it opens (the FAQ would quote the conditions and offer it one tap away).
SELF_CHECK_MAX = 60  # characters (voice input runs on)
SELF_CHECK_MAX_WORDS = 40  # in English
# Looking into the case: asked of the assistant ("帮我看看", "check if"), or the writer's own or one they speak for.
_LOOK = re.compile(r"看看|看一下|看下|瞧瞧|查查|查一下|查下|测测|测一下|测一哈|评估|判断|对一下|过一遍|帮我|帮忙|想知道|想晓得|"
                   r"\b(?:check|see|find out|tell me|let me know|wondering|want to know|assess|run the)\b")
_OWN = re.compile(_FIRST_PERSON.pattern + r"|自己|自个|\bmyself\b|\bus\b")
# Whether one may: a modal then a verb of being named or joining ("能不能评", "得不得报", "格可以被评成", "可不可以
# 报", "有没有可能被命名"), or a phrase complete in itself ("够不够格", "有没得资格", "有戏不"), or asked to be
# asked ("你问我答").
_MAY = (r"(?:能不能|能否|可不可以|可否|能|可以|得不得|可得|有没有可能|有可能|格(?=可以|能|够|评|报|去|算|得|有))"
        r"[^，,。？?！!]{0,8}?(?:评|报|申|参评|参选|当|入选|选上|评上|参加|参训|去|上|学|算|拿|升|命名|认定|够)")
_QUALIFIED = (r"(?:评|选|报)得(?:上|了|成)|属不属于|是否属于|(?:测|评估|确认|判断|看看|查|对照)[^，,。？?！!]{0,12}(?:资格|条件|标准)|"
              r"(?:资格|条件|标准)[^，,。？?！!]{0,4}(?:评估|测|对照)|行不行|行吗|够不够|符合[吗不么]|够格|够不够格|"
              r"够条件|够不够条件|够资格|够不够资格|有没有资格|有没得资格|有资格|具备[^，,。？?！!]{0,12}资格|资格评估|"
              r"符不符合|有戏|有没有戏|有没得戏|"
              r"有希望|有没有希望|符合[^，,。？?！!]{0,12}(?:条件|要求|标准)|你问[嘛吧]?我答|问我答")
_MAY_EN = (r"\b(?:eligible|possible|qualif(?:y|ies|ied)|(?:meets?|fulfil(?:l|s|ls)?|satisf(?:y|ies)) the "
           r"(?:requirements|conditions|criteria)|stand a chance|"
           r"(?:allowed|able|entitled|good enough) to (?:apply|attend|join|take part|enter|be named)|"
           r"(?:(?:can|could|may|might) (?:i|we|he|she|they|it|my \w+|our \w+)|"
           r"(?:i|we|he|she|they|it|my \w+|our \w+) (?:can|could|may|might)) "
           r"(?:apply|get|take|be (?:a |named |nominated |selected |recognised |recognized |considered )?(?:as )?(?:a )?"
           r"(?:yunling|named|nominated|selected|recognised|recognized|considered)|join|attend|take part|"
           r"sign up|enter|participate|become)|(?:can|could) be (?:named|nominated|selected|recognised|recognized|considered)|"
           r"run the check)\b")
_ELIGIBLE = re.compile(f"{_MAY}|{_QUALIFIED}|{_MAY_EN}")
# ... about something else than being named or joining: a judge or expert's seat, money, documents, a date.
# Who may not ("不能申报"), applying as an individual, directly or again, and priority are other articles'
# questions (exclusions, channels, repeats).
_NOT_SELF_CHECK = re.compile(r"评委|评审|专家|裁判|奖金|奖励|补贴|补助|多少钱|费用|学费|经费|材料|附件|证书|时间|时候|截止|期限|"
                             r"公示|名额|几|多少|哪(?!样)|谁|多久|多长|什么条件|啥条件|哪些条件|条件是|要求是|什么要求|"
                             r"(?<!能)不能|(?<!可)不可以|(?<!得)不得|不准|个人|直接(?![帮给告])|越级|跳过|不经过|再次|再报|重新|优先|网上|线上|不是|"
                             r"\b(?:judge|expert|panel|referee|bonus|money|subsid\w*|allowance|fee|cost|document|paper|"
                             r"form|deadline|when|where|who|which|how many|how much|how long|what|individual|by myself|"
                             r"on my own|own name|direct|directly|straight|skip\w*|without|again|twice|second time|"
                             r"priority|online|fund|funding|grant)\b")
# What a message that only asks to be checked is made of: the ask, the programme, the person or whom they speak
# for, greetings, thanks and fillers. More than RESIDUE_MAX characters (English: words) left over is a
# particular of the case or another subject ("能不能拿我们厂的牌子当工作室名字"): the FAQ answers it.
RESIDUE_MAX = 1  # a slip of the keyboard
_ZH_WORDS = """
云南省 云南 省级 省里面 省里头 省里 省上 省一级 省总工会 省总 全省 职工 云岭工匠 云岭 工匠 称号 荣誉 技师工作站 工作站
创新工作室 工作室 工会 技能提升 技能 培训班 培训 班 脱贫攻坚 助力 专项 免费 出钱 办的 搞的 组织的 举办 项目 课程 学技术 技术
那种 取证 评选 选树 申报条件 条件 要求 标准 资格
我们 我家 我 咱们 咱 俺 本人 自己 自个 他 她 他们 她们 儿子 女儿 闺女 娃 孩子 老公 老婆 爱人 媳妇 丈夫 妻子 先生 太太 父亲
母亲 爸爸 妈妈 爸 妈 爹 娘 老爸 老妈 哥哥 哥 弟弟 弟 兄弟 姐姐 姐 妹妹 妹 老表 表哥 表弟 亲戚 朋友 同事 师傅 徒弟 班长
队长 组长 站长 主任 领导 单位 厂里 厂 公司 车间 班组 团队 站 这种 这样 这类 像 一个 有个 那个 这个 个 的 你们 们 带的
你好 您好 请问 请教 请 打扰了 打扰 麻烦 劳驾 谢谢 多谢 谢了 感谢 小助手 助手 喂 哎 想 问问 问一下 问下 问 了解 知道 晓得
帮忙 帮我 帮 给 替 让 叫 喊 托 看看 看一下 看下 看 瞧瞧 瞧 瞄一下 瞄 查查 查一下 查 测一下 测测 测 评估 判断 确认 核实 核
对一下 过一遍 做个 整一哈 整 弄 一下 一哈 下 就行 就好 吧 你问我答 你问 我答 要得 是 就是 那 嗯 哦 啊 呀 吗 呢 嘛 哈 么 不
没 没得 了 啦 到底 究竟 一直 先帮 是否 具备 够 格 你 您 一 得
烦请 敬请 告知 答复 回复 指导 指点 咨询 协助 帮助 请您 想请 您的 贵 老人家 老伴 家父 家母 岳父 岳母 公公 婆婆 儿媳 女婿
侄子 外甥 孙子 爷爷 奶奶 外公 外婆 叔叔 阿姨 舅舅 伯伯 大伯 科室 部门 分厂 工段 矿上 矿里 所在 负责 下面 手下
姐夫 妹夫 嫂子 老头子 老太婆 老乡 学生 老师 尊敬 工作人员 同志 儿 呗 瞅瞅 瞅 当上 考证 情况 属于 对象 对照 希望
属不属于 是否属于 有没有希望
能不能 能否 可不可以 可否 能 可以 得不得 可得 有没有可能 有可能 够不够格 够格 够不够 有没有资格 有没得资格 有资格 符不符合
符合 有戏 有没有戏 有希望 行不行 行 机会 有没有 有没得 有
评为 评成 评上 评得上 评得了 评 报名 申报 申请 报 参评 参选 当 入选 选上 参加 参训 去 上 学 拿 升 被 命名为 命名 认定
"""
_EN_WORDS = """
yunling craftsman craftsmen award title named nominated selected recognised recognized considered provincial province
provincial-level province-level level status innovation studio studios worker workers workers' technician workstation
station union trade union's union-funded union-run skills skill training class classes course courses program programme
upskilling upgrading organised organized the a an of for to as at in on be is am are was can could would will may might
i we my our me us he she his her they their it its myself
wife husband father mother dad mum mom son daughter brother sister friend colleague supervisor boss team team's
please pls plz kindly check see help find out figure whether if or not know want wanna like inquire ask assess tell let
hi hello hey there dear sir madam thanks thank you u very much so po revert run do does did am
eligible qualify qualifies qualified apply join attend take part participate sign up enter become get allowed able
possible meet meets requirements criteria conditions good enough this that one asked him them
i'd i'm we're we'd he's she's it's i'll would like love wonder wondering wondered enquire enquiring inquiring query
regarding concerning about grateful appreciate appreciated advise advice look into go through evaluate determine confirm
just really actually maybe perhaps scheme honour honor recognition rank put forward nominate nomination candidate
application applying applied grandfather grandmother uncle aunt cousin spouse partner father-in-law mother-in-law
workshop department unit company factory plant group staff employee employees member members with by
excuse quick happy whatever need needed verify lot chance stand her for fulfil fulfils fulfill fulfills satisfy
"""
_ZH_VOCAB = re.compile("|".join(sorted(set(_ZH_WORDS.split()), key=len, reverse=True)))
_EN_VOCAB = frozenset(_EN_WORDS.split())
_LEVEL = re.compile(r"省级的|省里的|省一级的")
_LIKE_ME = re.compile(r"像?我(?:这种|这样|这类|这号)(?:人|情况)?的?")
# A unit asking to run a class is a training provider, whose questions the FAQ answers; the check is a trainee's.
_PROVIDER = re.compile(r"单位|企业|公司|学校|机构|办班|举办|承办|开班|我们厂|\b(?:company|school|organi[sz]ation|run a class)\b")


@dataclass(frozen=True)
class Lead:
    """The check a message leads to; ``opens``: the check opens with the facts (a self-description),
    else the FAQ answers and offers the check (a plain question)."""

    check: str
    opens: bool


def lead(text: str, facts: Facts) -> Lead | None:
    """Where ``text`` leads, or None when it names no programme and states nothing a check uses."""
    t = normalize(text)
    check = _fitting_check(t, facts)
    if check is None:
        return None
    opens = (_describes_someone(t, facts) and _useful(check, facts)) or asks_to_check(t, facts, check)
    # A rule asked about ("干了二十年钳工，今年52了，评云岭工匠年龄有没有限制") or something the check does not tell
    # ("我52了 干了20年钳工 评云岭工匠要交啥材料"): its article answers, and the check is offered with the facts
    asked = _RULE_ASKED.search(t) or (check != "training_subsidy" and _OTHER_ASKED.search(t)) or (
        check == "training_subsidy" and facts.trainees is None and _ALLOWANCE_ASKED.search(t)) or (
        facts.contest is not None and facts.contest.rank is not None and facts.personal == 1 and _DIRECT_ASKED.search(t))
    return Lead(check, opens and not asked)


# Whether a contest place is recognised directly ("I came 8th at WorldSkills, can I be recognised directly?"), said
# with nothing else of the person: 第六条 answers it, its place worked against the article (knowledge.reckon); with
# more ("…决赛拿了第3名，是技师，能直接认定吗") the check opens, which asks the gates of 第五、八条 too.
_DIRECT_ASKED = re.compile(r"直接认定|recogni[sz]ed directly|directly recogni[sz]ed|direct recognition")
# A trainee's living allowance asked about ("培训20天生活补助每人多少钱"): 第十条 answers it with the working, where
# the calculator would ask a class's project, trainees and budget.
_ALLOWANCE_ASKED = re.compile(r"(?:生活补助|生活补贴|生活费)[^，,。；;]{0,6}(?:多少|几|好多)|"
                              r"\b(?:how much|what)\b.{0,30}\b(?:living|daily) allowance\b|"
                              r"\b(?:living|daily) allowance\b.{0,30}\b(?:per person|each|how much)\b")


# A question a check does not answer, asked beside the facts: the materials, the dates, the money, the public
# notice, the number named ("要交啥材料", "什么时候截止", "奖金多少").
_OTHER_ASKED = re.compile(r"(?:交|提交|准备|需要|要)[^，,。；;]{0,3}(?:啥|什么|哪些)[^，,。；;]{0,2}(?:材料|资料|附件)|"
                          r"(?:啥|什么|哪些)材料|(?:什么|啥)时候(?:报|申报|截止|开始|公示|评)|截止(?:时间|日期)|几号截止|"
                          r"奖金|(?:给|发|奖)多少钱|公示(?:多久|几天)|每年评几个|评多少个|"
                          r"\b(?:what (?:documents|papers|materials)|which documents|deadline|when (?:is|are) (?:the )?"
                          r"(?:deadline|applications?))\b")
# A question of one of the programme's rules: its limit or requirement ("年龄有没有限制", "对学历有没得要求").
_RULE_ASKED = re.compile(r"(?:限制|要求|门槛)[^，,。；;]{0,3}(?:吗|么|不|没|没有|没得|呢|啥|什么)|"
                         r"(?:有没有|有没得|有无|有什么|有啥|有啥子|什么|哪些)[^，,。；;]{0,6}(?:限制|要求|门槛)|"
                         r"\b(?:age limit|is there a limit|any limit|requirements? (?:on|for) (?:age|education|degree))\b")


def asks_to_check(t: str, facts: Facts, check: str) -> bool:
    """``t`` (normalised) asks whether the writer, or one they speak for, qualifies for the programme of
    ``check`` (an eligibility check), states nothing of the case and asks nothing more particular."""
    if not check.endswith("_eligibility") or facts.personal or facts.problems:
        return False
    english = t.isascii()
    t = _LIKE_ME.sub("我", t)  # "我这种的能不能参加" is the writer's own case, not people in general ("的能")
    t = _LEVEL.sub("省级", t)  # "省级的能不能报": the level, not people in general either
    if (len(t.split()) > SELF_CHECK_MAX_WORDS if english else len(t) > SELF_CHECK_MAX) or _GENERIC.search(t) \
            or _NOT_SELF_CHECK.search(t) or (check == "training_eligibility" and _PROVIDER.search(t)):
        return False
    if not _ELIGIBLE.search(t):
        return False
    left = _residue(t, english)
    # Whose case: said ("我", "my father", "帮我看看"), or, in a message that is nothing but the ask ("云岭工匠能报
    # 吗"), the writer's own, as a first message means it.
    return left <= RESIDUE_MAX and (bool(_OWN.search(t) or _LOOK.search(t)) or left == 0)


# One other person's case, asked by the writer ("我爸能评吗", "can my wife join"): not a team's or a unit's.
_ANOTHER = re.compile(_OTHER_PERSON + r"|(?:我|俺)的?(?:爸|妈|父亲|母亲|老公|老婆|爱人|丈夫|妻子|媳妇|儿子|女儿|哥|弟|姐|妹|"
                      r"兄弟|老表|老伴|家老头|家老爷子)|父亲|母亲|家父|家母|\b(?:he|she|his|her|"
                      r"my (?:husband|wife|father|mother|dad|mum|mom|son|daughter|brother|sister|friend|colleague|"
                      r"supervisor|boss))\b")


# Another person named only as what the writer does with them ("带了十几个徒弟", "跟同事一起", "教徒弟"): the case is
# still the writer's.
_OTHERS_AS_OBJECT = re.compile(r"(?:带|教|培养|收|招|指导)(?:了|过|出|出了)?[^，,。？?！!]{0,6}?(?:徒弟|学徒|同事)|"
                               r"(?:和|跟|与|同|帮)(?:我的?)?(?:同事|师傅|徒弟)们?")


def for_someone_else(text: str) -> bool:
    """``text`` asks about another person's case (a check then asks its questions of "you": they are that
    person's to answer)."""
    return _ANOTHER.search(_OTHERS_AS_OBJECT.sub("", normalize(text))) is not None


def asks_in_general(text: str) -> bool:
    """``text`` asks a rule of people in general ("受过处分的能评工匠吗", "if someone got a warning, can they…"),
    of no one in particular: what it states is nobody's case, neither the writer's nor one they speak for."""
    t = normalize(text)
    return bool(_ASKS.search(t)) and (bool(_HYPOTHETICAL.search(t))
                                      or (bool(_GENERIC.search(t)) and not _SOMEONE.search(t)))


def _residue(t: str, english: bool) -> int:
    """What is left of ``t`` beyond the words a bare "check me" message is made of: characters, or English words."""
    if english:
        return sum(w not in _EN_VOCAB for w in re.findall(r"[a-z][a-z'-]*", t))
    return len(re.sub(r"[\W\d_a-z]+", "", _ZH_VOCAB.sub("", t)))



def route(text: str, facts: Facts) -> str | None:
    """The check ``text`` leads to (opened or offered), or None for a question the FAQ alone answers."""
    found = lead(text, facts)
    return found.check if found is not None else None


def _programme(t: str, facts: Facts) -> str | None:
    if facts.programme is not None:
        return facts.programme
    if facts.trainees or facts.days or (facts.trainee_kind and re.search(r"培训|学|train", t)):
        return "training"
    if facts.contest or facts.honours or facts.skill_grade or facts.referrer_count or facts.route:
        return "craftsman"
    return None


def _fitting_check(t: str, facts: Facts) -> str | None:
    programme = _programme(t, facts)
    if programme == "craftsman":
        channel = facts.route or facts.referrer_count is not None or _CHANNEL.search(t)
        return "craftsman_channel" if channel else "craftsman_eligibility"
    if programme in ("studio", "station"):
        return f"{programme}_eligibility"
    if programme == "training":
        subsidy = (_SUBSIDY.search(t) and not _JOINING.search(t)) or facts.days is not None
        return "training_subsidy" if subsidy else "training_eligibility"
    return None


# A title already held, kept or taken back ("评上工匠后被判了缓刑，称号还能留着吗", "his title will cancel?"): the
# articles on revoking it answer, not a check of whether one may apply.
_TITLE_HELD = re.compile(r"称号[^，,。？?]{0,10}(?:留|保|收回|撤|取消|拿掉|还在|有效)|(?:撤销|收回|取消|撤掉)[^，,。？?]{0,6}称号|"
                         r"\b(?:title|medal|plaque)\b[^.?!]{0,30}(?:keep|kept|cancel|revok|taken|remov|withdraw|still hang)|"
                         r"\bkeep (?:the|his|her|their) (?:title|medal)|"
                         r"(?:有个|那个|一个|这个|的)云岭工匠[^，,。？?]{0,8}(?:被判|判了|犯事|酒驾)")


def _describes_someone(t: str, facts: Facts) -> bool:
    """The message asks about someone's own case and states a fact about them."""
    if facts.personal == 0 or (not _ASKS.search(t) and facts.personal < 2) or _HYPOTHETICAL.search(t) \
            or _TITLE_HELD.search(t):
        return False
    numbers = [k for k in _NUMBERS if getattr(facts, k) is not None] or facts.problems
    # "老板拖欠工资的能评吗" asks about someone in general: the FAQ answers it
    return not (_GENERIC.search(t) and not _SOMEONE.search(t) and not numbers)


def _useful(check: str, facts: Facts) -> bool:
    """A single fact the check never asks about ("我都五十多岁了还能报吗": age does not limit) is better
    answered by the FAQ's article than by a questionnaire."""
    return facts.personal >= 2 or bool(profile_for(check, facts)) or bool(facts.problems)
