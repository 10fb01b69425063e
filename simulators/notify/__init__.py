"""A notification gateway simulator (the `[notify]` webhook contract), for tests and demos."""

from simulators.notify.webhook import WebhookSim

__all__ = ["WebhookSim"]
