"""``perfcodemod report``: the plan's optimisation tickets, as Markdown or JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from perfcodemod.profile.tickets import TicketReport

# ``profile/`` is imported by the first call: the output package is imported by every check.


def tickets_markdown(report: TicketReport) -> str:
    from perfcodemod.profile import tickets

    return tickets.markdown(report)


def tickets_json(report: TicketReport) -> dict[str, Any]:
    from perfcodemod.profile import tickets

    return tickets.as_json(report)
