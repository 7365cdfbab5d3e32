"""`python -m revgen_fakes.resend --port 12115`: the Resend fake as a process, for a local run
without a Resend account (`./dev up` starts it); it accepts RESEND_API_KEY. Read what it sent
(login codes) at GET /_fake/emails."""
import os

from revgen_fakes.resend import ResendState, create_app
from revgen_fakes.serve import serve


def app():
    return create_app(ResendState(api_keys={os.environ["RESEND_API_KEY"]}))


if __name__ == "__main__":
    serve(app, __doc__, 12115)
