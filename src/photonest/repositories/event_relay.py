"""Client events kept for the other processes to deliver."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, insert, select

from photonest.db.tables import event_relay
from photonest.events.bus import ClientEvent
from photonest.repositories.base import Repository


class EventRelayRepository(Repository):
    """SQL for the `event_relay` table."""

    def append(self, origin: str, event: ClientEvent) -> None:
        values = {"origin": origin, "name": event.name, "room": event.room, "payload": list(event.payload)}
        self.execute(insert(event_relay), values)

    def last_id(self) -> int:
        return int(self.execute(select(func.coalesce(func.max(event_relay.c.id), 0))).scalar_one())

    def after(self, floor: int, limit: int) -> list[tuple[int, str, ClientEvent]]:
        """Events with an id above `floor`, oldest first: (id, origin, event)."""
        query = select(event_relay).where(event_relay.c.id > floor).order_by(event_relay.c.id).limit(limit)
        return [
            (row.id, row.origin, ClientEvent(row.name, row.room, tuple(row.payload))) for row in self.execute(query)
        ]

    def prune(self, before: datetime) -> int:
        return int(self.db.execute(delete(event_relay).where(event_relay.c.created_at < before)).rowcount)
