"""The one place that opens the DuckDB file: connection, system tables, transactions.

One Store per process owns the file (DuckDB allows a single writer process); each unit of work takes its own
cursor, because a DuckDB connection is not thread-safe and Streamlit runs every session in its own thread.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from engine.errors import DatabaseBusyError, DataError, EngineError

DEFAULT_DB = "data/orderhub.duckdb"

# The cursor type the rest of the engine works with; modules outside storage name it, not duckdb.
Cursor = duckdb.DuckDBPyConnection

SYSTEM_DDL = (
    """CREATE TABLE IF NOT EXISTS _workspaces (
        name VARCHAR PRIMARY KEY, label VARCHAR NOT NULL, current_version INTEGER NOT NULL,
        created_at TIMESTAMP NOT NULL, created_by VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS _schema_versions (
        workspace VARCHAR NOT NULL, version INTEGER NOT NULL, document VARCHAR NOT NULL,
        saved_at TIMESTAMP NOT NULL, saved_by VARCHAR NOT NULL, note VARCHAR NOT NULL DEFAULT '',
        PRIMARY KEY (workspace, version))""",
    """CREATE TABLE IF NOT EXISTS _users (
        username VARCHAR PRIMARY KEY, display_name VARCHAR NOT NULL, password_hash VARCHAR NOT NULL,
        roles VARCHAR[] NOT NULL, active BOOLEAN NOT NULL DEFAULT TRUE, created_at TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS _audit_log (
        seq BIGINT PRIMARY KEY, logged_at TIMESTAMP NOT NULL, actor VARCHAR NOT NULL, action VARCHAR NOT NULL,
        workspace VARCHAR NOT NULL, table_name VARCHAR NOT NULL, record_id BIGINT, first_id BIGINT, last_id BIGINT,
        item_count INTEGER NOT NULL,
        items_digest VARCHAR NOT NULL, note VARCHAR NOT NULL, prev_hash VARCHAR NOT NULL, hash VARCHAR NOT NULL,
        item_action VARCHAR, item_changes VARCHAR)""",
    # A single move is recorded in its audit entry's row (one INSERT fewer on the hot path of a transition).
    "ALTER TABLE _audit_log ADD COLUMN IF NOT EXISTS move_from VARCHAR",
    "ALTER TABLE _audit_log ADD COLUMN IF NOT EXISTS move_to VARCHAR",
    "ALTER TABLE _audit_log ADD COLUMN IF NOT EXISTS move_source VARCHAR",
    "ALTER TABLE _audit_log ADD COLUMN IF NOT EXISTS move_note VARCHAR",
    """CREATE TABLE IF NOT EXISTS _audit_items (
        seq BIGINT NOT NULL, record_id BIGINT NOT NULL, action VARCHAR NOT NULL, changes VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS _counters (
        workspace VARCHAR NOT NULL, table_name VARCHAR NOT NULL, field VARCHAR NOT NULL, stem VARCHAR NOT NULL,
        last BIGINT NOT NULL, PRIMARY KEY (workspace, table_name, field, stem))""",
    """CREATE TABLE IF NOT EXISTS _status_moves (
        workspace VARCHAR NOT NULL, table_name VARCHAR NOT NULL, record_id BIGINT NOT NULL,
        from_state VARCHAR, to_state VARCHAR NOT NULL, moved_at TIMESTAMP NOT NULL, actor VARCHAR NOT NULL,
        source VARCHAR NOT NULL, note VARCHAR NOT NULL DEFAULT '')""",
    # Every status move: bulk moves and imported history (_status_moves) and single moves (audit entries).
    """CREATE OR REPLACE VIEW _status_history AS
        SELECT workspace, table_name, record_id, from_state, to_state, moved_at, actor, source, note,
            rowid AS ord FROM _status_moves
        UNION ALL
        SELECT workspace, table_name, record_id, move_from, move_to, logged_at, actor, move_source, move_note,
            seq FROM _audit_log WHERE move_to IS NOT NULL""",
    """CREATE TABLE IF NOT EXISTS _channels (
        workspace VARCHAR NOT NULL, name VARCHAR NOT NULL, kind VARCHAR NOT NULL, url VARCHAR NOT NULL,
        secret VARCHAR NOT NULL DEFAULT '', active BOOLEAN NOT NULL DEFAULT TRUE, PRIMARY KEY (workspace, name))""",
    "CREATE SEQUENCE IF NOT EXISTS _alert_ids",
    """CREATE TABLE IF NOT EXISTS _alerts (
        id BIGINT PRIMARY KEY DEFAULT nextval('_alert_ids'), workspace VARCHAR NOT NULL, rule VARCHAR NOT NULL,
        kind VARCHAR NOT NULL, table_name VARCHAR NOT NULL, record_id BIGINT NOT NULL, level VARCHAR NOT NULL,
        message VARCHAR NOT NULL, roles VARCHAR[] NOT NULL, users VARCHAR[] NOT NULL, channels VARCHAR[] NOT NULL,
        status VARCHAR NOT NULL, step INTEGER NOT NULL DEFAULT 0, opened_at TIMESTAMP NOT NULL,
        due_at TIMESTAMP, notified_at TIMESTAMP, response VARCHAR, note VARCHAR, acknowledged_at TIMESTAMP,
        acknowledged_by VARCHAR, resolved_at TIMESTAMP)""",
    "CREATE SEQUENCE IF NOT EXISTS _outbox_ids",
    """CREATE TABLE IF NOT EXISTS _outbox (
        id BIGINT PRIMARY KEY DEFAULT nextval('_outbox_ids'), workspace VARCHAR NOT NULL, channel VARCHAR NOT NULL,
        title VARCHAR NOT NULL, body VARCHAR NOT NULL, level VARCHAR NOT NULL, roles VARCHAR[] NOT NULL,
        users VARCHAR[] NOT NULL, alert_id BIGINT, table_name VARCHAR, record_id BIGINT, status VARCHAR NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at TIMESTAMP NOT NULL, last_error VARCHAR,
        created_at TIMESTAMP NOT NULL, delivered_at TIMESTAMP, read_by VARCHAR[] NOT NULL DEFAULT [])""",
    """CREATE TABLE IF NOT EXISTS _import_mappings (
        workspace VARCHAR NOT NULL, name VARCHAR NOT NULL, table_name VARCHAR NOT NULL, signature VARCHAR NOT NULL,
        document VARCHAR NOT NULL, saved_at TIMESTAMP NOT NULL, saved_by VARCHAR NOT NULL,
        PRIMARY KEY (workspace, name))""",
    "CREATE SEQUENCE IF NOT EXISTS _import_batch_ids",
    """CREATE TABLE IF NOT EXISTS _import_batches (
        id BIGINT PRIMARY KEY DEFAULT nextval('_import_batch_ids'), workspace VARCHAR NOT NULL,
        table_name VARCHAR NOT NULL, file_name VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, sheets VARCHAR[] NOT NULL,
        mapping VARCHAR NOT NULL, mapping_name VARCHAR, operator VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL,
        status VARCHAR NOT NULL, summary VARCHAR NOT NULL, reviewed_by VARCHAR, reviewed_at TIMESTAMP,
        audit_seq BIGINT, note VARCHAR NOT NULL DEFAULT '')""",
    # The last audit entry of a commit's transaction: the automatic moves its rows made come after audit_seq.
    "ALTER TABLE _import_batches ADD COLUMN IF NOT EXISTS audit_last BIGINT",
    """CREATE TABLE IF NOT EXISTS _import_errors (
        batch_id BIGINT NOT NULL, row_no BIGINT NOT NULL, sheet VARCHAR, source_row BIGINT, field VARCHAR NOT NULL,
        message VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS _import_rows (
        batch_id BIGINT NOT NULL, record_id BIGINT NOT NULL, sheet VARCHAR NOT NULL, source_row BIGINT NOT NULL,
        action VARCHAR NOT NULL, version_after INTEGER NOT NULL)""",
    # The status each import gave a record: the imported snapshots the consistency dimension compares.
    "ALTER TABLE _import_rows ADD COLUMN IF NOT EXISTS status VARCHAR",
    # A problem that refuses its row (a bad business key) or only flags its cell (the row lands, the cell waits
    # for repair); NULL in batches staged before flags existed, where every problem refused its row.
    "ALTER TABLE _import_errors ADD COLUMN IF NOT EXISTS refuses BOOLEAN",
    # Rows an import created in the tables its relations point to (SKUs a fresh workspace lacked), for undo.
    """CREATE TABLE IF NOT EXISTS _import_created (
        batch_id BIGINT NOT NULL, table_name VARCHAR NOT NULL, record_id BIGINT NOT NULL)""",
    # Cells a history import left empty because the file's value did not fit: the repair queue.
    """CREATE TABLE IF NOT EXISTS _cell_flags (
        workspace VARCHAR NOT NULL, table_name VARCHAR NOT NULL, record_id BIGINT NOT NULL, field VARCHAR NOT NULL,
        raw VARCHAR, message VARCHAR NOT NULL, batch_id BIGINT, flagged_at TIMESTAMP NOT NULL,
        resolved_at TIMESTAMP, resolved_by VARCHAR)""",
    "CREATE SCHEMA IF NOT EXISTS _staging",
    """CREATE TABLE IF NOT EXISTS _job_runs (
        job VARCHAR NOT NULL, started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP NOT NULL,
        ok BOOLEAN NOT NULL, result VARCHAR NOT NULL, error VARCHAR)""",
    # Channel intake: which source order landed in which record (and how: own, duplicate, deposit, balance),
    # the latest raw payload for tracing, each source's latest status per record, disagreements, the queue,
    # sync runs and rejected rows, cursors, seen files, webhook callers and the chat review queue.
    """CREATE TABLE IF NOT EXISTS _channel_links (
        workspace VARCHAR NOT NULL, table_name VARCHAR NOT NULL, connector VARCHAR NOT NULL,
        external_id VARCHAR NOT NULL, record_key VARCHAR NOT NULL, role VARCHAR NOT NULL, amount DOUBLE,
        raw VARCHAR, linked_at TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS _status_reports (
        workspace VARCHAR NOT NULL, table_name VARCHAR NOT NULL, record_key VARCHAR NOT NULL, source VARCHAR NOT NULL,
        connector VARCHAR NOT NULL, status VARCHAR NOT NULL, raw_status VARCHAR, reported_at TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS _status_conflicts (
        workspace VARCHAR NOT NULL, table_name VARCHAR NOT NULL, record_key VARCHAR NOT NULL, effective VARCHAR NOT NULL,
        effective_source VARCHAR NOT NULL, detail VARCHAR NOT NULL, advice VARCHAR NOT NULL,
        opened_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL, resolved_at TIMESTAMP)""",
    "CREATE SEQUENCE IF NOT EXISTS _intake_ids",
    """CREATE TABLE IF NOT EXISTS _intake (
        seq BIGINT NOT NULL DEFAULT nextval('_intake_ids'), workspace VARCHAR NOT NULL, connector VARCHAR NOT NULL,
        kind VARCHAR NOT NULL, priority INTEGER NOT NULL, received_at TIMESTAMP NOT NULL, payload VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS _intake_deferred (
        workspace VARCHAR NOT NULL, table_name VARCHAR NOT NULL, connector VARCHAR NOT NULL,
        record_key VARCHAR NOT NULL, payload VARCHAR NOT NULL, deferred_at TIMESTAMP NOT NULL)""",
    "CREATE SEQUENCE IF NOT EXISTS _sync_run_ids",
    """CREATE TABLE IF NOT EXISTS _sync_runs (
        id BIGINT PRIMARY KEY DEFAULT nextval('_sync_run_ids'), workspace VARCHAR NOT NULL,
        connector VARCHAR NOT NULL, started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP, ok BOOLEAN,
        counts VARCHAR NOT NULL DEFAULT '{}', error VARCHAR, cursor_before VARCHAR, cursor_after VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS _sync_rejects (
        run_id BIGINT, workspace VARCHAR NOT NULL, connector VARCHAR NOT NULL, external_id VARCHAR,
        reason VARCHAR NOT NULL, payload VARCHAR, rejected_at TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS _connector_state (
        workspace VARCHAR NOT NULL, connector VARCHAR NOT NULL, cursor VARCHAR NOT NULL, updated_at TIMESTAMP NOT NULL,
        PRIMARY KEY (workspace, connector))""",
    """CREATE TABLE IF NOT EXISTS _connector_files (
        workspace VARCHAR NOT NULL, connector VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, file_name VARCHAR NOT NULL,
        seen_at TIMESTAMP NOT NULL, PRIMARY KEY (workspace, connector, sha256))""",
    """CREATE TABLE IF NOT EXISTS _connector_tokens (
        workspace VARCHAR NOT NULL, connector VARCHAR NOT NULL, caller VARCHAR NOT NULL, token_hash VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL, active BOOLEAN NOT NULL DEFAULT TRUE, PRIMARY KEY (workspace, connector, caller))""",
    "CREATE SEQUENCE IF NOT EXISTS _chat_review_ids",
    """CREATE TABLE IF NOT EXISTS _chat_reviews (
        id BIGINT PRIMARY KEY DEFAULT nextval('_chat_review_ids'), workspace VARCHAR NOT NULL,
        connector VARCHAR NOT NULL, message_id VARCHAR NOT NULL, sender VARCHAR, text VARCHAR NOT NULL,
        received_at TIMESTAMP NOT NULL, parsed VARCHAR NOT NULL, confidence DOUBLE NOT NULL, reason VARCHAR NOT NULL,
        status VARCHAR NOT NULL DEFAULT 'open', decided_by VARCHAR, decided_at TIMESTAMP)""",
    # Sign-in sessions shared by the tabs of one browser (a cookie holds the token; only its hash is kept)
    # and the one-time grants that hand a fresh sign-in's token to the browser.
    """CREATE TABLE IF NOT EXISTS _sessions (
        token_hash VARCHAR PRIMARY KEY, username VARCHAR NOT NULL, kind VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL, expires_at TIMESTAMP NOT NULL, ended_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS _archived_values (
        workspace VARCHAR NOT NULL, table_name VARCHAR NOT NULL, field VARCHAR NOT NULL, version INTEGER NOT NULL,
        archived_at TIMESTAMP NOT NULL, record_id BIGINT NOT NULL, value VARCHAR)""",
)

_LOCK_PID = re.compile(r"PID (\d+)")


class Store:
    """An open OrderHub database: hands out cursors and transactions."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: str) -> None:
        self._con = con
        self.path = path
        # Parsed workspaces by (name, version): parsing JSON into models on every page run is wasted work.
        self.workspace_cache: dict[tuple[str, int], object] = {}
        self._lock = threading.Lock()
        # Writes are serialised in-process: the audit hash chain needs one writer at a time, and DuckDB would
        # otherwise abort one of two concurrent transactions on conflict.
        self.write_lock = threading.RLock()
        # (seq, hash) of the last audit entry, kept while this process is the only writer; None = read it.
        self.audit_head: tuple[int, str] | None = None

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor for one unit of work in the calling thread."""
        with self._lock:
            return self._con.cursor()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Run a block in one transaction on its own cursor: commit on success, roll back on any error."""
        with self.write_lock:
            cur = self.cursor()
            cur.begin()
            head = self.audit_head
            try:
                yield cur
            except BaseException as exc:
                cur.rollback()
                cur.close()
                self.audit_head = head
                if isinstance(exc, duckdb.ConstraintException):
                    # The engine checks uniqueness itself with better messages; this is the backstop.
                    raise DataError(f"nothing was saved: {str(exc).splitlines()[0]}") from exc
                raise
            try:
                cur.commit()
            except duckdb.Error as exc:
                self.audit_head = head
                raise EngineError(f"the change could not be saved: {exc}") from exc
            finally:
                cur.close()

    def close(self) -> None:
        """Close the database once no write is in progress (a background drain may still be committing)."""
        with self.write_lock:
            self._con.close()
        with _shared_lock:
            if _shared.get(self.path) is self:
                del _shared[self.path]


def _config() -> dict[str, str | bool]:
    """DuckDB settings: no network for extensions; a bounded buffer pool (DuckDB's default is 80% of RAM,
    too much for an app sharing a small server), overridable with $ORDERHUB_DUCKDB_MEMORY."""
    return {
        "autoinstall_known_extensions": False,
        "memory_limit": os.environ.get("ORDERHUB_DUCKDB_MEMORY", "1GB"),
        # Fewer, larger checkpoints: a burst of writes is not held up by folding the WAL into the file.
        "checkpoint_threshold": os.environ.get("ORDERHUB_CHECKPOINT", "256MB"),
    }


def resolve_path(path: str | os.PathLike[str] | None) -> str:
    """The database path: explicit, else $ORDERHUB_DB, else data/orderhub.duckdb."""
    return str(path or os.environ.get("ORDERHUB_DB") or DEFAULT_DB)


def open_store(path: str | os.PathLike[str] | None = None, read_only: bool = False) -> Store:
    """Open (creating if needed) the database file and its system tables."""
    resolved = resolve_path(path)
    if resolved != ":memory:":
        Path(resolved).parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(resolved, read_only=read_only, config=_config())
    except duckdb.IOException as exc:
        text = str(exc)
        if "lock" in text.lower():
            pid = _LOCK_PID.search(text)
            holder = f" (PID {pid.group(1)})" if pid else ""
            raise DatabaseBusyError(
                f"database {resolved} is in use by another process{holder}: stop the app, or do this in the app (users: its Users page; jobs: its Jobs page)"
            ) from None
        raise EngineError(f"cannot open database {resolved}: {text.splitlines()[0]}") from None
    if not read_only:
        _migrate_status_history(con)
        for ddl in SYSTEM_DDL:
            con.execute(ddl)
    return Store(con, resolved)


def _migrate_status_history(con: duckdb.DuckDBPyConnection) -> None:
    """Databases from before single moves lived in the audit log kept every move in a _status_history table."""
    kind = con.execute(
        "SELECT table_type FROM information_schema.tables WHERE table_schema = 'main' AND table_name = '_status_history'"
    ).fetchone()
    if kind and kind[0] == "BASE TABLE":
        con.execute("ALTER TABLE _status_history RENAME TO _status_moves")


_shared: dict[str, Store] = {}
_shared_lock = threading.Lock()


def shared_store(path: str | os.PathLike[str] | None = None) -> Store:
    """The process's one Store of this file, opened on first use: the pages and the HTTP routes of the app
    share it (one DuckDB writer per process)."""
    resolved = resolve_path(path)
    with _shared_lock:
        if resolved not in _shared:
            _shared[resolved] = open_store(resolved)
        return _shared[resolved]


@contextmanager
def registered(cur: duckdb.DuckDBPyConnection, **frames: Any) -> Iterator[None]:
    """Polars frames visible to the cursor's SQL under the given names for the block (then gone, also on error)."""
    for name, frame in frames.items():
        cur.register(name, frame.to_arrow())
    try:
        yield
    finally:
        for name in frames:
            cur.unregister(name)
