"""Every user-facing string uses the glossary's words (docs/glossary.md), one language at a time.

The test reads the texts people see — the kiosk's catalogue, the ticket layout, the board and
its voice phrases, the counter panel, manager and rating pages (HTML and their JS string
tables), the QR page, the reports' tables and every message the server gives (string
literals of server/**.py, found with `ast`), the hall's defaults and the sample hall files —
and fails on a forbidden variant ("số vé", "Tạm nghỉ", "hoá", "bạn", …) or on an English word
inside a Vietnamese sentence. English is allowed where the house puts it: after " / " and
inside "(…)" that hold no Vietnamese. Docstrings and comments are for developers: skipped.
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Letters only Vietnamese has (with a tone mark, a hat, a horn or a breve, and đ): a string
# holding one is Vietnamese text, or has a Vietnamese part.
VI_LETTER = re.compile("[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữ"
                       "ỳýỵỷỹđ]", re.IGNORECASE)

# The forbidden variant -> what to write instead (docs/glossary.md).
FORBIDDEN: dict[str, str] = {
    r"(?i)\bsố vé\b": "số thứ tự",
    r"(?i)\bvé\b": "số thứ tự (or phiếu, the paper)",
    r"(?i)\btạm nghỉ\b": "Tạm dừng",
    r"Chủ Nhật": "Chủ nhật",
    r"(?i)\bbạn\b": "Ông/Bà (to the citizen), công dân (in calls)",
    r"(?i)\bdịch vụ\b(?! công| bưu chính)": "lĩnh vực",
    # Old tone-mark placement in oa, oe, uy with no final consonant (hoá, khoẻ, huỷ): the mark
    # goes on the first vowel (hóa, khỏe, hủy). "qu" + y keeps it on y (quý), and a syllable
    # that goes on (hoàn, khoẻo, tuyển) is not this case.
    r"(?i)(?<!q)(?:o[áàảãạ]|o[éèẻẽẹ]|u[ýỳỷỹỵ])(?!\w)": "the mark on the first "
    "vowel: hóa, khỏe, hủy, thủy, ủy, xóa, tùy",
}

# English words seen inside Vietnamese sentences (state and move codes, the review's list).
# None of them is also a Vietnamese syllable: "the" (the thé) and "day" (day dứt) are, so they
# are not listed alone.
ENGLISH = ("served", "serving", "waiting", "called", "finish", "finished", "counter",
           "ticket", "the body", "body", "service", "transfer", "transferred", "resume",
           "recall", "skip", "cancelled", "expired", "no_show", "invalid", "request", "is",
           "not", "kiosk", "sign in", "login", "officer", "manager", "keypad", "week",
           "month", "range", "wait", "min")
ENGLISH_WORD = re.compile(r"(?i)(?<![\w/.-])(?:" + "|".join(re.escape(w) for w in ENGLISH)
                          + r")(?![\w/.-])")

PLACEHOLDER = re.compile(r"\$\{[^}]*\}|\{[^{}]*\}")
CODE = re.compile(r"`[^`]*`")  # a field or a key in a message: code, not a word
TAG = re.compile(r"<[^>]*>")
ENTITY = re.compile(r"&\w+;")


def vietnamese_parts(text: str) -> list[str]:
    """The Vietnamese parts of a bilingual string: "vi / en" and "vi. (en.)" lose their
    English, and a "(…)" with no Vietnamese letter (an English gloss, a code) goes too."""
    text = CODE.sub(" ", ENTITY.sub(" ", TAG.sub(" ", PLACEHOLDER.sub(" ", text))))
    parts = []
    for segment in text.split(" / "):
        while True:  # innermost first, so "(Ticket (x))" goes whole
            stripped = re.sub(r"\([^()]*\)", lambda m: m[0] if VI_LETTER.search(m[0]) else " ",
                              segment)
            if stripped == segment:
                break
            segment = stripped
        if VI_LETTER.search(segment):
            parts.append(segment)
    return parts


# ---------------------------------------------------------------- where the texts live


def _docstrings(tree: ast.AST) -> set[int]:
    """Docstrings, and schema or CLI help (`description=`, `help=`): written for developers."""
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg in ("description", "help"):
            ids.update(id(n) for n in ast.walk(node.value))
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            ids.add(id(body[0].value))
    return ids


def python_strings(path: Path) -> Iterator[tuple[int, str]]:
    """Each string literal but docstrings; an f-string whole, its fields as {}."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree)
    inner = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            inner.update(id(v) for v in node.values)
            if id(node) not in skip:
                yield node.lineno, "".join(v.value if isinstance(v, ast.Constant) else "{}"
                                       for v in node.values)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and id(node) not in skip and id(node) not in inner:
            yield node.lineno, node.value


