"""The link to the province's one-stop e-system, where dossiers live (DESIGN.md, "The one-stop
e-system"). One interface (`base.ESystem`), one small module per kind; `make_esystem` picks it
from the hall file's `[esystem]`."""

from __future__ import annotations

from contracts.hall_config import HallConfig
from server.esystem.base import (
    DossierLookup,
    ESystem,
    ESystemUnavailable,
    NoESystem,
    Procedure,
)


def make_esystem(cfg: HallConfig) -> ESystem:
    """The adapter the hall file asks for (`none` answers every lookup as unavailable)."""
    from server.esystem.catalog import load_catalog

    catalog = load_catalog(cfg.esystem.catalog) if cfg.esystem.catalog else None
    if cfg.esystem.kind == "opencps":
        from server.esystem.opencps import OpenCPS

        return OpenCPS(cfg.esystem, cfg.zone, catalog=catalog)
    if cfg.esystem.kind == "dvcqg":
        from server.esystem.dvcqg import DVCQG

        return DVCQG(cfg.esystem, cfg.zone, catalog=catalog)
    return NoESystem(catalog=catalog)


__all__ = ["DossierLookup", "ESystem", "ESystemUnavailable", "NoESystem", "Procedure",
           "make_esystem"]
