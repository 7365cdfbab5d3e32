"""Twilio's and Resend's pacing is the system's one Pacer (revgen_common.pacing), shared with
reputation's review sources since #18; kept importable here for messaging's modules."""
from revgen_common.pacing import MISSED_TURN, PROBE_LEASE, PROBE_PENDING_WAIT, Pacer, TokenBucket, Turns

__all__ = ["MISSED_TURN", "PROBE_LEASE", "PROBE_PENDING_WAIT", "Pacer", "TokenBucket", "Turns"]
