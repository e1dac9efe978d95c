"""The webhook's protocol layer on its own: what it costs per request in crypto objects, and a passive
reply byte for byte as wechatpy builds it (the wire format WeChat reads)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

import pytest
import wechatpy.crypto.base as wechat_base
from starlette.requests import Request
from wechat_standin import Pusher, push_xml
from wechatpy.crypto import WeChatCrypto
from wechatpy.replies import TextReply

from bot.wechat.protocol import Protocol, Push, Refused, envelope_encrypt

TOKEN, AES, APP_ID = "proto-token", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wxproto000000000"


@pytest.fixture
def protocol(settings) -> Protocol:  # type: ignore[no-untyped-def]
    return Protocol(replace(settings, wechat_token=TOKEN, wechat_aes_key=AES, wechat_app_id=APP_ID), time.time)


def _request(params: dict, body: bytes) -> Request:
    from urllib.parse import urlencode

    sent = False

    async def receive() -> dict:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    scope = {"type": "http", "method": "POST", "path": "/wechat", "query_string": urlencode(params).encode(),
             "headers": [(b"content-length", str(len(body)).encode())]}
    return Request(scope, receive)


def _open(protocol: Protocol, text: str) -> Push:
    params, body = Pusher(TOKEN, AES, APP_ID).safe(push_xml("oPROTO000000000000000000000", "text", Content=text,
                                                            MsgId=7))
    return asyncio.run(protocol.open(_request(params, body)))


def test_no_cipher_is_built_per_request(protocol, monkeypatch) -> None:
    """The AES key and IV are constant: one cipher for the process, not one per decryption and encryption."""
    built: list[bytes] = []
    real = wechat_base.WeChatCipher

    def counting(key: bytes, iv: bytes | None = None):  # type: ignore[no-untyped-def]
        built.append(key)
        return real(key, iv)

    pusher = Pusher(TOKEN, AES, APP_ID)
    params, body = pusher.safe(push_xml("oPROTO000000000000000000000", "text", Content="你好", MsgId=8))
    monkeypatch.setattr(wechat_base, "WeChatCipher", counting)
    push = asyncio.run(protocol.open(_request(params, body)))
    reply = protocol.passive(push, "答复")
    assert built == []
    monkeypatch.setattr(wechat_base, "WeChatCipher", real)
    assert push.inbound.content == "你好"
    assert pusher.open(reply.body.decode())["Content"] == "答复"


def test_a_passive_reply_is_what_wechatpy_renders_and_encrypts(protocol, monkeypatch) -> None:
    monkeypatch.setattr(wechat_base, "random_string", lambda length=16: "R" * length)
    monkeypatch.setattr("secrets.token_hex", lambda n=8: "0123456789abcdef")
    now = int(time.time())
    monkeypatch.setattr(protocol, "clock", lambda: now)
    push = _open(protocol, "问")
    for text in ("答复 <b>&amp;", "a ]]> b", "第一行\n第二行"):
        ours = protocol.passive(push, text).body.decode()
        safe = text.replace("]]>", "]]]]><![CDATA[>")
        xml = TextReply(source=push.inbound.account, target=push.inbound.openid, content=safe, time=now).render()
        theirs = WeChatCrypto(TOKEN, AES, APP_ID).encrypt_message(xml, "0123456789abcdef", str(now))
        assert ours == theirs
        assert Pusher(TOKEN, AES, APP_ID).open(ours)["Content"] == text


@pytest.mark.parametrize("body", [
    b"<xml><ToUserName><![CDATA[gh_yunling]]></ToUserName><Encrypt><![CDATA[abc+/=]]></Encrypt></xml>",
    b"<xml>\n  <Encrypt><![CDATA[abc+/=]]></Encrypt>\n</xml>\n",
    b"<xml><Encrypt>abc+/=</Encrypt><AgentID>1</AgentID></xml>",
])
def test_the_envelopes_encrypt_element_is_read(body: bytes) -> None:
    assert envelope_encrypt(body) == "abc+/="


@pytest.mark.parametrize("body", [
    b"<xml><Encrypt><![CDATA[abc]]></Encrypt>",  # not closed
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "abc">]><xml><Encrypt>&e;</Encrypt></xml>',
    b"<xml><Encrypt><![CDATA[]]></Encrypt></xml>",
    b"<xml><Encrypt><a>1</a></Encrypt></xml>",
    b"<xml><ToUserName>x</ToUserName></xml>",
])
def test_a_malformed_envelope_is_refused(body: bytes) -> None:
    with pytest.raises(Refused) as refused:
        envelope_encrypt(body)
    assert refused.value.status == 400
