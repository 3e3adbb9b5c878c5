#!/usr/bin/env bash
# Makes the tray icons (icons/tray/*.png) from the app icon: a coloured badge for each
# state, and the offline one in grey. Run once after the app icon changes (needs ImageMagick).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p icons/tray
for look in ready:'#1e9e4a' in-call:'#2563eb' voicemail:'#e08a00' offline:'#8a8a8a'; do
    name=${look%%:*} color=${look#*:}
    grey=()
    [ "$name" = offline ] && grey=(-colorspace Gray)
    convert icons/64x64.png "${grey[@]}" -fill "$color" -stroke white -strokewidth 3 -draw "circle 48,48 48,34" PNG32:"icons/tray/$name.png"
done
