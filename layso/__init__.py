"""Layso: queue tickets and counter calling for one-stop service halls."""

__version__ = "0.1.0"
