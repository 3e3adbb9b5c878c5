#!/usr/bin/env bash
# Makes sure a PulseAudio daemon is running with a null sink, `rp_null`, as the default
# output and its monitor, `rp_null.monitor`, as the default input (and a second null
# sink, `rp_second`): the tests of the real
# audio device path (cpal → ALSA's pulse plugin) play into the sink and capture the monitor.
# Idempotent. Run it (`bash scripts/audio.sh`) or source it from another script.
# Needs the Debian packages pulseaudio, pulseaudio-utils and libasound2-plugins.

ensure_null_audio() {
    local tool
    for tool in pulseaudio pactl; do
        if ! command -v "$tool" >/dev/null; then
            echo "audio.sh: $tool is missing: install the Debian packages pulseaudio pulseaudio-utils libasound2-plugins" >&2
            return 1
        fi
    done

    if ! pactl info >/dev/null 2>&1; then
        # As root it warns that it is not meant to run as root; it runs all the same.
        pulseaudio -D --exit-idle-time=-1 --system=false 2>/dev/null || true
        local deadline=$((SECONDS + 15))
        until pactl info >/dev/null 2>&1; do
            if ((SECONDS >= deadline)); then
                echo "audio.sh: PulseAudio did not answer within 15 s (pulseaudio -D --exit-idle-time=-1 --system=false)" >&2
                return 1
            fi
            sleep 0.1
        done
    fi

    # rp_second: a second output, for the app test that moves a call's playout.
    local sink
    for sink in rp_null rp_second; do
        if ! pactl list short sinks | cut -f2 | grep -qx "$sink"; then
            pactl load-module module-null-sink sink_name="$sink" >/dev/null || return 1
        fi
    done
    pactl set-default-sink rp_null || return 1
    pactl set-default-source rp_null.monitor || return 1
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    ensure_null_audio
else
    ensure_null_audio || return 1
fi
