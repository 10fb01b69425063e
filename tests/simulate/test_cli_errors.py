"""`layso simulate` turns bad input into a message a person can act on (exit 2), before any
server starts."""

from __future__ import annotations

import pytest

from layso.cli import main as layso_main


@pytest.mark.parametrize(("argv", "message"), [
    (["--speed", "slow"], "fast` or a factor"),
    (["--speed", "-3"], "positive"),
    (["--no-show", "1.5"], "probability"),
    (["--date", "23/11/2026"], "not a date"),
    (["--arrivals-per-day", "10", "--profile", "p.toml"], "not allowed with"),
])
def test_bad_options_are_refused_by_the_parser(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        layso_main(["simulate", *argv])
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(("argv", "message"), [
    (["--config", "nope.toml"], "cannot read the file"),
    (["--server", "http://127.0.0.1:9"], "--admin-token T, or --admin USER"),
    (["--replay-date", "2026-11-20"], "goes with --replay-db"),
    (["--service-times", "learned"], "needs a past day"),
    (["--server", "http://127.0.0.1:9", "--admin-token", "t", "--counters"],
     "leave out --server"),
    (["--profile", "/nonexistent/profile.toml"], "cannot read the profile"),
    (["--date", "2026-11-28", "--config", "config/provincial.toml"], "closed on 2026-11-28"),
    (["--replay-db", "sqlite:////nonexistent/dir/x.sqlite3", "--date", "2026-11-23"],
     "no such database file"),
])
def test_bad_requests_say_what_to_do(argv, message, capsys):
    assert layso_main(["simulate", "--quiet", *argv]) == 2
    assert message in capsys.readouterr().err


def test_unreachable_server_is_an_error_not_a_crash(capsys):
    code = layso_main(["simulate", "--server", "http://127.0.0.1:9", "--admin-token", "t",
                       "--quiet"])
    assert code == 1
    assert "did not answer" in capsys.readouterr().err
