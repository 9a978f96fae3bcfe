"""A durable job queue in one MongoDB collection, for work done outside a transaction.

Sending an e-mail or POSTing a webhook cannot be part of a database transaction, so the
consumer that decides to do it only *enqueues* a job; a :class:`Dispatcher` then runs
jobs with bounded concurrency and settles their outcomes in bulk. Several service
instances may dispatch at once: a claim is a conditional write, so each job is held by
one instance at a time, until its claim expires (its holder died).

A job is a document: ``_id`` (the idempotency key: enqueueing it again is a no-op),
``tenant_id``, an optional ``group`` and any payload fields. Jobs of one group run
strictly one at a time, in enqueue order. The group's *head* (the one that may run) holds
the group: ``head`` (the group's key, unique among documents: a second head cannot be
written) and ``last`` (the number of the group's latest job); the jobs behind it wait
(``waiting``), numbered by ``seq``, and the head hands ``head`` and ``last`` on to the next
one when it finishes (``done`` or ``failed``). A group with one unfinished job costs
nothing besides that job's own writes; only a job that joins a group with a head, or a
head with jobs behind it, needs a transaction.

Enqueueing outside a transaction writes each new job (or group head) with one insert, so
an accepted job is durable once the insert returns; inside the caller's transaction the
jobs commit with it. A dispatcher may take the jobs it enqueues at once: they are
inserted claimed by it (:meth:`DeliveryQueue.put`, :meth:`Dispatcher.adopt`), so running
them costs no claim; another instance takes them only when that claim expires.

Lifecycle: ``waiting -> queued -> claimed -> done | failed`` (an adopted job is inserted
``claimed``), ``claimed -> queued`` (retry later, attempts counted), ``failed -> queued``
(:meth:`DeliveryQueue.reopen`). A claimed job's ``due_at`` is its claim expiry, so one
index ``(status, due_at)`` serves claims, the next due time and expired claims alike.

Writes outside a transaction name one job per statement (a bulk of them, not an
``update_many``): on the embedded server a multi-document update that meets a document a
transaction wrote waits for that transaction while holding the whole collection, which
the transaction's next write needs: neither ends.
"""

from crm_shared.delivery_queue.dispatcher import (
    Dispatcher,
    EnqueueOnCommit,
    Handler,
    OnExpired,
    Settle,
)
from crm_shared.delivery_queue.jobs import (
    UNFINISHED,
    Enqueued,
    Job,
    Outcome,
    Status,
    backoff_delay,
    queue_indexes,
)
from crm_shared.delivery_queue.queue import DeliveryQueue

__all__ = [
    "UNFINISHED",
    "DeliveryQueue",
    "Dispatcher",
    "EnqueueOnCommit",
    "Enqueued",
    "Handler",
    "Job",
    "OnExpired",
    "Outcome",
    "Settle",
    "Status",
    "backoff_delay",
    "queue_indexes",
]
