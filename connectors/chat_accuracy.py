"""The chat parser measured on the labelled messages in sample_data/chat (`python -m engine chat accuracy`):
share of fields right (intent, customer, date, and product, quantity and unit of every item), of messages routed
right (to an order, or to a person), and of messages turned into a wrong order — the figure that matters, since
a wrong order costs more than a review."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from connectors.chat_parser import Catalog, Parsed, catalog_from_rows, parse

FOLDER = Path(__file__).resolve().parent.parent / "sample_data" / "chat"
MIN_CONFIDENCE = 0.8
LINE_BREAK = "⏎"  # a line break inside one labelled message


@dataclass(frozen=True)
class Labelled:
    text: str
    sender: str | None
    customer: str | None
    items: list[tuple[str | None, float | None, str | None]]
    due: date | None
    review: bool
    intent: str = "order"
    catalog: str = "catalog.json"
    source: str = "labelled.txt"


def _item(spec: str) -> tuple[str | None, float | None, str | None]:
    sku, qty, unit = ([*spec.split("*"), "", ""])[:3]
    return sku or None, float(qty) if qty else None, unit or None


def load_labelled(path: Path = FOLDER / "labelled.txt") -> list[Labelled]:
    """One file's messages; a `# catalog: <file>` line names the catalog they were written against."""
    out, catalog = [], "catalog.json"
    for line in path.read_text("utf-8").splitlines():
        if line.startswith("# catalog:"):
            catalog = line.split(":", 1)[1].strip()
        if not line.strip() or line.startswith("#"):
            continue
        text, sender, customer, items, due, review, *rest = (p.strip() for p in line.split("|"))
        parsed_items = [_item(i) for i in items.split(";") if i]
        intent = rest[0] if rest and rest[0] else ("order" if parsed_items else "other")
        out.append(
            Labelled(
                text.replace(LINE_BREAK, "\n"),
                sender or None,
                customer or None,
                parsed_items,
                date.fromisoformat(due) if due else None,
                review == "1",
                intent,
                catalog,
                path.name,
            )
        )
    return out


def load_all(folder: Path = FOLDER) -> list[Labelled]:
    """Every labelled file in the folder."""
    return [m for path in sorted(folder.glob("*.txt")) for m in load_labelled(path)]


def load_catalog(name: str = "catalog.json", folder: Path = FOLDER) -> tuple[Catalog, datetime]:
    data = json.loads((folder / name).read_text("utf-8"))
    return catalog_from_rows(data["customers"], data["products"]), datetime.fromisoformat(data["now"])


def routed_to_order(p: Parsed, min_confidence: float = MIN_CONFIDENCE) -> bool:
    """Whether a parse becomes an order by itself, with nobody looking."""
    return p.intent == "order" and p.is_order and bool(p.items) and p.confidence >= min_confidence


def score(label: Labelled, got: Parsed) -> tuple[int, int, list[str]]:
    """(fields right, fields counted, what was wrong) for one message; a missing or extra item counts its
    three fields wrong."""
    right, total, wrong = 0, 3, []
    for name, want, have in (
        ("intent", label.intent, got.intent),
        ("customer", label.customer, got.customer),
        ("due", label.due, got.due),
    ):
        right += want == have
        if want != have:
            wrong.append(f"{name} {have} ≠ {want}")
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


def measure(folder: Path = FOLDER) -> dict[str, Any]:
    """Field, intent and routing accuracy and wrong orders over every labelled file, with every miss listed."""
    catalogs: dict[str, tuple[Catalog, datetime]] = {}
    labelled = load_all(folder)
    right = total = routed = wrong_orders = intents_right = 0
    misses, per_file = [], {}
    for label in labelled:
        catalog, now = catalogs.setdefault(label.catalog, load_catalog(label.catalog, folder))
        got = parse(label.text, catalog, now, label.sender)
        r, t, wrong = score(label, got)
        right, total = right + r, total + t
        intents_right += got.intent == label.intent
        to_order = routed_to_order(got)
        route_ok = to_order == (not label.review)
        routed += route_ok
        # A wrong order: the message became an order by itself and that order is not what the customer asked.
        bad_order = to_order and (label.review or bool(wrong))
        wrong_orders += bad_order
        f = per_file.setdefault(label.source, {"messages": 0, "fields": 0, "fields_right": 0})
        f["messages"] += 1
        f["fields"] += t
        f["fields_right"] += r
        if wrong or not route_ok:
            misses.append(
                {"file": label.source, "text": label.text, "wrong": wrong, "routing_ok": route_ok,
                 "wrong_order": bad_order, "confidence": round(got.confidence, 2), "reasons": got.reasons}
            )  # fmt: skip
    return {
        "messages": len(labelled),
        "fields": total,
        "fields_right": right,
        "field_accuracy": round(right / total, 4),
        "intent_accuracy": round(intents_right / len(labelled), 4),
        "routing_accuracy": round(routed / len(labelled), 4),
        "wrong_orders": wrong_orders,
        "wrong_order_rate": round(wrong_orders / len(labelled), 4),
        "to_review_expected": sum(label.review for label in labelled),
        "files": {
            name: f | {"field_accuracy": round(f["fields_right"] / f["fields"], 4)}
            for name, f in per_file.items()
        },
        "misses": misses,
    }
