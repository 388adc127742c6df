"""Channel adapters: each turns a source (platform API, platform export, POS file, WMS/ERP feed, chat text)
into flat rows for the engine's intake; they write only through the engine (engine/intake)."""