def _regex_end(src: str, i: int) -> int:
    """The index after the regular-expression literal that starts at `src[i]` ("/")."""
    j, in_class = i + 1, False
    while j < len(src) and src[j] != "\n":
        c = src[j]
        if c == "\\":
            j += 2
            continue
        if c == "[":
            in_class = True
        elif c == "]":
            in_class = False
        elif c == "/" and not in_class:
            return j + 1
        j += 1
    return j


def js_strings(path: Path) -> Iterator[tuple[int, str]]:
    """String and template literals of a script, comments and regular-expression literals
    skipped (a small scanner: a "/" after an operator or a bracket starts a regex)."""
    src = path.read_text(encoding="utf-8")
    i, line, n = 0, 1, len(src)
    while i < n:
        c = src[i]
        if c == "/" and not src.startswith(("//", "/*"), i) \
                and src[:i].rstrip()[-1:] in ("", *"(,=:[!&|?{};"):
            i = _regex_end(src, i)
        elif src.startswith("//", i):
            i = src.find("\n", i)
            i = n if i < 0 else i
        elif src.startswith("/*", i):
            end = src.find("*/", i + 2)
            end = n if end < 0 else end + 2
            line += src.count("\n", i, end)
            i = end
        elif c in "\"'`":
            j, buf = i + 1, []
            while j < n and src[j] != c and (c == "`" or src[j] != "\n"):
                if src[j] == "\\":
                    buf.append(src[j:j + 2])
                    j += 2
                    continue
                buf.append(src[j])
                j += 1
            text = "".join(buf)
            yield line, text
            line += text.count("\n")
            i = j + 1
        else:
            line += c == "\n"
            i += 1


class _Text(HTMLParser):
    """Text nodes and the attributes people read, outside <script> and <style>."""

    ATTRS = ("title", "placeholder", "aria-label", "alt", "value", "content")

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[int, str]] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in self.ATTRS and value:
                self.found.append((self.getpos()[0], value))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.found.append((self.getpos()[0], data))


def html_strings(path: Path) -> Iterator[tuple[int, str]]:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    yield from parser.found


def toml_strings(path: Path) -> Iterator[tuple[int, str]]:
    def walk(value: object) -> Iterator[str]:
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for v in value.values():
                yield from walk(v)
        elif isinstance(value, list):
            for v in value:
                yield from walk(v)

    for text in walk(tomllib.loads(path.read_text(encoding="utf-8"))):
        yield 0, text


def sources() -> list[Path]:
    """Every file whose strings reach a person."""
    globs = ("kiosk/*.py", "drivers/printer/layout.py", "contracts/hall_config.py",
             "contracts/ticket_view.py", "server/**/*.py", "display/*.py",
             "display/voice/vocabulary.py", "counter_panel/web/*.html",
             "counter_panel/web/static/*.js", "config/*.toml", "layso/simulate/*.py",
             "layso/demo_summary.py")
    return sorted({p for g in globs for p in ROOT.glob(g) if "migrations" not in p.parts})


def strings(path: Path) -> Iterator[tuple[int, str]]:
    reader = {".py": python_strings, ".js": js_strings, ".html": html_strings,
              ".toml": toml_strings}[path.suffix]
    yield from reader(path)


def problems(text: str) -> list[str]:
    """What is wrong with one user-facing string: forbidden variants, English in Vietnamese."""
    found = [f"{m[0]!r}: write {instead}" for pattern, instead in FORBIDDEN.items()
             for m in re.finditer(pattern, PLACEHOLDER.sub(" ", text))]
    found += [f"English {m[0]!r} in the Vietnamese part {part.strip()!r}"
              for part in vietnamese_parts(text) for m in ENGLISH_WORD.finditer(part)]
    return found


