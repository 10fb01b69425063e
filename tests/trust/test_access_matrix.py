"""Every endpoint × every role gets exactly the answer the design allows.

The routes are listed from the app itself; `TABLE` says, for each one, which roles DESIGN.md
lets through and which answers they may get. A route missing from the table fails the
classification test, so a new route cannot ship without someone deciding who may call it.

For a role the table does not allow: 401 without a token, 403 with one (both JSON with a
message). For a role it allows: one of the answers listed (success, or a refusal by the
queue's rules such as 409), never 401 or 403.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
import websockets.sync.client as wsc
from websockets.exceptions import InvalidStatus

from server.clock import FakeClock
from tests.support.live import PASSWORD, LiveServer
from tests.trust.roles import HERE, ROLES, USERS, headers, mint_login, tokens
from tests.trust.routes import all_routes

EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {"none"}
BOSSES = frozenset({"manager", "admin"})
PEOPLE = frozenset({"officer_here", "officer_other", "manager", "admin"})
AT_THE_COUNTER = frozenset({"keypad", "officer_here"})  # counter actions: its officer, its keypad
COUNTER_READERS = PEOPLE | {"rating", "keypad"}  # a counter's own devices read only it
DEVICES = frozenset({"kiosk", "display", "rating", "keypad"})


@dataclass(frozen=True)
class Rule:
    who: frozenset[str]
    ok: frozenset[int]
    why: str
    body: dict | None = None
    query: dict = field(default_factory=dict)
    ids: dict = field(default_factory=dict)  # path name -> key in the setup's ids
    spends_token: bool = False  # logout revokes the token it is called with


def R(who, ok, why, **kw) -> Rule:  # noqa: N802 - reads as a table row
    return Rule(frozenset(who), frozenset(ok), why, **kw)


TODAY = "2026-11-23"
TABLE: dict[tuple[str, str], Rule] = {
    # public: health, the pages (they sign in themselves), the API's own docs, the QR page
    ("GET", "/healthz"): R(EVERYONE, {200}, "load balancers and technicians probe it"),
    ("GET", "/panel"): R(EVERYONE, {200}, "the officer's page loads, then signs in"),
    ("GET", "/rate/{counter}"): R(EVERYONE, {200}, "the rating tablet's page"),
    ("GET", "/manage"): R(EVERYONE, {200}, "the manager's page"),
    ("GET", "/static/{path}"): R(EVERYONE, {200}, "the pages' scripts and styles"),
    ("GET", "/q/{ticket_id}"): R(EVERYONE, {200}, "a ticket's QR code: number and queue only"),
    # the citizen's public API (DESIGN "Citizens before the hall"): no token, limited per
    # address and phone; TKQ takes no remote numbers, so the matrix issues none (409)
    ("GET", "/dat-lich"): R(EVERYONE, {200}, "the citizen's page: a number from a phone"),
    ("GET", "/api/v1/public/services"): R(EVERYONE, {200}, "a phone sees the queue"),
    ("POST", "/api/v1/public/otp"): R(EVERYONE, {202, 429}, "a code to a phone (limited per "
                                      "phone)", body={"phone": "0912345678"}),
    ("POST", "/api/v1/public/remote-tickets"): R(
        EVERYONE, {409, 429}, "a number from a phone, with its code",
        body={"service": "TKQ", "phone": "0912345678", "otp": "000000"}),
    ("GET", "/openapi.json"): R(EVERYONE, {200}, "DESIGN: OpenAPI at /docs"),
    ("HEAD", "/openapi.json"): R(EVERYONE, {200}, "same"),
    ("GET", "/api/v1/schema/events"): R(EVERYONE, {200}, "the live feed's contract, like "
                                        "/openapi.json"),
    ("GET", "/docs"): R(EVERYONE, {200}, "DESIGN: OpenAPI at /docs"),
    ("HEAD", "/docs"): R(EVERYONE, {200}, "same"),
    ("GET", "/docs/init.js"): R(EVERYONE, {200}, "part of /docs: starts Swagger UI"),
    ("GET", "/docs/assets/{path}"): R(EVERYONE, {200}, "Swagger UI, served offline",
                                      ids={"path": "docs_asset"}),
    ("HEAD", "/docs/init.js"): R(EVERYONE, {200}, "same"),
    ("GET", "/redoc"): R(EVERYONE, {307}, "ReDoc has no offline copy: to /docs"),
    ("HEAD", "/redoc"): R(EVERYONE, {307}, "same"),
    ("POST", "/api/v1/auth/login"): R(EVERYONE, {200}, "signing in needs no token",
                                      body={"username": "khach", "password": None}),
    # any caller with a token: the hall's public state
    ("GET", "/api/v1/services"): R(SIGNED_IN, {200}, "kiosks, boards and panels list them"),
    # the one-stop e-system: the kiosk's lookups and the people at desks; the demo hall has no
    # link (`kind = "none"`), so a lookup is 503 esystem_unavailable there
    ("GET", "/api/v1/dossiers/{code}"): R({"kiosk"} | PEOPLE, {503}, "DESIGN: kiosk or staff "
                                          "token; never a name or an ID number"),
    ("GET", "/api/v1/procedures"): R({"kiosk"} | PEOPLE, {200}, "DESIGN: kiosk or staff "
                                     "token", query={"q": "khai sinh"}),
    ("GET", "/api/v1/counters"): R(SIGNED_IN, {200}, "boards and panels show counters"),
    ("GET", "/api/v1/counters/{number}/current"): R(SIGNED_IN, {200, 204}, "LED/board view"),
    ("GET", "/api/v1/hall"): R(SIGNED_IN, {200}, "the snapshot every screen starts from"),
    ("GET", "/api/v1/hall/config-public"): R(SIGNED_IN, {200}, "names, scale, dossier rule"),
    ("GET", "/api/v1/tickets/{ticket_id}"): R(SIGNED_IN, {200}, "a ticket's public state"),
    ("GET", "/api/v1/auth/me"): R(SIGNED_IN, {200}, "who am I"),
    ("POST", "/api/v1/auth/logout"): R(SIGNED_IN, {200}, "anyone may end their session",
                                       spends_token=True),
    ("WS", "/ws/hall"): R(SIGNED_IN, {101}, "the live feed of every screen"),
    # kiosks issue and print tickets; managers and admins may too (a desk issuing by hand)
    ("POST", "/api/v1/tickets"): R({"kiosk", "manager", "admin"}, {201}, "DESIGN: kiosk token",
                                   body={"service": "HT"}),
    ("POST", "/api/v1/tickets/{ticket_id}/printed"): R(
        {"kiosk", "manager", "admin"}, {200}, "the kiosk reports its print"),
    ("POST", "/api/v1/tickets/{ticket_id}/print-failed"): R(
        {"kiosk", "manager", "admin"}, {200}, "the kiosk reports its print",
        body={"reason": "hết giấy"}),
    ("POST", "/api/v1/tickets/{ticket_id}/reprint"): R(
        {"kiosk"} | PEOPLE, {200}, "a kiosk or a person at a desk reprints a failed ticket",
        ids={"ticket_id": "reprintable"}),
    # people handle tickets outside a counter
    ("POST", "/api/v1/tickets/{ticket_id}/cancel"): R(
        PEOPLE, {200, 409}, "an officer or manager cancels a ticket", ids={"ticket_id": "spare"}),
    ("POST", "/api/v1/tickets/{ticket_id}/requeue"): R(
        PEOPLE, {200, 409}, "puts a no-show back", ids={"ticket_id": "spare"}),
    # counter actions: the officer signed in at that counter, or its call keypad; never a
    # rating tablet (it faces the citizen), an officer of another counter, or a manager
    **{("POST", f"/api/v1/counters/{{number}}/{action}"): R(
        AT_THE_COUNTER, {200, 204, 409} if action == "next" else {200, 409},
        "DESIGN: officer token for that counter", body=body)
       for action, body in (("next", None), ("recall", None), ("start", None), ("skip", None),
                            ("finish", {}), ("pause", {"reason": "họp"}), ("resume", None),
                            ("transfer", {"service": "CT"}))},
    ("POST", "/api/v1/counters/{number}/call"): R(
        AT_THE_COUNTER, {200, 404, 409}, "call a given number", body={"number": "1002"}),
    # reads of one counter: people read any counter, its own devices only that one
    ("GET", "/api/v1/counters/{number}/queue"): R(COUNTER_READERS, {200}, "the panel's list"),
    ("GET", "/api/v1/counters/{number}/stats"): R(COUNTER_READERS, {200}, "today's figures"),
    ("GET", "/api/v1/counters/{number}/rating-open"): R(
        COUNTER_READERS, {200, 204}, "a reloaded rating tablet finds its visit"),
    # freeing a counter an officer left signed in: managers; counter 3 is nobody's here, so
    # the matrix's own officers keep their sessions
    ("POST", "/api/v1/counters/{number}/release"): R(
        BOSSES, {200}, "a manager signs out an officer who left", ids={"number": "free"}),
    # ratings: the counter's rating device, or its officer
    ("POST", "/api/v1/visits/{visit_id}/rating"): R(
        {"rating", "officer_here"}, {201, 409}, "DESIGN: rating token of that counter, or its "
        "officer", body={"score": 3}),
    # devices report their own health; managers read everyone's
    ("POST", "/api/v1/devices/report"): R(DEVICES, {200}, "a kiosk reports its printer",
                                          body={"status": "ok"}),
    ("GET", "/api/v1/devices"): R(BOSSES, {200}, "device health is for managers"),
    # managers and admins
    ("GET", "/api/v1/reports/daily"): R(BOSSES, {200}, "DESIGN: manager token",
                                        query={"date": TODAY}),
    ("GET", "/api/v1/reports/summary"): R(BOSSES, {200}, "reports", query={"date": TODAY}),
    ("GET", "/api/v1/reports/chart"): R(BOSSES, {200}, "reports", query={"date": TODAY}),
    ("GET", "/api/v1/manage/live"): R(BOSSES, {200}, "the manager's live view"),
    ("GET", "/api/v1/clock"): R(BOSSES, {200}, "what time the server thinks it is"),
    ("POST", "/api/v1/clock"): R({"admin"}, {200}, "only an admin moves a fake clock",
                                 body={"advance_s": 0}),
}

ROUTES = all_routes()
START = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


def test_every_route_is_classified():
    missing = sorted(set(ROUTES) - TABLE.keys())
    stale = sorted(TABLE.keys() - set(ROUTES))
    assert not missing, ("routes nobody has classified: add each to TABLE in tests/trust/"
                         f"test_access_matrix.py with the roles DESIGN allows: {missing}")
    assert not stale, f"TABLE rows for routes that no longer exist: {stale}"


@pytest.fixture(scope="module")
def hall(tmp_path_factory):
    clock = FakeClock(START)
    live = LiveServer.start(db_url=f"sqlite:///{tmp_path_factory.mktemp('m') / 'h.sqlite3'}",
                            clock=clock)
    live.add_user("khach", "manager")  # signs in on the login row, never used otherwise
    live.role_tokens = tokens(live)
    kiosk = live.client(live.role_tokens["kiosk"])
    issued = [kiosk.post("/api/v1/tickets", json={"service": s}).json()
              for s in ("HT", "HT", "HT", "CT", "HT", "CT", "DD")]
    officer = live.client(live.role_tokens["officer_here"])
    officer.post(f"/api/v1/counters/{HERE}/next").raise_for_status()
    visit = officer.post(f"/api/v1/counters/{HERE}/finish", json={}).json()["visit_id"]
    live.ids = {"ticket_id": issued[0]["id"], "spare": issued[-2]["id"], "visit_id": visit,
                "reprintable": issued[-1]["id"],  # DD: counter 1 never calls it
                "number": HERE, "counter": HERE, "path": "panel.css", "free": 3,
                "docs_asset": "swagger-ui.css", "code": "000.00.31.H12-250701-0001"}
    live.checks = 0
    live.http = httpx.Client(base_url=live.url, timeout=10)  # one kept-alive connection
    yield live
    live.http.close()
    live.stop()


def _call(live: LiveServer, method: str, path: str, rule: Rule, role: str) -> httpx.Response:
    token = live.role_tokens[role]
    if rule.spends_token and role in USERS:
        name, _, counter = USERS[role]
        token = mint_login(live.db_url, name, counter, live.app.state.hall.clock.now())
    values = {name: live.ids[rule.ids.get(name, name)] for name in live.ids}
    url = path.format(**values)
    body = rule.body
    if body is not None and "password" in body:
        body = {**body, "password": PASSWORD}
    return live.http.request(method, url, headers=headers(token), params=rule.query, json=body)


def _ws(live: LiveServer, role: str) -> int:
    """101 when the hall's feed opens with its snapshot; the HTTP status when refused."""
    token = live.role_tokens[role] or ""
    try:
        with wsc.connect(f"{live.ws_url}?token={token}", open_timeout=5) as ws:
            first = ws.recv(timeout=5)
            assert '"type":"snapshot"' in first.replace(" ", "")
            return 101
    except InvalidStatus as exc:
        return exc.response.status_code


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_route_answers_each_role_as_designed(method, path, hall):
    rule = TABLE.get((method, path))
    if rule is None:
        pytest.fail(f"{method} {path} is not in TABLE: classify it (see the test above)")
    wrong = []
    for role in ROLES:
        if method == "WS":
            status, body = _ws(hall, role), None
        else:
            r = _call(hall, method, path, rule, role)
            status = r.status_code
            body = r.json() if r.content and r.headers.get("content-type", "").startswith(
                "application/json") else None
        hall.checks += 1
        if role in rule.who:
            if status not in rule.ok:
                wrong.append(f"{role}: {status} (allowed: {rule.why}; expected one of "
                             f"{sorted(rule.ok)}) {body}")
        elif role == "none":
            if method == "WS":
                if status != 403:
                    wrong.append(f"none: WebSocket {status}, expected refusal (403)")
            elif status != 401 or body is None or body.get("error") != "unauthorized":
                wrong.append(f"none: {status} {body}, expected 401 unauthorized")
            elif r.headers.get("www-authenticate") != "Bearer":
                wrong.append("none: 401 without WWW-Authenticate: Bearer")
        elif status != 403 or body is None or body.get("error") != "forbidden" or \
                not body.get("detail"):
            wrong.append(f"{role}: {status} {body}, expected 403 forbidden ({rule.why})")
    assert not wrong, f"{method} {path}:\n  " + "\n  ".join(wrong)


def test_matrix_covered_every_role_of_every_route(hall):
    """Runs last in this module: the figure for the report, and a guard that the matrix ran."""
    assert hall.checks == len(ROUTES) * len(ROLES), hall.checks
    print(f"\naccess matrix: {len(ROUTES)} routes × {len(ROLES)} roles = {hall.checks} checks")
