"""Deterministic sample data for templates, and small realistic fixture files."""