# ---------------------------------------------------------------- the tests


def test_the_checker_knows_each_rule():
    """The checker itself: it catches each review finding and passes real Vietnamese."""
    bad = ["Vé 1023 đang ở trạng thái served, không thể kết thúc.",
           "Counter 1 has no called ticket to kết thúc (finish).",
           "Dữ liệu không hợp lệ — the body is not valid JSON.",
           "Số vé", "Tạm nghỉ", "Phòng Văn hoá", "Huỷ", "Chủ Nhật", "Sức khoẻ", "Uỷ ban",
           "Thuỷ lợi", "Xoá", "Số thứ tự của bạn", "Theo dịch vụ", "Hẹn trả (tuỳ chọn)"]
    for text in bad:
        assert problems(text), text
    good = ["Số thứ tự 1023 đang ở trạng thái “Đã phục vụ”, không thể kết thúc. (Ticket 1023 "
            "is served; cannot finish it.)",
            "Sắp đến lượt Ông/Bà / You are next", "Dự kiến chờ (phút) / Wait (min): {m}",
            "Quầy {n} không có công dân nào đang được gọi. (Counter {n} has no called ticket.)",
            "Văn hóa, Thể thao và Du lịch", "Hủy", "Chủ nhật", "Ủy ban nhân dân", "quý",
            "Hoàn thành", "tuyển dụng", "ngoài giờ", "Cổng Dịch vụ công quốc gia",
            "Dữ liệu không hợp lệ: thiếu trường `service`. (Invalid request: service: is "
            "required.)", "Lập lúc (generated) {t} UTC", "Thủy sản", "khỏe", "Hẹn trả (tùy "
            "chọn)", "Mời lại công dân có số thứ tự", "Thái độ phục vụ chưa tốt",
            "Tiếng the thé day dứt", "Kỳ báo cáo không hợp lệ: chọn ngày (`day`)."]
    for text in good:
        assert not problems(text), (text, problems(text))


def test_every_user_facing_string_follows_the_glossary():
    found = []
    for path in sources():
        for line, text in strings(path):
            for problem in problems(text):
                found.append(f"{path.relative_to(ROOT)}:{line}: {problem}")
    assert not found, "\n".join(found)


def test_the_sources_are_read():
    """A test that reads nothing passes: each kind of source yields its known words."""
    seen = {p.relative_to(ROOT).as_posix(): " ".join(t for _, t in strings(p))
            for p in sources()}
    assert "Lấy số thứ tự" in seen["kiosk/i18n.py"]
    assert "SỐ THỨ TỰ" in seen["drivers/printer/layout.py"]
    assert "Mời lại công dân" in seen["display/voice/vocabulary.py"]
    assert "Tạm dừng" in seen["counter_panel/web/static/common.js"]
    assert "Tạm dừng" in seen["counter_panel/web/panel.html"]
    assert "Đã phục vụ" in seen["server/engine/words.py"]
    assert "Quầy" in seen["config/demo.toml"]


@pytest.mark.parametrize("move", ["call", "recall", "start", "skip", "finish", "transfer",
                                  "requeue", "cancel", "expire"])
def test_composed_messages_keep_one_language_per_part(move):
    """Messages built at run time from state and move names (server/engine/words.py)."""
    from contracts.api import TicketState
    from server.api.errors import _readable_vi
    from server.engine.errors import IllegalMove
    from server.engine.states import Move
    from server.engine.words import MOVE_EN, MOVE_VI, STATE_EN, STATE_VI

    # every state and move has its words in both languages
    assert set(STATE_VI) == set(STATE_EN) == {s.value for s in TicketState}
    assert set(MOVE_VI) == set(MOVE_EN) == {m.value for m in Move}
    for state in STATE_VI:
        message = IllegalMove("1023", state, move).message
        assert not problems(message), message
        assert message.startswith("Số thứ tự 1023 ")
    for kind in ("json_invalid", "extra_forbidden", "missing", "int_parsing"):
        text = "Dữ liệu không hợp lệ: " + _readable_vi({"type": kind, "loc": ("body", "x")})
        assert not problems(text), text


