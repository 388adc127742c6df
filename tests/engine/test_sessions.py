"""Sessions shared by a browser's tabs: a grant is redeemed once and soon, a session signs in until it ends or
expires, and deactivation or a password reset ends every session of the user."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from engine import auth, sessions
from engine.errors import RefusedError
from tests.conftest import ADMIN

T0 = datetime(2026, 3, 2, 9, 0)


@pytest.fixture
def li(store) -> str:
    auth.add_user(store, "li", "s3cret-pass", ["operator"], ADMIN)
    auth.add_user(store, "boss", "boss-pass-1", ["admin"], ADMIN)
    return "li"


def _session(store, username: str, now: datetime = T0) -> str:
    token = sessions.redeem(store, sessions.grant(store, username, now), now)
    assert token is not None
    return token


def test_a_grant_becomes_a_session_once(store, li) -> None:
    code = sessions.grant(store, li, T0)
    token = sessions.redeem(store, code, T0 + timedelta(seconds=5))
    assert token and token != code
    assert sessions.redeem(store, code, T0 + timedelta(seconds=6)) is None  # used
    assert sessions.user_of(store, token, T0).username == "li"
    assert sessions.user_of(store, code, T0) is None  # a grant is not a session


def test_a_grant_expires_and_unknown_codes_sign_no_one_in(store, li) -> None:
    code = sessions.grant(store, li, T0)
    assert sessions.redeem(store, code, T0 + timedelta(seconds=sessions.GRANT_SECONDS + 1)) is None
    for token in (None, "", "forged-token", 42, b"bytes"):
        assert sessions.user_of(store, token, T0) is None


def test_a_session_expires_after_its_days(store, li) -> None:
    token = _session(store, li)
    assert sessions.user_of(store, token, T0 + timedelta(days=sessions.SESSION_DAYS - 1)) is not None
    assert sessions.user_of(store, token, T0 + timedelta(days=sessions.SESSION_DAYS, seconds=1)) is None


def test_sign_out_ends_only_that_session(store, li) -> None:
    phone, desk = _session(store, li), _session(store, li)
    sessions.end(store, phone, T0)
    assert sessions.user_of(store, phone, T0) is None
    assert sessions.user_of(store, desk, T0).username == "li"


def test_deactivation_and_password_reset_end_every_session(store, li) -> None:
    token = _session(store, li)
    auth.set_active(store, li, False, ADMIN)
    assert sessions.user_of(store, token, T0) is None
    with pytest.raises(RefusedError, match="wrong username or password"):
        auth.authenticate(store, li, "s3cret-pass")
    auth.set_active(store, li, True, ADMIN)
    assert sessions.user_of(store, token, T0) is None  # activating again does not revive old sessions
    again = _session(store, li)
    auth.set_password(store, li, "new-pass-123", ADMIN)
    assert sessions.user_of(store, again, T0) is None
    assert auth.authenticate(store, li, "new-pass-123").username == "li"


def test_the_last_admin_is_kept_and_no_one_deactivates_themselves(store, li) -> None:
    boss = auth.get_user(store, "boss").actor()
    with pytest.raises(RefusedError) as exc:
        auth.set_active(store, "boss", False, boss)
    assert exc.value.text == ("user_self_deactivate", {})
    for change in (
        lambda: auth.set_active(store, "boss", False, ADMIN),
        lambda: auth.set_roles(store, "boss", ["operator"], ADMIN),
    ):
        with pytest.raises(RefusedError) as exc:
            change()
        assert exc.value.text == ("user_last_admin", {"user": "boss"})
    assert auth.get_user(store, "boss").roles == ("admin",) and auth.get_user(store, "boss").active
    auth.add_user(store, "deputy", "deputy-pass-1", ["admin"], ADMIN)
    auth.set_active(store, "boss", False, ADMIN)  # another admin is active now
    assert not auth.get_user(store, "boss").active
    with pytest.raises(RefusedError, match="may not manage users"):
        auth.set_active(store, "boss", True, auth.get_user(store, li).actor())
