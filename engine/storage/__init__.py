"""The storage boundary: the connection and its transactions (store), SQL building (sql) and all DDL
(migrate: system tables, the field-type → column-type map, a workspace's tables and their migrations).

The rest of the engine names `Cursor` from here and never imports the database driver; it hands finished SQL
text (built only with `sql.compose`, identifiers quoted, values bound as `?`) to a cursor from
`Store.transaction()` or `Store.read()`.

Dialect surface a second backend must provide (what engine SQL uses today, DuckDB 1.5 spelling):
- statements: SELECT with CTEs, window functions and QUALIFY; INSERT … SELECT / RETURNING; UPDATE … FROM;
  DELETE … USING/WHERE IN; INSERT OR REPLACE; CREATE SCHEMA/TABLE/VIEW/SEQUENCE IF NOT EXISTS,
  CREATE OR REPLACE VIEW, ALTER TABLE ADD/DROP/RENAME COLUMN, CREATE UNIQUE INDEX; SEMI JOIN;
  aggregate FILTER (WHERE …); TRY_CAST.
- types: BIGINT, INTEGER, DOUBLE, DECIMAL, BOOLEAN, VARCHAR, VARCHAR[] (lists), DATE, TIMESTAMP.
- functions: list_contains, list_has_any/all, list_distinct, list_concat, list_append, list_transform, unnest,
  contains, strftime, date_trunc, epoch, hour, median, arg_max, any_value, string_agg, json_object,
  nextval; the rowid pseudo-column (status history order); duckdb_indexes() and information_schema.
- sessions: one writer process; a cursor per unit of work; registering an Arrow table or polars frame
  under a name for the life of a statement (`registered`, the bulk paths' joins); `?` positional parameters.
A backend that lacks an item above supplies it in its own sql/migrate modules; nothing outside storage changes.
"""

from engine.storage.store import DEFAULT_DB, Cursor, Store, open_store, registered, resolve_path, shared_store

__all__ = ["DEFAULT_DB", "Cursor", "Store", "open_store", "registered", "resolve_path", "shared_store"]
