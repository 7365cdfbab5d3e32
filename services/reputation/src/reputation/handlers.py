"""What reputation's consumer applies (topics.REPUTATION_GROUP), by message contract: every
one calls a source or OpenAI outside the batch's transaction (Staged's prepare) and records
the answer in it (its apply)."""
from __future__ import annotations

from reputation.service_layer.polling import Polling
from reputation.service_layer.replies import Replies
from revgen_common.consumer import Handlers, Staged
from revgen_common.contracts.reputation import PollReviews, PostReply, ReviewReceived


def handlers(polling: Polling, replies: Replies) -> Handlers:
    return {PollReviews: Staged(polling.read, polling.record),
            ReviewReceived: Staged(replies.draft, replies.keep_draft),
            PostReply: Staged(replies.post, replies.record_post)}
