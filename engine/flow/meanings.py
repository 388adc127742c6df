"""What a platform's status word means (unpaid, paid, shipped, signed, cancelled, after_sale) and which state
of a table's own flow stands for it, so one platform vocabulary serves every template's flow."""

from __future__ import annotations

from engine.schema import Flow

MEANINGS = ("unpaid", "paid", "shipped", "signed", "cancelled", "after_sale")


def state_for(flow: Flow | None, meaning: str) -> str | None:
    """The flow's state for a meaning: a state of that name, else by its place (the first state for an unpaid
    order, picking for a paid one where the flow has it, a 发货/出库 state, the done and cancelled states)."""
    if flow is None:
        return None
    names = [s.name for s in flow.states]
    by_category = {s.category: s.name for s in reversed(flow.states)}
    if meaning == "unpaid":
        return flow.initial
    if meaning == "paid":
        # As the import reads 买家已付款，等待卖家发货: waiting to be picked where the flow has that step.
        return "picking" if "picking" in names else flow.initial
    if meaning in names:
        return meaning
    if meaning == "shipped":
        return next((s.name for s in flow.states if any(w in s.label for w in ("发货", "出库"))), None)
    if meaning == "signed":
        return by_category.get("done")
    if meaning == "cancelled":
        return by_category.get("cancelled")
    return None
