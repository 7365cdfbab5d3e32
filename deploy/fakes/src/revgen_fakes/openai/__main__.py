"""`python -m revgen_fakes.openai --port 12113`: the OpenAI fake as a process, for a local run
without an OpenAI account (`./dev up` starts it); it accepts OPENAI_API_KEY."""
import os

from revgen_fakes.openai import OpenAIState, create_app
from revgen_fakes.serve import serve


def app():
    return create_app(OpenAIState(api_keys={os.environ["OPENAI_API_KEY"]}, latency=0.3))


if __name__ == "__main__":
    serve(app, __doc__, 12113)
