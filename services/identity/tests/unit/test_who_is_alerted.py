"""Who hears an alert and how: the rules, without I/O."""
from identity.domain.alerts import alert_for, channels_for
from revgen_common.contracts.billing import BillingDriftDetected, PaymentActionRequired
from revgen_common.contracts.dead_letters import MessageDeadLettered
from revgen_common.topics import DEAD_LETTERS


def test_a_person_is_told_by_the_channels_they_chose_among_the_contacts_they_have():
    assert channels_for("both", "+14155550100", "a@b.example") == [("sms", "+14155550100"), ("email", "a@b.example")]
    assert channels_for("email", "+14155550100", "a@b.example") == [("email", "a@b.example")]
    assert channels_for("sms", "+14155550100", None) == [("sms", "+14155550100")]


def test_a_person_who_chose_a_channel_they_have_no_contact_for_is_told_by_the_one_they_have():
    assert channels_for("email", "+14155550100", None) == [("sms", "+14155550100")]
    assert channels_for("sms", None, "a@b.example") == [("email", "a@b.example")]


def test_client_billing_goes_to_the_client_and_platform_troubles_to_the_operators():
    sca = alert_for(PaymentActionRequired(client_id="c1", invoice_id="in_1", subscription_id=None, amount_cents=100,
                                          currency="eur"), "Ace")
    drift = alert_for(BillingDriftDetected(kind="status_mismatch", object_id="sub_1", detail="active vs past_due",
                                           repaired=False, client_id="c1"))
    assert sca is not None and (sca.audience, sca.cause) == ("client_billing", "payment_action_required:in_1")
    assert "1.00 EUR" in sca.body and "Ace" in sca.body
    assert drift is not None and (drift.audience, drift.cause) == ("operators", "drift:status_mismatch:sub_1")


def test_a_dead_letter_is_alerted_by_its_consumer_and_message_but_a_dead_letter_of_a_dead_letter_is_not():
    def letter(topic: str) -> MessageDeadLettered:
        return MessageDeadLettered(consumer="billing", original_topic=topic, original_partition=1, original_offset=5,
                                   original_key="k", original_type="StripeEventReceived", original_event_id="e1",
                                   error_class="PermanentError", error_message="no")
    alert = alert_for(letter("webhooks.stripe"))
    assert alert is not None and (alert.audience, alert.cause) == ("operators", "dead_letter:billing:e1")
    assert alert_for(letter(DEAD_LETTERS.name)) is None
