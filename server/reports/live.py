"""The manager's live view of the hall: the snapshot, plus each service's target wait, the
alerts a manager must act on, and today's running figures.

An alert is raised when a service's longest current wait passes its target
(`services[].target_wait_s` in the hall file), when a device reports a fault, and while the
database refuses writes (disk full, connection lost: `store`, from `server.db.faults`).
"""

from __future__ import annotations

from typing import Any

from contracts.api import DeviceHealth
from server.queue import views
from server.queue.context import Tx
from server.reports.period import Period, PeriodKind
from server.reports.summary import build

DEVICE_OK = ("ok", "unknown")


def _minutes(seconds: int) -> int:
    return -(-seconds // 60)


def wait_alerts(services: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for s in services:
        target = s.get("target_wait_s")
        if target and s["waiting"] and s["longest_wait_s"] > target:
            out.append({
                "kind": "wait_over_target", "service": s["code"],
                "longest_wait_s": s["longest_wait_s"], "target_wait_s": target,
                "vi": f"{s['name']}: có công dân đã chờ {_minutes(s['longest_wait_s'])} phút "
                      f"(chỉ tiêu {_minutes(target)} phút).",
                "en": f"{s['name_en']}: a citizen has waited {_minutes(s['longest_wait_s'])} "
                      f"min (target {_minutes(target)} min).",
            })
    return out


def device_alerts(devices: list[DeviceHealth]) -> list[dict[str, Any]]:
    out = []
    for d in devices:
        if d.online is False or d.status not in DEVICE_OK:
            where = f" (quầy {d.counter})" if d.counter else ""
            where_en = f" (counter {d.counter})" if d.counter else ""
            detail = f": {d.detail}" if d.detail else ""
            out.append({"kind": "device_fault", "device": d.name, "status": d.status,
                        "vi": f"Thiết bị {d.name}{where} báo lỗi {d.status}{detail}.",
                        "en": f"Device {d.name}{where_en} reports {d.status}{detail}."})
    return out


def store_alerts(store: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not store:
        return []
    return [{"kind": "store_fault", "fault": store["kind"], "since": store["since"],
             "refused": store["refused"], "vi": store["vi"], "en": store["en"]}]


def live_view(tx: Tx, devices: list[DeviceHealth],
              store: dict[str, Any] | None = None) -> dict[str, Any]:
    snap = views.snapshot(tx, devices)
    targets = {s.code: s.target_wait_s for s in tx.cfg.services}
    services = []
    for s in snap.services:
        row = s.model_dump(mode="json")
        row["target_wait_s"] = targets.get(s.code)
        row["over_target"] = bool(row["target_wait_s"] and s.waiting
                                  and s.longest_wait_s > row["target_wait_s"])
        services.append(row)
    today = build(tx, Period(tx.today, tx.today, PeriodKind.day))
    t = today["totals"]
    return {
        "seq": snap.seq, "now": snap.now.isoformat(), "open": snap.open,
        "opens_at": snap.opens_at.isoformat() if snap.opens_at else None,
        "hall": snap.hall.model_dump(mode="json"),
        "services": services,
        "counters": [c.model_dump(mode="json") for c in snap.counters],
        "devices": [d.model_dump(mode="json") for d in snap.devices],
        "alerts": store_alerts(store) + wait_alerts(services) + device_alerts(snap.devices),
        "store": store,
        "today": {"date": tx.today.isoformat(), "issued": t["issued"], "served": t["served"],
                  "no_show": t["no_show"], "waiting": sum(s["waiting"] for s in services),
                  "wait_mean_s": t["wait"]["mean_s"],
                  "satisfaction_rate": today["satisfaction"]["satisfaction_rate"],
                  "rated": today["satisfaction"]["rated"]},
    }
