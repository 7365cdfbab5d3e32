"""The gateway's own Prometheus metrics (on /metrics/, beside the process's)."""
from prometheus_client import Counter

REFUSALS = Counter("gateway_refusals_total", "Requests the door refused, by status (401, 403, 404, 422, 429)",
                   ["status"])
DECISIONS = Counter("gateway_decisions_total", "Authorization decisions, by where the answer came from",
                    ["source"])  # cache | identity
