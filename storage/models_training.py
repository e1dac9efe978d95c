"""Tables of the skills-training fund: classes (附件3 审批表), their sessions, the real-name roster
(附件4, with the employment outcome of 附件6) and sign-in records (第十九条).

ID numbers and phones are stored encrypted (``*_enc``) with keyed hashes for look-ups (``*_hash``);
see :mod:`storage.crypto`. Dates and clock times of sessions are local (Asia/Shanghai) wall time.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models import When


class TrainingClass(SQLModel, table=True):
    """One class as approved on 附件3 (一班一审批, 第十八条). ``categories`` is JSON {category key: count}."""

    __tablename__ = "training_class"
    __table_args__ = (UniqueConstraint("request_key", name="uq_training_class_request_key"),)
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True)  # short, typed by trainees: "KM2603"
    unit: str = Field(max_length=100, index=True)  # the union unit that owns (and approves) the class
    project: str = Field(max_length=16)  # "upgrade" | "poverty"
    training_unit: str = Field(max_length=200)  # 培训单位
    training_unit_address: str = Field(default="", max_length=200)  # 培训单位地址
    class_address: str = Field(default="", max_length=200)  # 培训班地址
    responsible_person: str = Field(default="", max_length=50)  # 负责人
    responsible_phone_enc: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    head_teacher: str = Field(default="", max_length=50)  # 班主任
    head_teacher_phone_enc: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    trade: str = Field(max_length=100)  # 培训专业/工种
    level: str = Field(default="", max_length=30)  # 培训等级
    men: int = 0
    women: int = 0
    categories: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    start_date: date
    end_date: date
    total_hours: int = 0  # 总课时
    status: str = Field(default="pending", max_length=12)  # pending | approved
    approved_by: str = Field(default="", max_length=100)
    approved_at: datetime | None = When()
    created_by: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = When(default_now=True)
    # The web console's form token: a form sent twice (a double click, a retry) creates one class.
    request_key: str | None = Field(default=None, max_length=64)


class ClassFormDraft(SQLModel, table=True):
    """A class form (附件3) a clerk left before saving it ("保存", "菜单", another function, an idle chat): its
    answers as the conversation held them (phones encrypted), one per clerk, until the clerk goes on with it,
    registers a class or lets it age out under the retention policy."""

    __tablename__ = "class_form_draft"
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", unique=True)
    unit: str = Field(max_length=100)  # the clerk's unit when it was left
    answers: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    updated_at: datetime = When(default_now=True, index=True)


class ClassSession(SQLModel, table=True):
    """One teaching session. ``code_secret`` keys the rotating sign-in code shown by the teacher."""

    __tablename__ = "class_session"
    id: int | None = Field(default=None, primary_key=True)
    class_id: int = Field(foreign_key="training_class.id", index=True)
    day: date
    start: time
    end: time
    place: str = Field(default="", max_length=200)
    code_secret: str = Field(max_length=64)


class Enrolment(SQLModel, table=True):
    """A roster line of 附件4 plus the employment outcome of 附件6.

    ``person_id`` is set when the trainee first signs in and proves the ID number (binding the chat
    identity); one person has at most one entry per class and one entry is bound to at most one person.
    """

    __tablename__ = "enrolment"
    __table_args__ = (
        UniqueConstraint("class_id", "id_hash", name="uq_enrolment_class_id"),
        UniqueConstraint("class_id", "person_id", name="uq_enrolment_class_person"),
    )
    id: int | None = Field(default=None, primary_key=True)
    class_id: int = Field(foreign_key="training_class.id", index=True)
    name: str = Field(max_length=50)
    sex: str = Field(max_length=2)  # 男 | 女
    id_enc: str = Field(sa_column=Column(Text, nullable=False))
    id_hash: str = Field(max_length=64, index=True)
    id_tail_hash: str = Field(max_length=64, index=True)  # keyed hash of the last 6 characters, for binding
    unit: str = Field(default="", max_length=100)
    category: str = Field(max_length=20)  # knowledge.rules.training.CATEGORIES key
    trade: str = Field(default="", max_length=100)
    phone_enc: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    prior_level: str = Field(default="", max_length=20)  # level held before the class (for promotions)
    cert_level: str = Field(default="", max_length=20)  # 取证等级
    hr_cert_no: str = Field(default="", max_length=60)  # 人社证书编号 (第二十一条)
    union_cert_no: str = Field(default="", max_length=60)  # 工会证书编号 (第二十一条)
    employed: bool | None = None  # 附件6; None: not yet known
    employment_place: str = Field(default="", max_length=200)
    employer: str = Field(default="", max_length=200)
    employer_phone_enc: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    bound_at: datetime | None = When()
    created_at: datetime = When(default_now=True)


class Attendance(SQLModel, table=True):
    """One sign-in; the unique key makes a double sign-in impossible even under concurrency."""

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("enrolment_id", "session_id", name="uq_attendance_once"),)
    id: int | None = Field(default=None, primary_key=True)
    enrolment_id: int = Field(foreign_key="enrolment.id", index=True)
    session_id: int = Field(foreign_key="class_session.id", index=True)
    signed_at: datetime = When(default_now=True)
    channel: str = Field(default="", max_length=16)
