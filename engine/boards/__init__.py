"""Boards: widgets that compile to SQL through the engine (the heatmap first); pages only render frames."""
