from prometheus_client import Counter, Gauge, Histogram

WEBHOOKS = Counter("ingress_webhooks_total", "Webhooks answered, by source and outcome", ["source", "outcome"])
REJECTED = Counter("ingress_webhooks_rejected_total", "Webhooks refused, by reason", ["reason"])
PUBLISH_SECONDS = Histogram(
    "ingress_kafka_publish_seconds", "From handing a webhook to the producer to its acks=all",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
IN_FLIGHT = Gauge("ingress_requests_in_flight", "Requests being handled")
