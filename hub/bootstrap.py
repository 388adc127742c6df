"""First start: the admin user and a demo workspace with generated orders, so a new install is usable."""

from __future__ import annotations

import os
from dataclasses import dataclass

from engine import auth, workspaces
from engine.storage.store import Store
from hub.seed import seed_workspace

DEMO_TEMPLATE = "home_ecommerce"


@dataclass(frozen=True)
class FirstStart:
    admin_password: str | None  # set only when this call created the admin
    demo_workspace: str | None  # set only when this call created it


def ensure_ready(store: Store, demo_orders: int | None = None) -> FirstStart:
    """Create the admin (password from $ORDERHUB_ADMIN_PASSWORD or random) and a demo workspace if none exist."""
    password = auth.ensure_admin(store, password=os.environ.get("ORDERHUB_ADMIN_PASSWORD") or None)
    demo = None
    if not workspaces.list_workspaces(store):
        ws = workspaces.create_from_template(store, DEMO_TEMPLATE, auth.SYSTEM)
        orders = (
            demo_orders if demo_orders is not None else int(os.environ.get("ORDERHUB_DEMO_ORDERS", "50000"))
        )
        if orders:
            seed_workspace(store, ws, auth.SYSTEM, orders=orders)
        demo = ws.name
    return FirstStart(password, demo)
