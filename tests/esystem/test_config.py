"""`[esystem]` in the hall file: its checks, and the password kept out of sight."""

from __future__ import annotations

import pytest

from contracts.hall_config import (
    DEFAULT_CONFIG,
    HallConfigError,
    load_hall_config,
    parse_hall_config,
)


def _hall(**esystem: object):
    data = load_hall_config(DEFAULT_CONFIG).model_dump(mode="json")
    data["esystem"] = esystem
    return parse_hall_config(data)


def test_the_default_is_no_link():
    assert load_hall_config(DEFAULT_CONFIG).esystem.kind == "none"


def test_a_link_needs_its_url():
    with pytest.raises(HallConfigError, match="esystem.*url"):
        _hall(kind="opencps")


def test_password_or_password_env_not_both():
    with pytest.raises(HallConfigError, match="not both"):
        _hall(kind="opencps", url="http://x", password="a", password_env="B")


def test_an_unknown_kind_and_key_are_refused():
    with pytest.raises(HallConfigError):
        _hall(kind="vnpt")
    with pytest.raises(HallConfigError, match="unknown key"):
        _hall(kind="none", pasword="typo")


def test_the_password_from_the_environment_and_never_in_repr(monkeypatch):
    monkeypatch.setenv("LAYSO_ES_PW", "s3cret-from-env")
    cfg = _hall(kind="opencps", url="http://x", username="u", password_env="LAYSO_ES_PW")
    assert cfg.esystem.secret() == "s3cret-from-env"
    inline = _hall(kind="opencps", url="http://x", username="u", password="inline-s3cret")
    assert inline.esystem.secret() == "inline-s3cret"
    assert "inline-s3cret" not in repr(inline) and "inline-s3cret" not in str(inline.esystem)
