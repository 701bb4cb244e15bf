"""Marketplaces whose sealed keys do not open with this SECRET_KEY, as a sync job meets them: said once per job and
process in the log and once a day in the alert chat (the alert the webhook receiver writes too), not every round;
the job goes on with the others."""

from __future__ import annotations

import logging
from collections.abc import Collection

from core import outbox
from core.db import Conn
from core.webhooks import UNREADABLE_ALERT_EVERY

log = logging.getLogger(__name__)

# What a request aimed at such a marketplace (a key check, a catalogue import) is refused with: the bot words it.
REFUSED = "[keys_unreadable]"


class UnreadableKeys:
    """One job's memory of what it has told. `job` names what the marketplace goes without, in the log line
    (e.g. "stock pushes")."""

    def __init__(self, job: str) -> None:
        self._job = job
        self._told: set[int] = set()

    async def tell(self, conn: Conn, unreadable: Collection[int]) -> None:
        """Tell of the marketplaces in `unreadable` not told of yet; one that opens again is told again if it
        breaks later. Never raises: the job's work with the others comes first."""
        self._told &= set(unreadable)  # mended ones
        new = sorted(set(unreadable) - self._told)
        if not new:
            return
        try:
            # A savepoint inside the caller's transaction (the FBS worker's): a failure here must not undo its work.
            async with conn.transaction():
                rows = await conn.fetch("SELECT id, slug, name FROM marketplaces WHERE id = ANY($1::int[])", new)
                for row in rows:
                    await outbox.add_unless_recent(
                        conn, outbox.MarketplaceKeysUnreadable(row["id"], row["name"]), UNREADABLE_ALERT_EVERY
                    )
            for row in rows:
                log.error(
                    "%s: its API keys cannot be decrypted with this SECRET_KEY: no %s for it until the keys are"
                    " configured again or the right SECRET_KEY is back",
                    row["slug"],
                    self._job,
                )
                self._told.add(row["id"])
        except Exception as error:  # told on a later round
            log.warning("the alert about unreadable marketplace keys is not written yet: %s", error)
