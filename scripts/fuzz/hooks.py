"""Schemathesis hooks for restphone: voice messages and greetings are sent as a real
Ogg Opus file, the way schemathesis itself sends a real PNG for image/png, because the
server checks the file and JSON Schema cannot say "a playable Ogg Opus file"."""

import os

import schemathesis

SAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "crates", "oggopus", "testdata", "sine_2500ms.opus")

with open(SAMPLE, "rb") as sample:
    OGG_OPUS = sample.read()


@schemathesis.serializer("audio/ogg", "audio/opus")
def ogg_opus(ctx, value):
    return OGG_OPUS
