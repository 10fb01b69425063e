"""Whether a counter may call a given number out of turn ("Call a number", `…/call`).

Next only ever offers a counter its own services and the tickets sent to it; calling a number
by hand used to skip both rules, so an officer could take a citizen of a service the counter
does not do, or one transferred to a colleague's counter who was waiting there. Those calls
are refused with the reason, unless the officer confirms on the panel; the confirmed call's
event then says so (`confirmed: true, override: …`). Pure: the caller gives the rows' facts.
"""

from __future__ import annotations

from contracts.hall_config import HallConfig
from server.engine.errors import CallNeedsConfirm

OTHER_SERVICE = "other_service"
OTHER_COUNTER = "other_counter"


def out_of_turn(cfg: HallConfig, counter: int, number: str, service: str,
                target_counter: int | None) -> CallNeedsConfirm | None:
    """The refusal for calling ticket `number` (of `service`, sent to `target_counter` if a
    transfer named one) at `counter`, or None when Next could have called it there too."""
    here = cfg.counter(counter)
    label = here.label if here else str(counter)
    if target_counter is not None:
        if target_counter == counter:
            return None
        there = cfg.counter(target_counter)
        other = there.label if there else str(target_counter)
        return CallNeedsConfirm(
            f"Số {number} đã được chuyển đến quầy {other}, không phải quầy {label}. Bấm "
            f"“Vẫn gọi” nếu chắc chắn muốn gọi. (Ticket {number} was transferred to counter "
            f"{other}, not counter {label}. Choose “Call anyway” if you are sure.)",
            number=number, reason=OTHER_COUNTER, service=service, counter=target_counter,
            counter_label=other)
    if here is not None and service in here.services:
        return None
    svc = cfg.service(service)
    name, name_en = (svc.name, svc.name_en) if svc else (service, service)
    return CallNeedsConfirm(
        f"Số {number} thuộc lĩnh vực {name}, quầy {label} không phục vụ lĩnh vực này. Bấm "
        f"“Vẫn gọi” nếu chắc chắn muốn gọi. (Ticket {number} is for {name_en}, which counter "
        f"{label} does not serve. Choose “Call anyway” if you are sure.)",
        number=number, reason=OTHER_SERVICE, service=service, service_name=name)
