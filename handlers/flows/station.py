"""云南省职工技师工作站: can our station be recommended (第十条), how (第十二、十三、十五条), what follows naming
(第二十三至三十条). ask (rule-driven questions) -> verdict, recommendation path, materials, procedure."""

from __future__ import annotations

from handlers.flows.awards_verdict import workshop_flows
from handlers.i18n import N_

STATION, STATION_RULES = workshop_flows(
    "station", N_("Technician workstation: can ours be recommended?"),
    N_("Let's check whether your workers' technician workstation can be recommended as a provincial one. Answer "
       "by number; type 'cancel' to stop."),
    commands=("/station", "技师工作站", "职工技师工作站", "省级职工技师工作站", "station", "technician workstation"),
    rules_commands=("/station_rules", "技师工作站复核", "技师工作站经费", "station rules"),
    menu_order=230,
)

FLOWS = (STATION, STATION_RULES)
