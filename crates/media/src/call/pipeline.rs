//! The clocked halves of a call's audio. Sending: every frame tick, read the input,
//! encode Opus, hand it to the track. Receiving: packets from the network go into the
//! jitter buffer; every frame tick, one frame comes out (decoded, rebuilt from FEC or
//! concealed) and goes to the output.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use rtc::media::Sample;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::{Interval, MissedTickBehavior};
use webrtc::media_stream::track_local::static_sample::TrackLocalStaticSample;
use webrtc::media_stream::track_remote::{TrackRemote, TrackRemoteEvent};

use super::devices::AudioDevices;
use super::impairment::{Impairment, LossyLink};
use crate::jitter::{JitterBuffer, JitterConfig, JitterStats, Packet, Playout};
use crate::opus::{Decoder, Encoder, FrameDuration, packet_samples};

/// The loss the encoder spends FEC redundancy on.
const EXPECTED_LOSS_PERCENT: u8 = 10;
/// The least playout delay: the jitter buffer adds more when it sees jitter. 20 ms holds
/// two 10 ms frames (room for the next packet's FEC to stand in for a lost one) but only
/// one 20 ms frame, so on a clean link 20 ms frames are not delayed twice.
const MIN_DELAY: Duration = Duration::from_millis(20);

/// What the user sets on a live call, and what the receive path reports back.
#[derive(Debug, Default)]
pub(crate) struct Controls {
    muted: AtomicBool,
    held: AtomicBool,
    receive: Mutex<ReceiveState>,
}

#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct ReceiveState {
    pub(crate) stats: JitterStats,
    /// When the first frame decoded from a packet was played.
    pub(crate) first_played: Option<Instant>,
    /// When the latest frame decoded from a packet was played.
    pub(crate) last_played: Option<Instant>,
}

impl Controls {
    pub(crate) fn set_muted(&self, muted: bool) {
        self.muted.store(muted, Ordering::Relaxed);
    }

    pub(crate) fn set_held(&self, held: bool) {
        self.held.store(held, Ordering::Relaxed);
    }

    fn sends_voice(&self) -> bool {
        !self.muted.load(Ordering::Relaxed) && !self.held.load(Ordering::Relaxed)
    }

    fn plays(&self) -> bool {
        !self.held.load(Ordering::Relaxed)
    }

    pub(crate) fn receive_state(&self) -> ReceiveState {
        *self.receive.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn update_receive(&self, change: impl FnOnce(&mut ReceiveState)) {
        change(&mut self.receive.lock().unwrap_or_else(PoisonError::into_inner));
    }
}

fn ticks(frame: FrameDuration) -> Interval {
    ticks_from(Instant::now(), frame)
}

fn ticks_from(start: Instant, frame: FrameDuration) -> Interval {
    let mut ticks = tokio::time::interval_at(start.into(), frame.duration());
    // A late tick is made up at once, so the sample clock keeps pace with the wall clock.
    ticks.set_missed_tick_behavior(MissedTickBehavior::Burst);
    ticks
}

/// Sends one Opus frame per tick until the task is aborted. Muted or held, the frames
/// carry silence, which keeps the peer's jitter buffer and the NAT bindings alive.
pub(crate) async fn send(
    track: Arc<TrackLocalStaticSample>,
    ssrc: u32,
    payload_type: u8,
    frame: FrameDuration,
    devices: AudioDevices,
    controls: Arc<Controls>,
) {
    let mut encoder = match Encoder::new(frame, EXPECTED_LOSS_PERCENT) {
        Ok(encoder) => encoder,
        Err(error) => return tracing::error!(%error, "no Opus encoder: this call sends nothing"),
    };
    let mut pcm = vec![0; frame.samples()];
    let mut ticks = ticks(frame);
    let mut failing = false;
    loop {
        ticks.tick().await;
        // Read even when muted or held: the echo canceller stays in step with the
        // speaker, and the device's queue does not go stale.
        if let Err(error) = devices.read(&mut pcm) {
            tracing::warn!(%error, "the input device failed; sending silence");
            pcm.fill(0);
        }
        if !controls.sends_voice() {
            pcm.fill(0);
        }
        let packet = match encoder.encode(&pcm) {
            Ok(packet) => packet,
            Err(error) => {
                tracing::warn!(%error, "a frame did not encode");
                continue;
            }
        };
        let sample = Sample { data: Bytes::from(packet), duration: frame.duration(), ..Sample::new(Instant::now()) };
        match track.sample_writer(ssrc, payload_type).write_sample(&sample).await {
            Ok(()) => failing = false,
            // Before DTLS completes there is nowhere to send; say so once per outage.
            Err(error) if !failing => {
                failing = true;
                tracing::debug!(%error, "a frame could not be sent");
            }
            Err(_) => {}
        }
    }
}

/// Moves the packets of every remote track into `packets`, through the lossy link.
pub(crate) async fn receive(
    mut tracks: mpsc::UnboundedReceiver<Arc<dyn TrackRemote>>,
    packets: mpsc::UnboundedSender<(Packet, Instant)>,
    impairment: Impairment,
) {
    let mut readers = JoinSet::new();
    while let Some(track) = tracks.recv().await {
        let packets = packets.clone();
        let mut link = LossyLink::new(impairment);
        readers.spawn(async move {
            while let Some(event) = track.poll().await {
                if let TrackRemoteEvent::OnRtpPacket(rtp) = event
                    && link.passes()
                {
                    let packet = Packet { seq: rtp.header.sequence_number, timestamp: rtp.header.timestamp, payload: rtp.payload.to_vec() };
                    let _ = packets.send((packet, Instant::now()));
                }
            }
        });
    }
    // The connection closed: let the readers finish rather than dropping them mid-packet.
    while readers.join_next().await.is_some() {}
}

/// The receive path for the peer's frame duration, learnt from its first packet.
struct Receiver {
    frame: FrameDuration,
    jitter: JitterBuffer,
    decoder: Decoder,
}

impl Receiver {
    fn new(frame: FrameDuration) -> Option<Self> {
        let config = JitterConfig { frame: frame.duration(), min_delay: MIN_DELAY, ..JitterConfig::default() };
        let decoder = Decoder::new(frame).map_err(|error| tracing::error!(%error, "no Opus decoder")).ok()?;
        Some(Self { frame, jitter: JitterBuffer::new(config), decoder })
    }

