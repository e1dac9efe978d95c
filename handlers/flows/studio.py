"""云南省职工创新工作室: can our studio be recommended (第十条), how (第十二、十三、十五条), what follows naming
(第二十三至三十条). ask (rule-driven questions) -> verdict, recommendation path, materials, procedure."""

from __future__ import annotations

from handlers.flows.awards_verdict import workshop_flows
from handlers.i18n import N_

STUDIO, STUDIO_RULES = workshop_flows(
    "studio", N_("Innovation studio: can ours be recommended?"),
    N_("Let's check whether your workers' innovation studio can be recommended as a provincial one. Answer by "
       "number; type 'cancel' to stop."),
    commands=("/studio", "创新工作室", "职工创新工作室", "省级职工创新工作室", "studio", "innovation studio"),
    rules_commands=("/studio_rules", "创新工作室复核", "创新工作室经费", "studio rules"),
    menu_order=220,
)

FLOWS = (STUDIO, STUDIO_RULES)
