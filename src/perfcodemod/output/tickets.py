"""``perfcodemod report``: the plan's optimisation tickets, as Markdown or JSON."""

from __future__ import annotations

from typing import Any

from perfcodemod.profile import tickets
from perfcodemod.profile.tickets import TicketReport


def tickets_markdown(report: TicketReport) -> str:
    return tickets.markdown(report)


def tickets_json(report: TicketReport) -> dict[str, Any]:
    return tickets.as_json(report)
