"""What the gateway may print of a caller (a log line, a traceback's locals) never holds the
session token or the CSRF secret: whoever reads the logs cannot act as the person."""
from gateway.entrypoints.admission import Caller, Credential

TOKEN, CSRF = "sess_9f2c41d07be84a1c", "csrf_5d0e6b2a9c71"


def test_a_callers_repr_names_the_person_but_not_their_token_or_csrf_secret():
    shown = repr(Caller(address="203.0.113.9", token=TOKEN, via="cookie", person_id="person-1", csrf=CSRF))
    assert "person-1" in shown and "cookie" in shown
    assert TOKEN not in shown and CSRF not in shown


def test_a_credentials_repr_does_not_hold_its_token():
    shown = repr(Credential(TOKEN, "bearer"))
    assert "bearer" in shown and TOKEN not in shown
