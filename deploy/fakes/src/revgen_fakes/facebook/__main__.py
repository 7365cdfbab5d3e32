"""`python -m revgen_fakes.facebook --port 12117`: the Facebook Graph fake as a process (`./dev up`
starts it). A page is known once a rating is added (POST /_fake/ratings), with its token."""
from revgen_fakes.facebook import FacebookState, create_app
from revgen_fakes.serve import serve


def app():
    return create_app(FacebookState())


if __name__ == "__main__":
    serve(app, __doc__, 12117)