# ---------------------------------------------------------------- the server's messages


def split_bilingual(message: str) -> tuple[str, str] | None:
    """("Vietnamese sentence.", "English sentence.") of "Vietnamese sentence. (English
    sentence.)", or None when the message is not in that form: the last "(…)" must hold the
    English, and only it."""
    message = message.strip()
    if not message.endswith(")"):
        return None
    depth = 0
    for i in range(len(message) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(message[i], 0)
        if depth == 0:
            vi, en = message[:i].strip(), message[i + 1:-1].strip()
            return (vi, en) if VI_LETTER.search(vi) and en and not VI_LETTER.search(en) \
                else None
    return None


def _message_classes() -> set[str]:
    import server.engine.errors as errors

    engine = {name for name, value in vars(errors).items()
              if isinstance(value, type) and issubclass(value, errors.EngineError)}
    return engine | {"HTTPException", "PeriodError"}


def server_messages() -> Iterator[tuple[str, int, str]]:
    """The literal message of every refusal the server builds (an EngineError, an
    HTTPException, a PeriodError), with its file and line; the CLI's own errors are not
    answers of the server and are left out."""
    classes = _message_classes()
    for path in sorted((ROOT / "server").rglob("*.py")):
        if "cli" in path.relative_to(ROOT).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            args = [a for a in node.args if isinstance(a, ast.Constant | ast.JoinedStr)]
            if name not in classes or not args:
                continue
            arg = args[0]
            if isinstance(arg, ast.Constant) and not isinstance(arg.value, str):
                continue
            text = arg.value if isinstance(arg, ast.Constant) else "".join(
                v.value if isinstance(v, ast.Constant) else "{}" for v in arg.values)
            yield str(path.relative_to(ROOT)), node.lineno, text


def test_every_server_message_is_vietnamese_then_english():
    messages = list(server_messages())
    assert len(messages) > 30, "the scan found the server's messages"
    wrong = [f"{path}:{line}: {text!r}" for path, line, text in messages
             if split_bilingual(text) is None]
    assert not wrong, "not 'Vietnamese sentence. (English sentence.)':\n" + "\n".join(wrong)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from tests.support.live import LiveServer

    live = LiveServer.start(db_url=f"sqlite:///{tmp_path_factory.mktemp('g') / 'g.sqlite3'}")
    yield live
    live.stop()


def test_the_servers_answers_keep_one_language_per_part(server):
    """Real refusals over HTTP, the ones the review quoted among them: each detail is
    "Vietnamese. (English.)" and its Vietnamese part passes the glossary."""
    kiosk = server.client(server.device_token("kiosk-g"))
    officer = server.client(server.login("glossary-officer", counter=1))
    answers = {
        "no route": kiosk.get("/api/v1/nowhere"),
        "wrong method": kiosk.delete("/api/v1/services"),
        "not JSON": kiosk.post("/api/v1/tickets", content=b"{not json",
                               headers={"content-type": "application/json"}),
        "unknown field": kiosk.post("/api/v1/tickets", json={"service": "HT", "x": 1}),
        "unknown service": kiosk.post("/api/v1/tickets", json={"service": "NOPE"}),
        "role": kiosk.get("/api/v1/devices"),
        "not this counter": kiosk.post("/api/v1/counters/1/next"),
        "nobody called": officer.post("/api/v1/counters/1/finish", json={}),
        "no such number": officer.post("/api/v1/counters/1/call", json={"number": "9999"}),
    }
    for what, r in answers.items():
        assert r.status_code >= 400, (what, r.status_code, r.text)
        detail = r.json()["detail"]
        parts = split_bilingual(detail)
        assert parts is not None, (what, detail)
        assert not problems(detail), (what, detail, problems(detail))
    idle = answers["nobody called"].json()["detail"]
    assert "không thể kết thúc" in idle and idle.endswith("has no called ticket to finish.)")
    assert "không có số thứ tự 9999" in answers["no such number"].json()["detail"]
    assert "Vai trò ki-ốt" in answers["role"].json()["detail"]
