"""Status flows: moves (one record), bulk (many), effects, design edits and graph checks."""
