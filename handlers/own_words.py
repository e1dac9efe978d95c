"""The words that work everywhere and small talk, as people say them: "说中文" or "switch to English" for the
language, "能不能让真人来回答我" for a person, "算了 这个表我不弄了" to cancel, "回首页吧 我搞乱了" for the menu,
"我那个问题人工回了没" for one's tickets, "退订退订 天天发烦死了" to stop reminders, "谢谢你啊 帮大忙了",
"好的", "再见" and "没别的事了".

A message is read clause by clause (split at punctuation, and at spaces between Chinese words). Each clause
is one of:

- a **word** clause: an intent's cue ("换回中文", "转接人工", "不弄了", "回首页", "人工回了没", "退订") with
  nothing in it about the measures' subjects and no question but the cue's own ("能不能", "咋还没人理");
- **small talk**: thanks, "ok", a goodbye, "nothing else" (whole clauses of those words);
- **content**: the measures' subjects (培训, 补贴, 工匠, 证书 …) or a question of its own ("会不会保存",
  "what documents");
- **aside**: anything else, a reason or a feeling ("机器人说半天说不清楚", "等好久了", "我女儿要看").

The message means a word when a clause says it and no clause is content ("谢啦 那签到忘了咋办" asks about the
sign-in; "刚才那个问卷要是中途不填了，之前填的会不会保存啊" asks whether it is kept). Small talk alone (with
asides) is small talk. Measured on a blind set: ``bench/words.py``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from handlers.choices import normalize

# Small talk
THANKS, ACK, BYE, DONE = "thanks", "ack", "bye", "done"
DONT_KNOW = "dont_know"  # "不知道", "not sure": said where no step asks, it is no question to search
BOT = "bot"  # "你是机器人吗": asked whether a person is answering
# The words that work everywhere (and the flows of the last three)
LANGUAGE_ZH, LANGUAGE_EN = "language_zh", "language_en"
CANCEL, MENU, HUMAN, TICKETS, UNSUBSCRIBE = "cancel", "menu", "handoff", "mytickets", "unsubscribe"
STATUS = "status"  # one's application's progress (the status flow)
# One's own data (the privacy flows): what is kept, a copy, its deletion (which still asks to confirm).
MY_DATA, EXPORT_DATA, DELETE_DATA = "privacy", "export_data", "delete_data"
TALK = frozenset({THANKS, ACK, BYE, DONE, BOT, DONT_KNOW})
MESSAGE_MAX = 80  # characters (Chinese) or 160 (English): a longer message says more than a word
TALK_RUN_MAX = 16  # characters: a longer clause is no run of small-talk words ("好的谢谢再见")

# -- small talk words ---------------------------------------------------------------------------------------
_THANKS = ("谢谢", "谢谢你", "谢谢您", "谢谢啦", "谢啦", "谢了", "多谢", "多谢你", "多谢晒", "唔该", "唔该晒", "感谢", "感谢你",
           "感谢您", "非常感谢", "太感谢了", "十分感谢", "万分感谢", "辛苦了", "辛苦", "麻烦了", "麻烦你了", "谢谢你的帮助",
           "谢谢帮助", "谢谢解答", "谢谢你的解答", "谢谢您的解答", "谢谢回复", "谢谢老师", "salamat", "salamat po", "thanks po", "thanks", "thank you", "thank u",
           "thx", "ty", "tks", "many thanks", "thanks a lot", "thanks so much", "thank you so much", "thank you very much",
           "thanks for your help", "thanks for the help", "thank you for your help", "cheers", "appreciate it",
           "much appreciated")
_ACK = ("好", "好的", "对头", "对头的", "要得", "要得嘛", "好滴", "好嘞", "好吧", "好了", "嗯", "嗯嗯", "嗯呢", "哦", "哦哦", "噢", "喔", "知道了", "晓得了", "明白",
        "明白了", "了解", "了解了", "清楚了", "收到", "懂了", "行", "行吧", "可以", "是的", "是", "对", "对的", "没问题", "要得",
        "得", "知道咗", "明白咗", "收到晒", "晓得", "好哒", "okk", "ok", "okay", "k", "kk", "got it", "i see", "understood",
        "understand", "ok understand", "alright", "all right", "sure", "cool", "great", "fine", "yes", "yep", "yeah",
        "noted", "good")
_BYE = ("再见", "拜拜", "拜", "拜了", "88", "886", "回头见", "下次见", "再会", "告辞", "告辞了", "下次再聊", "我下了", "先这样",
        "走了", "我走了", "先走了", "下了", "先下了", "下线了", "下线", "回见", "明天见", "晚安", "good night", "bye", "bye bye", "goodbye", "see you", "see ya", "catch you later",
        "will catch you later", "have a good day", "have a nice day")
_DONE = ("没有了", "没了", "没有", "没事了", "没事", "不用了", "不用", "不需要了", "暂时没有", "就这些", "就这样", "没别的事了",
         "没别的了", "没啥了", "没得了", "没得啥子了", "莫得了", "莫得", "别的没啥了", "none", "没有其他问题了", "没有其他需要了", "暂时没有其他问题了", "冇啦", "暂时唔使",
         "no", "nope", "no thanks", "no thank you", "nothing", "nothing else", "that's all", "that is all",
         "i'm good", "im good", "all good")
_BOT = ("你是机器人吗", "你是机器人吧", "你是机器人", "是机器人吗", "机器人吗", "你是不是机器人", "是不是机器人", "你是真人吗",
        "是真人吗", "真人吗", "你是人吗", "你是人工吗", "是人工吗", "你是ai吗", "你是人工智能吗", "是自动回复吗", "自动回复吗",
        "有真人吗", "are you a bot", "are you a robot", "are you human", "are you a human", "are you a real person",
        "are you real", "are you ai", "are you an ai", "is this a bot", "is this a real person", "is this automated",
        "am i talking to a bot", "am i talking to a real person", "am i talking to a human", "bot?", "r u a bot",
        "r u a real person", "r u real", "r u human", "are u a bot", "are u a real person", "are u real", "are u human",
        "你叫什么名字", "你叫啥名字", "你叫啥", "你是哪个")
_DONT_KNOW = ("不知道", "我不知道", "我也不知道", "不清楚", "我不清楚", "不太清楚", "我不太清楚", "不晓得", "我不晓得", "我也不晓得", "我也不清楚", "不确定",
              "我不确定", "不太确定", "搞不清楚", "搞不清", "说不清", "说不清楚", "不懂", "我不懂", "没懂", "没看懂", "不明白",
              "i don't know", "i dont know", "don't know", "dont know", "not sure", "i'm not sure", "im not sure",
              "no idea", "idk", "dunno")
# Praise is acknowledged: "你好厉害" is no question about the measures.
_PRAISE = ("你好厉害", "好厉害", "厉害", "真厉害", "太厉害了", "真棒", "太棒了", "好棒", "棒", "真好", "给力", "牛", "很牛", "赞",
           "你好聪明", "好聪明", "真聪明", "聪明",
           "点赞", "good job", "great job", "well done", "awesome", "nice", "you're great", "you are great", "amazing")
_TALK_WORDS: dict[str, str] = {w: kind for kind, words in ((THANKS, _THANKS), (ACK, (*_ACK, *_PRAISE)), (BYE, _BYE),
                                                           (DONE, _DONE), (BOT, _BOT),
                                                           (DONT_KNOW, _DONT_KNOW))
                               for w in words}
_THANKS_SYMBOLS = frozenset("🙏💐🌹❤♥")
_PARTICLES = re.compile(r"[啊呀哈啦了哦噢么嘛呢吧咯喔～~]+$")
# Words said round small talk that add nothing: 亲 (dear), and the fillers of Filipino English.
_FILLERS = re.compile(r"^亲|亲$|(?:\s+(?:po|naman|na po|na|lah|pls|please))+$")

# -- what a clause is about ----------------------------------------------------------------------------------
# The measures' subjects (and the neighbouring ones people ask about): a clause naming one is content.
_TOPIC = re.compile(
    r"工匠|工作室|工作站|培训|补贴|补助|经费|资金|拨款|证书|拿证|考试|补考|课|开班|学员|学时|签到|申报材料|材料|条件|资格|公示|评审|"
    r"审批|审核|名额|截止|社保|工资|欠薪|加班|会费|会员|食堂|伙食|饭|发票|报销|表彰|称号|证明|评优|评委|专家|举报|挂牌|牌子|"
    r"技师|论文|岗位|手艺|派人|盯班|班车|领头人|带头人|撤牌|摘牌|撤销|命名|考不过|考没过|没考过|考砸|考核|"
    r"(?<!不)(?<!别)(?<!不想)(?<!不要)(?<!不打算)申(?:请|报)|"
    r"training|course|class|subsid|fund|certificat|exam|studio|workstation|craftsman|deadline|document|eligib|"
    r"canteen|salary|wage|insurance|union member|application|apply|applicant|hukou|attendance|title|award|prize|"
    r"patent|rule|station|leader|team|judge|review|committee|equity|material|company|morals")
# The subjects a cue may name itself ("退出这个申报流程", "abort this application").
_CUE_TOPIC = re.compile(r"申报|申请|资格|截止|我(?:报|交)的|我那个|application|eligib")
# A question of its own (once the cue's words are taken out).
_ASKS = re.compile(
    r"什么|啥|哪|多少|(?<![好前这那])几[点天次个号岁年时张位]|为什么|为啥|是否|会不会|要不要|能不能|可不可以|有没有|是不是|怎么|咋|如何|多久|"
    r"(?!烦不烦|累不累)(.)不\1|吗|还是|不$|\?|？|"
    r"\b(?:what|which|when|where|why|who|whom|how|whether)\b|want to know|wondering|\bif (?:i|we) can\b|"
    r"\b(?:don'?t|do not) want to (?:cancel|stop|quit)\b|"
    r"^(?:is|are|does|do|did|will|would|should|may|can|could|shouldn'?t|isn'?t|aren'?t)\b")

# Questions no cue carries: found inside a cue's match too ("工单一般多久会有回复" asks how long).
_NEVER_A_CUE = re.compile(r"多久|什么(?!状态|情况|进度|阶段)|啥(?!子)|多少|为什么|为啥|会不会|一般|是否|(?<![好前这那])几[点天次个号岁年时张位]|"
                          r"\b(?:how long|how much|how many|when|why|which)\b")
# "怎么回首页", "how do I get back to the menu": asking how to do what the word does is asking for it (not for a
# cancel: "取消了怎么恢复" asks something else).
_HOW = re.compile(r"怎么|咋个?|如何|\bhow (?:do|can|could) (?:i|we)\b|\bhow to\b|\bwhat(?:'s| is)(?: the)?\b|"
                  r"\bwhat i (?:asked|sent|submitted)\b")
_HOW_ASKS_FOR = frozenset({"language", MENU, HUMAN, UNSUBSCRIBE, TICKETS, STATUS})
# The words a request is wrapped in ("能不能…", "…可以吗", "please…"): no question of their own.
_WRAPPERS = re.compile(r"请问|唔该|能不能|可不可以|可唔可以|能否|可以吗?|行吗|好吗|行不行|好不好|吗|呢|嘛|\?|？|麻烦(?:你|您)?|请|帮我|"
                       r"^\s*能|(?<=[\u4e00-\u9fff])\s*不\s*$|"
                       r"\b(?:please|pls|kindly|just|po|naman|salamat|can you|could you|can u|would you|can i|could i|may i|"
                       r"can we|could we|i would prefer(?: that)?(?: you)?|i would like to|i request to)\b")
# What a question round a cue says beyond it: characters other than pronouns and particles.
_CONTENT = re.compile(r"[\u4e00-\u9fff](?<![我你您他她它的了个这那们吗呢吧啊呀嘛哦])")
CONTENT_MAX = 5
_LANG_WORD = r"(简体中文|中文|中问|汉语|普通话|华语|中国话|国语|英文|英语|english|chinese|mandarin)"
_LANG_CODES = {"简体中文": "zh", "中文": "zh", "中问": "zh", "汉语": "zh", "普通话": "zh", "华语": "zh", "中国话": "zh",
               "国语": "zh", "english": "en", "英文": "en", "英语": "en", "chinese": "zh", "mandarin": "zh"}
# Cues, searched in a clause: each takes the words of its own question with it ("能不能讲中文", "咋还没人理").
_CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("language", re.compile(
        r"(?:能不能|可不可以|可唔可以|可以|能否|请|麻烦|劳驾|帮我)?(?:以后|从现在起|今后)?(?:都|全部)?"
        r"(?:用|说|讲|要|换成?|换回|切换(?:到|成|为)?|改(?:成|用|为|回)?|转(?:成|做|返|回)?|设(?:置)?(?:成|为)?|弄成|回复?我?用?)"
        r"(?:回)?" + _LANG_WORD + r"(?:的|版|模式|界面|回复|回答|说|讲|交流)?|"
        + _LANG_WORD + r"(?:版|模式|界面)|^" + _LANG_WORD + r"(?:" + _LANG_WORD + r")*$|"
        r"(?:(?:can|could|would) (?:you|u) )?(?:please )?(?:switch|change|set|go|turn)(?: (?:it|the|language|back|over))*"
        r" (?:to|into) " + _LANG_WORD + r"|(?:(?:can|could|would) (?:you|u) |please )*(?:speak|talk|reply|respond|answer|"
        r"write|use)(?: to me)? (?:in )?" + _LANG_WORD + r"|do (?:you|u) speak " + _LANG_WORD + r"|"
        r"(?:in )?" + _LANG_WORD + r" please|" + _LANG_WORD + r" (?:please|pls|mode|version|language)|"
        + _LANG_WORD + r" only(?: from now(?: on)?)?|(?:communicate|talk|write|reply|respond|speak)(?: to me)? in "
        + _LANG_WORD)),
    ("not_understood", re.compile(
        r"(?:看不懂|不懂|不会|听不懂|不认得|不认识|睇得好辛苦|睇唔明|看不明白)" + _LANG_WORD + r"?|"
        + _LANG_WORD + r"(?:我)?(?:实在|真的|根本)?(?:看不懂|不懂|不认得|睇得好辛苦|睇唔明)|"
        r"(?:i )?(?:don'?t|do not|can'?t|cannot) (?:read|understand|speak)(?: much)? " + _LANG_WORD)),
    (UNSUBSCRIBE, re.compile(
        r"退[订定]|unsub(?:scribe|cribe)?\b|取消(?:我)?(?:订阅)?(?:的)?(?:所有|全部)?[^，,]{0,6}(?:提醒|通知|推送|订阅)|"
        r"(?<!要)(?:不要|别|不用|不必|莫要?|唔好)(?:再)?(?:给(?:我|老朽|本人))?(?:发|推送?|send|提醒)(?:给我|我)?"
        r"(?:消息|通知|提醒)?|(?:提醒|通知)[^，,]{0,4}(?:关|不想收|不要收)|(?:不想|不要)(?:再)?收(?:到)?(?:提醒|通知|消息)?了?|"
        r"(?:提醒|通知|推送|消息)[^，,]{0,8}(?:关掉|关了|不要了|去掉|停了|停掉)|(?:关掉|关闭|关了)(?:所有)?(?:消息)?(?:提醒|通知|推送)|"
        r"不再需要(?:这些)?(?:提醒|通知|消息)|"
        r"从(?:提醒|通知)名单里?(?:去掉|删掉|拿掉)|unsubscribe|opt (?:me )?out|"
        r"stop (?:sending (?:me )?(?:the |these |all |your )?(?:messages|reminders|notifications|alerts)?|messaging me|"
        r"texting me|(?:the |these |all |your )?(?:messages|reminders|notifications|alerts))|turn off (?:these |the |all |my )?(?:alerts|notifications|reminders)|"
        r"no more notifications?(?: to me)?|"
        r"(?:don'?t|no longer|do not) (?:want|wish|need) (?:to (?:receive|get) )?(?:these|the|any|your)? ?(?:more )?"
        r"(?:messages|notifications|reminders)|no more (?:messages|reminders|notifications)|remove me")),
    (TICKETS, re.compile(
        r"(?:问题|工单|留言|留的言|咨询|事情|事项|那个事|问的那个|请求|单子)[^，,]{0,10}?(?:有没有人?|有冇人|有人)?"
        r"(?:回复|答复|回|理|看到|看|处理|进度|办理|覆|状态)"
        r"(?:得|到)?(?:进度)?(?:怎么样了?|如何|到?哪一?步了?|了没有?|没有|了吗|没)?|(?:有没有|有无)(?:人)?(?:答复|回复|回音)|"
        r"(?:人工|工作人员|办事员|经办人|工会的人|clerk)[^，,]{0,6}(?:回|答复|回复|看到)(?:了)?(?:没得|没|吗|没有)?|"
        r"(?:尚未|还没|没|未)(?:结案|办结|处理完)的?(?:询问|咨询单?|问题|单子|工单|请求)|"
        r"(?:看|查)(?:下|一下|看)?我(?:提|提交|交)的(?:那些|那几个)?(?:单子|咨询|问题|留言)|"
        r"^(?:现在)?(?:处理|办理?)(?:到|得)(?:哪一?步|怎么样)了?$|"
        r"(?:咋|怎么)?还?没(?:有)?人(?:理|回)|有人回复我|有(?:人)?(?:回复|答复|回)了?(?:吗|没有?)|"
        r"^(?:有)?(?:人)?回(?:复)?了(?:没有?|吗)$|我(?:的|提交的)工单|(?:看|查)(?:哈|下|一下)?我(?:提交|问)的|"
        r"没处理完的(?:请求|问题|工单)|"
        r"(?:has|did|have) (?:the |a |any )?(?:clerk|staff|anyone|someone|somebody|the union)[^,.]{0,20}"
        r"(?:answer|repl|respond|look)|(?:any )?(?:update|news|reply|answer) (?:on|to|about|for) (?:the |my )"
        r"(?:ticket|question|request|message|query)|my (?:open )?(?:requests|tickets)|(?:show|see|check) my (?:open )?"
        r"(?:requests|tickets)|status of (?:the |my )(?:pending |open |earlier )?(?:tickets?|requests?|query|question)|"
        r"(?:see|list|show)(?: me)? (?:the list of |all )?(?:my )?(?:requests|tickets|questions) i'?ve (?:submitted|sent)|"
        r"(?:my|the) (?:earlier |previous |last )?(?:inquiry|enquiry|question|request|ticket|message)[^,.]{0,30}"
        r"(?:answered|replied|looked at)|^any (?:reply|answer|news|update)(?: yet| or not)?$")),
    (STATUS, re.compile(
        r"我(?:们)?的?(?:那个|这个)?(?:申请|申报|报名|评选|案件|案子)[^，,]{0,6}?(?:到|走到|办到|弄到|进行到|在)?"
        r"(?:哪一?步|什么阶段|哪个阶段|哪一关|怎么样|咋个?样)了?$|"
        r"我(?:们)?的?(?:申请|申报)(?:的)?(?:进度|状态|进展|结果)|"
        r"(?:查|看|问)(?:一下|一哈|下|哈)?我(?:们)?的?(?:申请|申报)(?:进度|状态|进展|情况|结果)?|^我(?:们)?的(?:申请|申报)$|"
        r"我(?:报|申报|申请|交)的(?:那个|这个)?[^，,]{0,6}?(?:咋个?样了?|怎么样了?|到哪一?步了?|有(?:没有)?结果了?|"
        r"批了?没|过了?没|评上了?没|有消息了?没)|"
        r"(?:where|how) (?:is|are) my (?:application|case|nomination)s?|(?:status|progress) of my "
        r"(?:application|case|nomination)|(?:my )?application(?:'s)? (?:status|progress)|my (?:case|nomination)(?:'s)? "
        r"(?:status|progress)|(?:check|see|track|follow)(?: on| up on)? my (?:application|case)|^status$|"
        r"^my applications?$|how'?s my (?:application|case|nomination)|(?:any )?(?:news|update) (?:on|about|of) my "
        r"(?:application|case|nomination)|what stage is my (?:application|case)|has my [^,.]{0,30}?"
        r"(?:application|nomination) been (?:approved|accepted|reviewed|rejected|decided)|"
        r"(?:申请|申报)[^，,]{0,4}有(?:没有)?(?:消息|结果|进展)了?(?:没得|没有|没|吗)?$|"
        r"我(?:那个|的)[^，,]{0,6}?(?:评上|批下来|通过|选上)了?(?:没得|没有|没|吗)$")),
    (HUMAN, re.compile(
        r"(?:找|转|转接|接|联系|叫|喊|换|让|要|跟|和|同|请|转个|搵|揾)[^，,]{0,10}"
        r"(?:人工(?!智能)|客服|真人|活人|工作人员|同志|办事员|经办人员?|real person|human|agent|staff|union officer)|"
        r"有没有(?:活人|真人|人工|工作人员)(?:在)?|"
        r"(?:找|叫|喊|联系|转)(?:一)?个人(?:来)?|(?:找|联系|转)工会的人|"
        r"(?:人工(?!智能)|客服|真人)(?:服务)?(?:在吗|在不在|呢)?$|"
        r"(?:talk|speak|chat|discuss)(?: directly)? (?:to|with) (?:a |an |the |some |one of the |someone from |"
        r"a member of )?(?:real |actual |live |human )?(?:person|human|people|agent|staff|staff member|someone|somebody|"
        r"clerk|operator|officer|union officers?)|is there (?:an? )?(?:real |actual |live )?(?:human|person)|"
        r"is there (?:someone|somebody|anyone)(?: from the union)?(?: (?:i|we) can (?:chat|talk|speak) (?:with|to)|$)|"
        r"(?:be )?connected to (?:a |an |the )?(?:real |human |live )?(?:person|human|staff|staff member|clerk|agent)|"
        r"(?:(?:connect|put|transfer)(?: me)?|get me|(?:can|could|may) (?:i|we) (?:get|have|reach)|"
        r"i (?:want|need|would like|'d like)) (?:to |through to |with )?(?:a |an |the |one of the |some )?"
        r"(?:real |actual |live |human |responsible )?(?:person|human|agent|staff|staff member|someone|clerk|operator|officer|"
        r"union officers?)|"
        r"(?:a |an )?(?:real|actual|live) (?:person|human)|(?:an? )?(?:agent|operator|human) please|speak with staff|"
        r"not (?:a )?(?:robot|bot)")),
    (DELETE_DATA, re.compile(
        r"(?:把|将)?我的?(?:个人)?(?:信息|数据|资料|记录)[^，,]{0,4}(?:都|全部|全)?(?:删|删除|删掉|清除|清空|注销)|"
        r"(?:删|删除|删掉|清除|清空)(?:掉)?我的?(?:所有|全部)?(?:个人)?(?:信息|数据|资料|记录)|"
        r"(?:delete|erase|remove|wipe)(?: all)?(?: of)? my (?:personal )?(?:data|info|information|stuff|records|details)")),
    (EXPORT_DATA, re.compile(
        r"(?:把|将)?我的?(?:个人)?(?:信息|数据|资料)[^，,]{0,4}(?:导出|发给我|发我|给我一份)|"
        r"(?:导出|下载)我的?(?:个人)?(?:信息|数据|资料)|"
        r"(?:send|give|export|download)(?: me)? (?:a copy of )?(?:all )?my (?:personal )?(?:data|info|information|records)")),
    (MY_DATA, re.compile(
        # kept of me, or by you: "要存哪些资料" asks what a class's records must keep (第二十条)
        r"(?:(?:你们?|您)(?:存|保存|留|收集|记录|掌握)了?(?:我的?)?|(?:存|保存|留|收集|记录|掌握)(?:了(?:我的?)?|我的?))"
        r"(?:哪些|什么|啥)(?:个人)?(?:信息|数据|资料)|"
        r"我的?(?:个人)?(?:信息|数据|资料)[^，,]{0,6}(?:存|保存|收集|记录)(?:了)?(?:哪些|什么|啥|在哪)|"
        r"what (?:personal )?(?:data|information|info) (?:do|did|have) you (?:keep|have|store|hold|collect|kept|stored)|"
        r"what do you (?:know|keep|store|have) about me|(?:data|information) (?:do )?you (?:keep|have|store|hold) (?:about|on) me")),
    (CANCEL, re.compile(
        r"取消|(?:不|莫|别)(?:想|要|打算)?(?:填|做|弄|答|问|申请|申报|报|搞|测|继续|往下)了|别(?:再)?(?:往下)?(?:问|填)了|"
        r"停(?:一下|掉|止|下|了)|中止|终止|退出|作废|算了|不要了|不玩了|不搞了|不办了|(?:这一步|这步|它)撤了|暂不提交|"
        r"(?:退出|取消|停止|中止)(?:这个|当前|本次|刚才的?)?(?:申报|申请|报名|填报|资格)?(?:流程|问卷|表格?|检查|测试|自测)|"
        r"(?:quit|stop|abort|cancel|exit|leave|discontinue)(?: the| this| my)?(?: current)?(?: eligibility| application)?"
        r"(?: check| form)? (?:check|form|questionnaire|survey|test|application|procedure|process)|quit|stop (?:this|it)|^stop$|abort|cancel|never ?mind|nvm|forget it|"
        r"give up|"
        r"i don'?t want to continue")),
    (MENU, re.compile(
        r"(?:回到?|返回|退回|去|带我回到?|给我看下?)(?:最初的?|最)?(?:首页|主页|主菜单|菜单|主选单|选单|主界面|主页面|开头|开始|"
        r"最开始|最开头|起点|那个菜单)(?:画面|界面)?|主菜单|主选单|首页|重新开始|从头(?:开始|再来)|"
        r"(?:back|return|go back|take me back|take me|go|get back) (?:me )?to (?:the )?(?:home|start|beginning|main menu|"
        r"menu|home screen|home page|first screen|initial menu|first menu)|^(?:main )?menu$|back to home|"
        r"go home(?: screen)?|^home(?: screen| page)?$|start over|restart|main page")),
)
# When clauses say different words: one's tickets first ("上次转人工留的言 办事员看到没" asks about the answer), a
# person, the language, the reminders.
_ORDER = (TICKETS, STATUS, HUMAN, LANGUAGE_ZH, LANGUAGE_EN, UNSUBSCRIBE, DELETE_DATA, EXPORT_DATA, MY_DATA, CANCEL, MENU)
# A complaint about the assistant or the language it speaks ("这个机器人咋个说不清楚嘛", "你咋突然蹦英文了"): an
# aside, though it asks "why" (it asks nothing the measures answer).
_COMPLAINT = re.compile(r"机器人|bot\b|robot|(?:咋个?|怎么|为什么|为啥|why)[^，,]{0,8}(?:英文|英语|中文|洋文|chinese|english)|"
                        r"烦不烦|(?:绕|转)了半天")
_CLAUSES = re.compile(r"[，,。.!！?？;；、~～…—\n]+|(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])")


def _is_symbol(ch: str) -> bool:
    return unicodedata.category(ch) in ("So", "Sk", "Mn", "Cf") or ch in "\u200d\ufe0f"


# Emoji and the marks that join them: taken out of a clause before it is read.
_SYMBOLS = re.compile(r"[\u2190-\u21ff\u2300-\u23ff\u2460-\u27bf\u2b00-\u2bff\u3030\u303d\u3297\u3299"
                      r"\ufe00-\ufe0f\u200b-\u200f\u20e3\U0001f000-\U0001faff]")


def _talk(clause: str) -> str | None:
    """The small-talk kind of a whole clause ("谢谢你啊", "ok thanks", "好的谢谢"), or None."""
    clause = _FILLERS.sub("", clause).strip() or clause
    kind = _TALK_WORDS.get(clause) or _TALK_WORDS.get(_PARTICLES.sub("", clause))
    if kind is not None:
        return kind
    if len(clause) > TALK_RUN_MAX:
        return _said_in_a_sentence(clause)
    pieces = clause.split() if clause.isascii() else list(clause)
    joiner = " " if clause.isascii() else ""
    kinds: list[str] = []
    i = 0
    while i < len(pieces):
        for size in range(min(6, len(pieces) - i), 0, -1):
            word = joiner.join(pieces[i:i + size])
            if word in _TALK_WORDS and (clause.isascii() or not word.isascii()):
                kinds.append(_TALK_WORDS[word])
                i += size
                break
        else:
            if not clause.isascii() and _PARTICLES.fullmatch(pieces[i]):  # "我下了啊再见"
                i += 1
                continue
            return _said_in_a_sentence(clause)
    return _strongest(kinds)


_THANKING = re.compile(r"谢|感谢|thank(?!s to)|thx|appreciate")
_LEAVING = re.compile(r"再见|拜拜|告辞|下次见|\b(?:good)?bye\b|see you|catch you later")
# "nothing else", in a sentence of its own: "莫得啥子要问的了", "暂无其他事项", "That will be all", "no more queries".
_NOTHING_MORE = re.compile(
    r"^(?:我|老朽|本人|咱)?(?:也)?(?:暂时|暂|目前|现在)?(?:没有|没|莫得|冇|木有|无|别无)(?:得)?(?:别的|其他|其它|啥子?|嘢|什么|他|哪样)?"
    r"(?:事|问题|事项|要问的|需要|需求|要办的)?(?:了|啦|喇|咯)?$|"
    r"^i have no (?:further|more|other) (?:questions?|queries)$|"
    r"^(?:that(?:'s| is| will be| would be)|this is) (?:it|all)$|^nothing (?:else|more)(?: for now)?$|"
    r"^no (?:more|other|further) (?:questions?|queries|query)(?: for now)?$")


def _said_in_a_sentence(clause: str) -> str | None:
    """Thanks or a goodbye in a sentence of one's own ("非常感谢您的耐心解答", "Many thanks for your help"), when
    it asks nothing and names none of the measures' subjects."""
    if _NOTHING_MORE.search(_PARTICLES.sub("", clause)):  # ("莫得啥子要问的了": its 啥 asks nothing)
        return DONE
    if _ASKS.search(clause) or _TOPIC.search(clause) or any(ch.isdigit() for ch in clause):
        return None
    if _LEAVING.search(clause):
        return BYE
    return THANKS if _THANKING.search(clause) else None


