"""The composition root: the CLI, the benchmark, sample data seeding and the first start.

Only this package (with app.py and pages/) may import engine, connectors and sample_data together; engine/
imports neither connectors/ nor sample_data/. Importing it registers the connectors' background jobs.
"""

from connectors import jobs as _connector_jobs  # noqa: F401  (registers the sync and intake jobs)
