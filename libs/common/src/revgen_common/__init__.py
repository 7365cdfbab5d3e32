"""RevGen's shared runtime. The public surface is `__all__`; everything else is internal."""
from revgen_common.consumer import ConsumerOptions, Delivered, ExactlyOnceConsumer, Handler, OwnTransactions, Staged
from revgen_common.envelope import Envelope, event_id_from
from revgen_common.errors import PermanentError, TransientError
from revgen_common.handler_context import HandlerContext, HandlerMisuse
from revgen_common.kafka_stage import Output, TransactionalStage
from revgen_common.relay import OutboxRelay
from revgen_common.settings import Required, Secret, ServiceSettings, load_settings
from revgen_common.topics import ALL_TOPICS, TopicSpec, ensure_topics
from revgen_common.unit_of_work import UnitOfWork

__all__ = [
    "ALL_TOPICS",
    "ConsumerOptions",
    "Delivered",
    "Envelope",
    "ExactlyOnceConsumer",
    "Handler",
    "HandlerContext",
    "HandlerMisuse",
    "OwnTransactions",
    "Staged",
    "OutboxRelay",
    "Output",
    "PermanentError",
    "Required",
    "Secret",
    "ServiceSettings",
    "TopicSpec",
    "TransactionalStage",
    "TransientError",
    "UnitOfWork",
    "ensure_topics",
    "event_id_from",
    "load_settings",
]