def _strongest(kinds: list[str]) -> str | None:
    """Whether a person answers is answered; a goodbye ends it, thanks is thanked, "没有了" answers "anything
    else?"; then an acknowledgement."""
    return next((k for k in (BOT, BYE, THANKS, DONE, DONT_KNOW, ACK) if k in kinds), None)


def _word(clause: str) -> str | None:
    """The word a clause says, or None: the first cue found, when what it leaves names none of the measures'
    subjects and asks nothing ("退出这个申报流程" cancels; "培训班报名以后还能取消吗" asks)."""
    if _TOPIC.search(clause) and not _CUE_TOPIC.search(clause):
        return None  # a subject no cue names: whatever cue it holds, it is content (and most questions stop here)
    for what, cue in _CUES:
        m = cue.search(clause)
        if m is None:
            continue
        if _NEVER_A_CUE.search(m.group()):
            return None
        rest = cue.sub(" ", clause)
        after = clause[m.end():]
        if what in _HOW_ASKS_FOR:
            rest = _HOW.sub(" ", rest)
        stripped = _WRAPPERS.sub(" ", rest).strip()
        if _TOPIC.search(stripped) or _ASKS.search(stripped) or _NEVER_A_CUE.search(stripped):
            return None
        if re.search(r"吗|？|\?|不$", after) and len(_CONTENT.findall(_WRAPPERS.sub(" ", after))) >= CONTENT_MAX:
            return None  # "退订了提醒之后还能重新订阅吗": a question after the cue
        if what in ("language", "not_understood"):
            code = _LANG_CODES.get(next((g for g in m.groups() if g), ""))
            if code is None:
                return None
            if what == "not_understood":
                code = "zh" if code == "en" else "en"
            return LANGUAGE_ZH if code == "zh" else LANGUAGE_EN
        return what
    return None


