from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.engine.notify.receiver import Receiver, start


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = start()
    yield state
    assert state.server is not None
    state.server.shutdown()
