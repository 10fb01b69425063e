"""Messages to citizens through the hall's notification gateway, by a durable outbox.

A message is a row of `outbox`, written in the transaction of the fact that causes it
(`enqueue`, inside a `hall.write` job): if the fact commits, its message is there; if not,
neither is. The deployment's one sender (`OutboxSender`, in the process that runs the
scheduler) claims due rows with a lease, sends them through the gateway of `[notify]` and
marks them sent, or due again later with exponential backoff. Sending is never on a request's
path: a dead gateway delays messages, never a ticket.

Delivery is at least once: a sender killed between the gateway's answer and the mark sends
that message again once its lease ends. Every send carries the row's `dedupe_key` as the
`Idempotency-Key`, so a gateway that honours it (the webhook contract asks it to) delivers it
once.
"""

from server.outbox.store import OutboxStore, enqueue

__all__ = ["OutboxStore", "enqueue"]