@lru_cache(maxsize=256)
def meaning(text: str) -> str | None:
    """What the whole message says, if it is one of the words that work everywhere (LANGUAGE_ZH, LANGUAGE_EN,
    CANCEL, MENU, HUMAN, TICKETS, UNSUBSCRIBE) or small talk (THANKS, ACK, BYE, DONE); None for a question or
    anything else (see the module's docstring)."""
    key = normalize(text)
    if not key or len(key) > MESSAGE_MAX * (2 if key.isascii() else 1):
        return None
    if all(_is_symbol(ch) or ch.isspace() for ch in key):  # 👍, 🙏
        return THANKS if any(ch in _THANKS_SYMBOLS for ch in key) else ACK
    if not key.isascii():
        key = _simplified(key)  # 謝謝, 轉人工
    words: list[str] = []
    talk: list[str] = []
    asides = 0
    for raw in _CLAUSES.split(key):
        clause = " ".join(_SYMBOLS.sub("", raw).split()).strip(" '\"“”")
        if not clause:
            continue
        if _TALK_WORDS.get(_PARTICLES.sub("", clause)) == BOT:  # "r u a real person": asked, not asking for one
            talk.append(BOT)
        elif (word := _word(clause)) is not None:  # (before small talk: "唔该用中文同我讲" asks for Chinese)
            words.append(word)
        elif (kind := _talk(clause)) is not None:
            if asides and (kind == ACK or clause in ("no", "没有", "不", "nope")):
                return None  # "拿我的名字挂门上那种，可以吧", "judge is my brother-in-law, ok?": asking
            talk.append(kind)
        elif _TOPIC.search(clause) or (_ASKS.search(clause) and not _COMPLAINT.search(clause)) \
                or any(ch.isdigit() for ch in clause):
            return None  # content: a question of its own, or a subject of the measures
        else:
            asides += 1
    if words:
        return next(w for w in _ORDER if w in words)
    return _strongest(talk)


