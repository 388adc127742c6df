"""Excel and CSV history import: reading sheets, finding the table in them, mapping, staging, commit, undo."""
