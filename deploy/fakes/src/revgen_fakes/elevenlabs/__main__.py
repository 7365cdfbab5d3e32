"""`python -m revgen_fakes.elevenlabs --port 12114`: the ElevenLabs fake as a process, for a
local run without an ElevenLabs account (`./dev up` starts it); it accepts ELEVENLABS_API_KEY."""
import os

from revgen_fakes.elevenlabs import ElevenLabsState, create_app
from revgen_fakes.serve import serve


def app():
    return create_app(ElevenLabsState(api_keys={os.environ["ELEVENLABS_API_KEY"]}, latency=0.3))


if __name__ == "__main__":
    serve(app, __doc__, 12114)
