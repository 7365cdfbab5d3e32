"""`python -m revgen_fakes.stripe --port 12111`: the Stripe fake as a process, for a local
run without a Stripe account (`./dev up` starts it). Controls: POST /_fake/control/{name}."""
from revgen_fakes.serve import serve
from revgen_fakes.stripe import create_app

if __name__ == "__main__":
    serve(create_app, __doc__, 12111)