    /// The frame to play now, and whether it was decoded from a packet that arrived.
    fn next_frame(&mut self, now: Instant) -> (Vec<i16>, bool) {
        let (decoded, from_packet) = match self.jitter.pop(now) {
            None => return (vec![0; self.frame.samples()], false),
            Some(Playout::Frame(packet)) => (self.decoder.decode(&packet), true),
            Some(Playout::Fec(next)) => (self.decoder.decode_fec(&next), false),
            Some(Playout::Conceal) => (self.decoder.conceal(), false),
        };
        let mut pcm = decoded.or_else(|_| self.decoder.conceal()).unwrap_or_default();
        // A peer packet of another duration than its first one would shift the clock: fit it.
        pcm.resize(self.frame.samples(), 0);
        (pcm, from_packet)
    }
}

/// Plays one frame per tick until the task is aborted: silence until the first packet
/// arrives, then what the jitter buffer gives. Held, the frames are played as silence.
pub(crate) async fn play(mut packets: mpsc::UnboundedReceiver<(Packet, Instant)>, frame: FrameDuration, devices: AudioDevices, controls: Arc<Controls>) {
    let mut receiver: Option<Receiver> = None;
    let mut ticks = ticks(frame);
    let mut silence = vec![0; frame.samples()];
    loop {
        ticks.tick().await;
        while let Ok((packet, arrived)) = packets.try_recv() {
            if receiver.is_none() {
                let Some(peer_frame) = packet_samples(&packet.payload).and_then(FrameDuration::of_samples) else { continue };
                receiver = Receiver::new(peer_frame);
                // Play on the peer's beat: the first packet is due when it has waited its
                // delay, not at the next tick of a clock started before it came.
                ticks = ticks_from(arrived + MIN_DELAY, peer_frame);
                silence = vec![0; peer_frame.samples()];
            }
            if let Some(receiver) = receiver.as_mut() {
                receiver.jitter.push(packet, arrived);
            }
        }
        let now = Instant::now();
        let (pcm, from_packet) = match receiver.as_mut() {
            Some(receiver) => receiver.next_frame(now),
            None => (silence.clone(), false),
        };
        if let Some(receiver) = receiver.as_ref() {
            let stats = receiver.jitter.stats();
            controls.update_receive(|state| {
                state.stats = stats;
                if from_packet {
                    state.first_played.get_or_insert(now);
                    state.last_played = Some(now);
                }
            });
        }
        let played = if controls.plays() { &pcm } else { &silence };
        if let Err(error) = devices.write(played) {
            tracing::warn!(%error, "the output device failed");
        }
    }
}