def _simplified(text: str) -> str:
    """Traditional characters as simplified (謝謝, 轉人工), converted only when there is one."""
    if not any(ch in _traditional() for ch in text):
        return text
    from knowledge.search.text import _zhconv

    return str(_zhconv().convert(text, "zh-cn"))


@lru_cache(maxsize=1)
def _traditional() -> frozenset[str]:
    """The characters zhconv writes otherwise in simplified Chinese (its table, loaded once)."""
    from knowledge.search.text import _zhconv

    _zhconv()
    from zhconv.zhconv import getdict

    return frozenset(k for k, v in getdict("zh-cn").items() if len(k) == 1 and v != k)


@lru_cache(maxsize=256)
def without_talk(text: str) -> str:
    """``text`` without the small talk before and after its question ("好的，那培训补贴多少钱" -> "那培训补贴多少钱",
    "Got it. And who approves it?" -> "And who approves it?"): what the FAQ searches. Unchanged when nothing else
    is left, or when it has no small talk."""
    parts = _CLAUSES.split(text)
    seps = _CLAUSES.findall(text)

    def talk(part: str) -> bool:
        clause = " ".join(_SYMBOLS.sub("", normalize(part)).split())
        return not clause or _talk(clause) is not None

    first, last = 0, len(parts)
    while first < last and talk(parts[first]):
        first += 1
    while last > first and talk(parts[last - 1]):
        last -= 1
    if first == last or (first == 0 and last == len(parts)):
        return text
    out = parts[first]
    for i in range(first + 1, last):
        out += seps[i - 1] + parts[i]
    if last - 1 < len(seps) and ("?" in seps[last - 1] or "？" in seps[last - 1]):
        out += seps[last - 1].strip()  # the question's own mark
    return out.strip()


def names_a_subject(text: str) -> bool:
    """``text`` names one of the measures' subjects (training, a studio, a certificate, a deadline ...)."""
    return _TOPIC.search(text.lower()) is not None


def asked_language(text: str) -> str | None:
    """"zh" or "en" when the message asks for that language."""
    said = meaning(text)
    return "zh" if said == LANGUAGE_ZH else "en" if said == LANGUAGE_EN else None


def asked_word(text: str) -> str | None:
    """CANCEL, MENU (global words), HUMAN, TICKETS, STATUS, UNSUBSCRIBE or one's data (the flows they open) when the
    message says it."""
    said = meaning(text)
    return said if said in (CANCEL, MENU, HUMAN, TICKETS, STATUS, UNSUBSCRIBE, MY_DATA, EXPORT_DATA, DELETE_DATA) \
        else None


def small_talk(text: str) -> str | None:
    """THANKS, ACK, BYE, DONE, BOT or DONT_KNOW when the message is only that (with asides)."""
    said = meaning(text)
    return said if said in TALK else None
