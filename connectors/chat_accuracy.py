"""The chat parser measured on the labelled messages in sample_data/chat (`python -m engine chat accuracy`):
share of fields right (customer, date, and product, quantity and unit of every item) and of messages routed
right (to an order, or to a person)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from connectors.chat_parser import Catalog, Parsed, catalog_from_rows, parse

FOLDER = Path(__file__).resolve().parent.parent / "sample_data" / "chat"
MIN_CONFIDENCE = 0.8


@dataclass(frozen=True)
class Labelled:
    text: str
    sender: str | None
    customer: str | None
    items: list[tuple[str, float | None, str | None]]
    due: date | None
    review: bool


def _item(spec: str) -> tuple[str, float | None, str | None]:
    sku, qty, unit = ([*spec.split("*"), "", ""])[:3]
    return sku, float(qty) if qty else None, unit or None


def load_labelled(path: Path = FOLDER / "labelled.txt") -> list[Labelled]:
    out = []
    for line in path.read_text("utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        text, sender, customer, items, due, review = (p.strip() for p in line.split("|"))
        out.append(
            Labelled(
                text,
                sender or None,
                customer or None,
                [_item(i) for i in items.split(";") if i],
                date.fromisoformat(due) if due else None,
                review == "1",
            )
        )
    return out


def load_catalog(path: Path = FOLDER / "catalog.json") -> tuple[Catalog, datetime]:
    data = json.loads(path.read_text("utf-8"))
    return catalog_from_rows(data["customers"], data["products"]), datetime.fromisoformat(data["now"])


def routed_to_order(p: Parsed, min_confidence: float = MIN_CONFIDENCE) -> bool:
    return p.is_order and bool(p.items) and p.confidence >= min_confidence


def score(label: Labelled, got: Parsed) -> tuple[int, int, list[str]]:
    """(fields right, fields counted, what was wrong) for one message; a missing or extra item counts its
    three fields wrong."""
    right, total, wrong = 0, 2, []
    right += got.customer == label.customer
    right += got.due == label.due
    if got.customer != label.customer:
        wrong.append(f"customer {got.customer} ≠ {label.customer}")
    if got.due != label.due:
        wrong.append(f"due {got.due} ≠ {label.due}")
    parsed = [(i.sku, i.qty, i.unit) for i in got.items]
    for k in range(max(len(parsed), len(label.items))):
        total += 3
        want = label.items[k] if k < len(label.items) else (None, None, None)
        have = parsed[k] if k < len(parsed) else (None, None, None)
        ok = [want[0] == have[0], want[1] == have[1], want[2] == have[2]]
        right += sum(ok)
        if not all(ok):
            wrong.append(f"item {k + 1} {have} ≠ {want}")
    return right, total, wrong


def measure() -> dict[str, Any]:
    """Field and routing accuracy over the labelled set, with every miss listed."""
    catalog, now = load_catalog()
    labelled = load_labelled()
    right = total = routed = 0
    misses = []
    for label in labelled:
        got = parse(label.text, catalog, now, label.sender)
        r, t, wrong = score(label, got)
        right, total = right + r, total + t
        route_ok = routed_to_order(got) == (not label.review)
        routed += route_ok
        if wrong or not route_ok:
            misses.append(
                {
                    "text": label.text,
                    "wrong": wrong,
                    "routing_ok": route_ok,
                    "confidence": round(got.confidence, 2),
                }
            )
    return {
        "messages": len(labelled),
        "fields": total,
        "fields_right": right,
        "field_accuracy": round(right / total, 4),
        "routing_accuracy": round(routed / len(labelled), 4),
        "to_review_expected": sum(label.review for label in labelled),
        "misses": misses,
    }
