"""`revgen-voice`: validate settings, then answer Twilio's voice webhooks and run the consumer and relay."""
from revgen_common.service import serve
from voice.bootstrap import create_app
from voice.settings import VoiceSettings


def main() -> None:
    serve("voice", VoiceSettings, create_app)


if __name__ == "__main__":
    main()
