"""Alert rules: set-based evaluation over all records, escalation, acknowledgement and auto-resolve."""
