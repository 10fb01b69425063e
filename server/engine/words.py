"""The Vietnamese words for ticket states, counter moves and roles: one definition.

Messages are "Vietnamese sentence. (English sentence.)" (docs/glossary.md): the Vietnamese
part names a state or a move in Vietnamese, the English part in English, so no sentence mixes
the two. The QR page (server/follow_page.py) shows the same state names, and the glossary test
(tests/trust/test_glossary.py) checks that no code word leaks into a Vietnamese sentence.
"""

from __future__ import annotations

# Ticket states (contracts.api.TicketState values) as citizens and officers read them.
STATE_VI: dict[str, str] = {
    "waiting": "Đang chờ",
    "transferred": "Đang chờ (đã chuyển)",
    "called": "Đang được mời",
    "serving": "Đang được phục vụ",
    "served": "Đã phục vụ xong",
    "no_show": "Vắng mặt khi được mời",
    "cancelled": "Đã hủy",
    "expired": "Hết hạn",
}

STATE_EN: dict[str, str] = {
    "waiting": "waiting",
    "transferred": "waiting (transferred)",
    "called": "called",
    "serving": "being served",
    "served": "served",
    "no_show": "a no-show",
    "cancelled": "cancelled",
    "expired": "expired",
}

# Counter moves (server.engine.states.Move values): the Vietnamese verb, and the English one.
MOVE_VI: dict[str, str] = {
    "call": "gọi",
    "recall": "gọi lại",
    "start": "bắt đầu phục vụ",
    "skip": "bỏ qua",
    "finish": "kết thúc",
    "transfer": "chuyển",
    "requeue": "xếp lại hàng",
    "cancel": "hủy",
    "expire": "cho hết hạn",
}
MOVE_EN: dict[str, str] = {
    "call": "call",
    "recall": "recall",
    "start": "start serving",
    "skip": "skip",
    "finish": "finish",
    "transfer": "transfer",
    "requeue": "requeue",
    "cancel": "cancel",
    "expire": "expire",
}

# Roles and device kinds (contracts.api.Role, DeviceKind values), for refusals.
ROLE_VI: dict[str, str] = {
    "officer": "cán bộ",
    "manager": "quản lý",
    "admin": "quản trị viên",
    "kiosk": "ki-ốt",
    "display": "màn hình",
    "rating": "thiết bị đánh giá",
    "keypad": "bàn phím quầy",
}


def state_vi(state: str) -> str:
    """The Vietnamese name of a ticket state; an unknown code is shown as it is."""
    return STATE_VI.get(state, state)
