"""User rows: write.py is the only code that writes them; single.py and bulk.py are the ways in."""
