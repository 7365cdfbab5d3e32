"""The operators' figures, from revgen_ops (the same code as `revgen lag` and `revgen dlq
list`): lag per consumer group read from the brokers, and the dead letters waiting."""
from __future__ import annotations

from revgen_common.pagination import decode_keyset, next_cursor
from revgen_ops.dead_letters import dead_letters
from revgen_ops.lag import observe


async def lag(bootstrap_servers: str) -> list[dict]:
    """Every group the brokers or the services know, worst first, with its lagging partitions.
    On the wall clock, as `revgen lag`: the brokers stamp messages and commits with it."""
    groups = await observe(bootstrap_servers)
    return [{"group": g.group, "state": g.state, "status": g.status.name, "lag": g.lag,
             "lag_seconds": round(g.lag_seconds, 1), "members": len(g.members),
             "partitions": [{"topic": p.topic, "partition": p.partition, "committed": p.committed, "end": p.end,
                             "lag": p.lag, "lag_seconds": round(p.lag_seconds, 1), "status": p.status.name,
                             "reason": p.reason} for p in g.partitions if p.lag or p.status.name != "OK"]}
            for g in sorted(groups, key=lambda g: (-g.status, -g.lag, g.group))]


async def letters(bootstrap_servers: str, consumer: str | None, limit: int, cursor: str | None) -> dict:
    """Dead letters newest first (by their place on revgen.dead-letters), a page at a time."""
    before_at, before_address = decode_keyset(cursor, str, str)
    every = sorted(await dead_letters(bootstrap_servers, consumer),
                   key=lambda d: (d.dead_lettered_at.isoformat(), d.address), reverse=True)
    if before_at is not None:
        every = [d for d in every if (d.dead_lettered_at.isoformat(), d.address) < (before_at, before_address)]
    rows = every[:limit + 1]
    return {"data": [{"address": d.address, "consumer": d.consumer, "event_id": str(d.event_id) if d.event_id else None,
                      "event_type": d.event_type, "topic": d.topic, "error_class": d.error_class,
                      "error_message": d.error_message[:500], "dead_lettered_at": d.dead_lettered_at.isoformat()}
                     for d in rows[:limit]],
            "next": next_cursor(rows, limit, lambda d: (d.dead_lettered_at.isoformat(), d.address))}
