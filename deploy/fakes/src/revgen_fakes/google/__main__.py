"""`python -m revgen_fakes.google --port 12116`: the Google fake as a process (`./dev up`
starts it); it knows GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET. Consent says yes at once;
any location has no reviews until some are added (POST /_fake/reviews)."""
import os

from revgen_fakes.google import GoogleState, create_app
from revgen_fakes.serve import serve


def app():
    return create_app(GoogleState(client_id=os.environ["GOOGLE_CLIENT_ID"],
                                  client_secret=os.environ["GOOGLE_CLIENT_SECRET"]))


if __name__ == "__main__":
    serve(app, __doc__, 12116)
