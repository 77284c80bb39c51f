"""/healthz (the process lives) and /readyz (it can serve: database answers, schema is current)."""

from __future__ import annotations

import logging

from bot.store import Store

log = logging.getLogger(__name__)


def readiness(store: Store, stopping: bool = False) -> tuple[bool, str]:
    """(ready, why): a load balancer sends traffic only where this says ready."""
    if stopping:
        return False, "shutting down"
    try:
        current, head = store.schema_revision()
    except Exception as exc:
        log.warning("readiness: the database does not answer: %s", exc)
        return False, f"database unavailable: {type(exc).__name__}"
    if current != head:
        return (
            False,
            f"schema at {current or 'nothing'}, this code needs {head}: run wgbot db upgrade",
        )
    return True, "ready"
