"""A short follow-up that is not understood alone ("那要交钱吗"), or that names no programme after a question
that did ("要交什么材料" after "云岭工匠怎么申报"), is read together with the person's previous question, and the
reply says so; alone, or as a first message, it gets what any question gets (an answer, "which programme",
or an honest abstention)."""

from __future__ import annotations

NOT_FOUND = "没有找到相关规定"


def test_a_follow_up_is_read_with_the_previous_question(person) -> None:  # type: ignore[no-untyped-def]
    p = person("f1")
    p.say("云岭工匠怎么申报")
    p.say("要交什么材料")
    assert NOT_FOUND not in p.text and "结合您上一个问题" in p.text
    assert "附件1" in p.text and "附件2" in p.text  # the materials to submit (craftsman art. 10)


def test_a_follow_up_without_a_previous_question_asks_which_programme(person) -> None:  # type: ignore[no-untyped-def]
    p = person("f2")
    p.say("要交什么材料")  # each award has its own list of materials: it asks, offering all three
    assert "结合您上一个问题" not in p.text and "您问的是哪一项" in p.text
    assert {"云岭工匠", "职工创新工作室", "职工技师工作站"} <= {c.label for c in p.last.choices}


def test_a_long_message_stands_on_its_own(person) -> None:  # type: ignore[no-untyped-def]
    p = person("f3")
    p.say("云岭工匠怎么申报")
    p.say("那我们公司今年的年终奖和十三薪到底应该按照什么标准来发放才合理呢")
    assert "结合您上一个问题" not in p.text


def test_an_english_follow_up(person) -> None:  # type: ignore[no-untyped-def]
    p = person("f4", locale="en")
    p.say("How do I apply to be a Yunling Craftsman?")
    p.say("and what documents?")
    assert "previous question" in p.text and "Annex 1" in p.text


def test_a_follow_up_on_another_subject_is_not_answered_with_the_previous_answer(person) -> None:  # type: ignore[no-untyped-def]
    p = person("f5")
    p.say("云岭工匠怎么申报")
    p.say("那加班费怎么算")
    assert "结合您上一个问题" not in p.text and "线上线下同步申报" not in p.text


def test_a_follow_up_naming_only_another_programme_asks_it_the_same_question(person) -> None:  # type: ignore[no-untyped-def]
    """"那创新工作室呢" after "评上云岭工匠给多少钱" asks the studio's money (工作室 第二十七条), "技师工作站呢" the
    station's, each saying how it was read; an answer from another programme's measure is not given as one."""
    p = person("f9")
    p.say("评上云岭工匠给多少钱")
    p.say("那创新工作室呢")
    labels = [c.label for r in p.replies for c in r.citations]
    assert "按“评上创新工作室给多少钱”理解" in p.text and any("创新工作室选树管理办法》第二十七条" in x for x in labels), p.text
    p.say("技师工作站呢")  # after a follow-up of the same kind: the question before it
    labels = [c.label for r in p.replies for c in r.citations]
    assert any("技师工作站选树管理办法》第二十七条" in x for x in labels), p.text
    q = person("f10")
    q.say("云岭工匠有年龄限制吗")
    q.say("那技师工作站呢")
    assert any("技师工作站选树管理办法》第十条" in c.label for r in q.replies for c in r.citations), q.text
    assert "55" in q.text


def test_an_english_follow_up_naming_another_programme_reads_as_a_sentence(person) -> None:  # type: ignore[no-untyped-def]
    p = person("f11", locale="en")
    p.say("is there an age limit for Yunling Craftsman?")
    p.say("and for the workstation?")
    assert "Read as: “is there an age limit for technician workstation?”" in p.text, p.text
    assert any("Art. 10" in c.label for r in p.replies for c in r.citations)


def test_questions_of_no_programme_after_one_of_a_programme_are_about_it(person) -> None:  # type: ignore[no-untyped-def]
    """No follow-up word, yet "which programme?" alone (the studio's 第四条 and 第十条 have their like in the other
    measures): after questions of one programme, that programme's, said as such; the same article again where it
    answers ("一批最多几个" is in 第四条 as "几年评一次" was). A question the measures do not answer stays unanswered."""
    from handlers.answering import answer

    assert answer("一批最多几个", contact="x").outcome == "which"  # (else this tests nothing)
    p = person("f6")
    p.say("创新工作室几年评一次")
    for question, article in (("一批最多几个", 4), ("团队要几个人", 10), ("材料交给哪个", 13)):
        p.say(question)
        assert "结合您上一个问题“创新工作室几年评一次”" in p.text, p.text
        assert [(c.measure, c.article) for c in p.replies[-1].citations][:1] == [("studio", article)], p.text
    p.say("加班费怎么算")
    assert "结合您上一个问题" not in p.text and NOT_FOUND in p.text
    q = person("f7")
    q.say("云岭工匠一年评几个")
    q.say("我年纪50多了还能报不")
    assert "不设年龄限制" in q.text and "结合您上一个问题" in q.text, q.text


def test_english_questions_of_no_programme_after_one_of_a_programme_are_about_it(person) -> None:  # type: ignore[no-untyped-def]
    p = person("f8", locale="en")
    p.say("How often are innovation studios named?")
    p.say("How many people does the team need?")  # 35 characters, 7 words: short in English
    assert "previous question" in p.text, p.text
    assert [(c.measure, c.article) for c in p.replies[-1].citations][:1] == [("studio", 10)], p.text


def test_a_question_answered_from_another_programme_after_ones_of_training_is_about_training(person) -> None:  # type: ignore[no-untyped-def]
    """A clerk asking about training classes, then "what do I need to fill in?", was given the craftsman's
    annexes (工匠 第十条): alone, the search put that first. After a question of one programme, a short one
    that names none is that programme's where it answers it (the training measure's annexes)."""
    from handlers.answering import answer

    alone = answer("what do I need to fill in?", contact="x").result.hits
    assert alone and alone[0].measure != "training"  # (else this tests nothing)
    p = person("f12", locale="en")
    p.say("how do we apply to run a union-funded training class?")
    p.say("what do I need to fill in?")
    assert "previous question" in p.text, p.text
    assert [c.measure for c in p.replies[-1].citations][:1] == ["training"], p.text
    q = person("f13")
    q.say("工会的技能培训班怎么报批")
    q.say("要填啥表")
    assert [c.measure for c in q.replies[-1].citations][:1] == ["training"], q.text
    r = person("f14", locale="en")  # a question the other programme alone answers stays its answer
    r.say("how do we apply to run a union-funded training class?")
    r.say("how many craftsmen are named each year?")
    assert [c.measure for c in r.replies[-1].citations][:1] == ["craftsman"], r.text
