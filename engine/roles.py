"""The built-in roles and the table actions they may take by default.

Owns role names only; per-table and per-field overrides live in the schema, enforcement in auth.py.
"""

from __future__ import annotations

from typing import Literal

from engine.registry import Registry

Role = Literal["admin", "builder", "manager", "operator", "warehouse", "finance", "temp_worker"]
ROLES: tuple[str, ...] = ("admin", "builder", "manager", "operator", "warehouse", "finance", "temp_worker")

Action = Literal["read", "create", "update", "delete"]
ACTIONS: tuple[str, ...] = ("read", "create", "update", "delete")

# Used when a table declares no permissions of its own.
DEFAULT_TABLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "admin": ACTIONS,
    "builder": ACTIONS,
    "manager": ACTIONS,
    "operator": ("read", "create", "update"),
    "warehouse": ("read", "update"),
    "finance": ("read", "update"),
    # A day's temporary worker moves orders on (where a table grants it); elsewhere they may only look.
    "temp_worker": ("read",),
}

# The one action-permission table: which roles may take each action beyond a table's rows (those are in the
# table's own permissions). auth.may() reads it; pages ask may() instead of holding role sets.
ACTION_ROLES: Registry[frozenset[str]] = Registry(
    "action",
    {
        "edit_schema": frozenset({"admin", "builder"}),
        # Changing a record's fields beyond what a status move asks for: everyone but a day's temporary worker.
        "edit_records": frozenset({"admin", "builder", "manager", "operator", "warehouse", "finance"}),
        "manage_users": frozenset({"admin"}),
        "review_chat": frozenset({"admin", "manager", "operator"}),
        "review_imports": frozenset({"admin", "manager"}),
        "run_jobs": frozenset({"admin", "manager"}),
        "run_syncs": frozenset({"admin", "manager"}),
        "issue_tokens": frozenset({"admin"}),
    },
)

# (zh-CN, English) names people read for each role.
ROLE_LABELS: dict[str, tuple[str, str]] = {
    "admin": ("管理员", "Administrator"),
    "builder": ("搭建者", "Builder"),
    "manager": ("经理", "Manager"),
    "operator": ("客服/运营", "Operator"),
    "warehouse": ("仓库", "Warehouse"),
    "finance": ("财务", "Finance"),
    "temp_worker": ("临时工", "Temporary worker"),
}
