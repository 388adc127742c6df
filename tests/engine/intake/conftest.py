from tests.connectors.conftest import platform, seeded  # noqa: F401 (shared fixtures)
