"""Plain-text rendering of replies, shared by the console and by text-only channels (WeChat passive replies)."""

from __future__ import annotations

from handlers.types import Reply


def render_text(reply: Reply, *, citations: bool = True, numbered: bool = True) -> str:
    parts = [reply.text]
    if citations and reply.citations:
        lines = []
        for c in reply.citations:
            line = f"— {c.label}"
            if c.quote:
                line += f"：{c.quote}"
            if c.gist:
                line += f"\n  ({c.gist})"
            lines.append(line)
        parts.append("\n".join(lines))
    if reply.choices and numbered:
        parts.append("\n".join([*([reply.prompt] if reply.prompt else []),
                                *(f"{i}. {c.label}" for i, c in enumerate(reply.choices, 1))]))
    elif reply.prompt:
        parts.append(reply.prompt)
    if reply.attachments:
        parts.append("\n".join(f"[{a.kind}: {a.filename}]" for a in reply.attachments))
    return "\n".join(p for p in parts if p)
