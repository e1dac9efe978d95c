"""The main menu and its submenus as the person may see them (roles, flows placed in groups, flows placed
nowhere listed before the last entry, so nothing becomes unreachable by omission)."""

from __future__ import annotations

from handlers.flow import Ctx, Flow, MenuGroup
from handlers.types import Choice, Reply


class Menus:
    """Mixed into the router, which sets ``flows``, ``menu`` and ``groups``."""

    flows: dict[str, Flow]
    menu: tuple[MenuGroup | str, ...]
    groups: dict[str, MenuGroup]

    def _visible(self, ctx: Ctx, name: str) -> Flow | None:
        f = self.flows.get(name)
        return f if f is not None and f.in_menu and f.allows(ctx.roles) else None

    def main_menu(self, ctx: Ctx, text: str | None = None) -> Reply:
        """Submenus and top-level flows the person may use (see ``handlers.flows.MENU``)."""
        _ = ctx._
        choices: list[Choice] = []
        placed: set[str] = set()
        for entry in self.menu:
            if isinstance(entry, MenuGroup):
                placed.update(entry.flows)
                if entry.allows(ctx.roles) and any(self._visible(ctx, n) for n in entry.flows):
                    choices.append(Choice(f"menu:{entry.key}", _(entry.title)))
            else:
                placed.add(entry)
                if (f := self._visible(ctx, entry)) is not None:
                    choices.append(Choice(f"flow:{f.name}", _(f.title)))
        loose = sorted((f for f in self.flows.values() if f.name not in placed and self._visible(ctx, f.name)),
                       key=lambda f: (f.menu_order, f.name))
        choices[-1:-1] = [Choice(f"flow:{f.name}", _(f.title)) for f in loose]  # before the last entry
        return Reply(text=text or _("What would you like to do? Choose a number, or just type your question."),
                     choices=tuple(choices))

    def submenu(self, ctx: Ctx, key: str) -> Reply:
        _ = ctx._
        flows = [f for n in self.groups[key].flows if (f := self._visible(ctx, n)) is not None]
        return Reply(text=_(self.groups[key].title), choices=(*(Choice(f"flow:{f.name}", _(f.title)) for f in flows),
                                                              Choice("cmd:menu", _("Main menu"))))
