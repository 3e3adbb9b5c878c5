#!/usr/bin/env bash
# Makes crates/media/assets/default-greeting.opus, the greeting voicemail plays when the
# person called has not recorded their own: espeak-ng speaks it, sox resamples it to 48 kHz
# mono, opusenc encodes it at a speech bitrate (about 16 KB).
#
# Needs Debian's espeak-ng, sox and opus-tools:
#   apt-get install -y --no-install-recommends espeak-ng sox opus-tools
# The output is committed; run this again only to change the words or the voice.
set -euo pipefail

text="The person you called is not available. Please leave a message after the tone."
out="$(dirname "$0")/../crates/media/assets/default-greeting.opus"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

espeak-ng -v en-us -s 150 -w "$work/speech.wav" "$text"
# Headroom: espeak-ng peaks near full scale, and resampling can overshoot. No dither (-D),
# so the same words give the same bytes.
sox -D "$work/speech.wav" -r 48000 -c 1 -b 16 "$work/speech48k.wav" gain -n -3
# --discard-comments keeps the comments down to the encoder and its options.
opusenc --quiet --bitrate 24 --framesize 20 --discard-comments --serial 1 "$work/speech48k.wav" "$out"
ls -l "$out"
