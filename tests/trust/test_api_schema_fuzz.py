"""The HTTP API fuzzed from its own OpenAPI schema (schemathesis), as every role.

Each operation gets a bounded number of generated requests, valid and invalid, sent to a
real server with the token of a role drawn at random. Every answer must be a documented
status with a body and headers that fit the schema, never a 500; a refusal must leave the
hall's event log where it was (bad input changes nothing).

The operations are listed from the app itself at collection time, so a new route is fuzzed
without touching this file.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.support.live import LiveServer
from tests.trust.roles import HERE, OTHER, ROLES, USERS, headers, mint_login, tokens
from tests.trust.routes import schema_operations

MAX_EXAMPLES = int(os.environ.get("LAYSO_FUZZ_EXAMPLES", "30"))  # per operation
OPERATIONS = schema_operations()
# Deterministic by default (the same requests every run); LAYSO_FUZZ_RANDOM=1 explores anew.
DERANDOMIZE = os.environ.get("LAYSO_FUZZ_RANDOM") != "1"
EXAMPLES: dict[str, int] = {}


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory):
    live = LiveServer.start(db_url=f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'h.sqlite3'}")
    live.role_tokens = tokens(live)
    kiosk = live.client(live.role_tokens["kiosk"])
    live.ticket_ids = [kiosk.post("/api/v1/tickets", json={"service": s}).json()["id"]
                       for s in ("HT", "CT", "HT", "DD")]
    officer = live.client(live.role_tokens["officer_here"])
    officer.post(f"/api/v1/counters/{HERE}/next").raise_for_status()
    live.visit_ids = [officer.post(f"/api/v1/counters/{HERE}/finish", json={}).json()["visit_id"]]
    live.probe = httpx.Client(base_url=live.url, timeout=10)
    live.session = requests.Session()  # keep-alive: one connection, not one per request
    yield live
    live.probe.close()
    live.session.close()
    live.stop()
    print(f"\nschema fuzz: {sum(EXAMPLES.values())} requests over {len(EXAMPLES)} operations")


@pytest.fixture(scope="module")
def api_schema(fuzz_server):
    return schemathesis.openapi.from_url(f"{fuzz_server.url}/openapi.json")


@schemathesis.check
def schema_valid_passes_validation(ctx, response, case) -> bool | None:
    """Schema-valid input is never refused by request validation itself (the schema and the
    validators agree). It may still be refused by a rule the schema cannot state (a day report
    needs a date, a score must be on the hall's scale): 422 with the rule's message and no
    field-by-field `errors` list, as RFC 9110 intends for 422."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    body = response.json()
    # The input models strip surrounding spaces, so "   " is too short once stripped: the one
    # disagreement a JSON schema cannot state (minLength counts the spaces).
    errors = [e for e in body.get("errors") or () if e.get("type") != "string_too_short"]
    if errors:
        raise AssertionError(f"schema-valid request refused by validation: {body['detail']} "
                             f"(sent {case.body!r}, query {case.query!r})")
    return True


def _strategy(op, live: LiveServer):
    """Valid and invalid requests; valid ones often aimed at things that exist, so they reach
    past the 404s into the queue's rules."""
    names = {p.name for p in op.path_parameters}
    known = {"number": st.sampled_from([HERE, OTHER, 5]),
             "ticket_id": st.sampled_from(live.ticket_ids),
             "visit_id": st.sampled_from(live.visit_ids),
             "counter": st.sampled_from([HERE, OTHER])}
    parts = [op.as_strategy(GenerationMode.POSITIVE), op.as_strategy(GenerationMode.NEGATIVE)]
    if names and names <= known.keys():
        aimed = st.fixed_dictionaries({n: known[n] for n in names}).flatmap(
            lambda values: op.as_strategy(GenerationMode.POSITIVE, path_parameters=values))
        parts.append(aimed)
    return st.one_of(parts)


def _seq(live: LiveServer) -> int:
    """The hall's event sequence: every change of queue state adds to it."""
    return live.probe.get("/healthz").json()["seq"]


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_operation_answers_as_documented(method, path, api_schema, fuzz_server):
    live = fuzz_server
    op = api_schema[path][method]
    count = 0

    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=DERANDOMIZE,
              suppress_health_check=list(HealthCheck))
    @given(case=_strategy(op, live), role=st.sampled_from(ROLES))
    def run(case, role: str) -> None:
        nonlocal count
        count += 1
        before = _seq(live)
        response = case.call_and_validate(
            base_url=live.url, session=live.session, headers=headers(live.role_tokens[role]),
            excluded_checks=[positive_data_acceptance],
            additional_checks=[schema_valid_passes_validation])
        if response.status_code >= 400:  # a refusal changes nothing in the hall
            assert _seq(live) == before, f"{response.status_code} yet the hall's log moved"
        if path == "/api/v1/auth/logout" and role in USERS:
            name, _, counter = USERS[role]
            live.role_tokens[role] = mint_login(live.db_url, name, counter,
                                                 datetime.now(UTC))

    run()
    EXAMPLES[f"{method} {path}"] = count
    assert count > 0
