"""`python -m revgen_fakes.twilio --port 12112`: the Twilio fake as a process, for a local run
without a Twilio account (`./dev up` starts it). Its account is TWILIO_ACCOUNT_SID /
TWILIO_AUTH_TOKEN from the environment, so ingress verifies the callbacks it signs."""
import os

from revgen_fakes.serve import serve
from revgen_fakes.twilio import TwilioState, create_app


def app():
    return create_app(TwilioState(account_sid=os.environ["TWILIO_ACCOUNT_SID"],
                                  auth_token=os.environ["TWILIO_AUTH_TOKEN"], callback_delay=0.2))


if __name__ == "__main__":
    serve(app, __doc__, 12112)
