//! A sans-IO jitter buffer for 48 kHz Opus frames of a fixed duration.
//!
//! The caller pushes packets as they arrive ([`JitterBuffer::push`]) and pulls
//! exactly one [`Playout`] per frame tick ([`JitterBuffer::pop`]). Time only
//! comes in as `now` arguments; the buffer never reads a clock.
//!
//! Rules, in short:
//! - **Ordering** is by extended (wrap-free) sequence number; one packet is one
//!   frame. RTP timestamps are only used for the jitter estimate.
//! - **Start**: playout starts when the first packet has waited the target
//!   delay, at the lowest sequence number buffered by then.
//! - **Late / duplicate** packets (behind the playout point, or already
//!   buffered) are dropped and counted. A duplicate of a packet that was already
//!   played is indistinguishable from a late one and counts as late.
//! - **Missing frame**: if the next packet is present, [`Playout::Fec`] carries
//!   it so the decoder can use its in-band FEC; otherwise [`Playout::Conceal`].
//! - **Target delay**: RFC 3550 interarrival jitter `J` (smoothed by 1/16 per
//!   packet); `target = clamp(round_to_frames(4 * J + frame), min, max)`.
//! - **Adaptation**: once per second of playout, the mean buffer level over that
//!   second is compared with the target; if it is more than two frames above,
//!   one frame is skipped (dropped); more than two frames below, one
//!   [`Playout::Conceal`] is inserted without advancing. Independently, a
//!   buffer above `max_delay + frame` skips a frame on every pop.
//! - **Reset**: no packet for more than 1 s, or a sequence jump of more than
//!   1 s worth of frames confirmed by a second consecutive packet (the peer
//!   restarted its sequence), resets the buffer to its initial filling state
//!   (statistics and the jitter estimate are kept).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// RTP clock rate of Opus.
pub const CLOCK_RATE: u32 = 48_000;

/// `target = k * J + frame`.
const JITTER_MULTIPLIER: f64 = 4.0;
/// Silence, or a sequence jump, longer than this resets the buffer.
const RESET_GAP: Duration = Duration::from_secs(1);
/// At most one skip/insert per this much playout.
const ADAPT_INTERVAL: Duration = Duration::from_secs(1);
/// How far (in frames) the mean level may be from the target before adapting.
const HYSTERESIS_FRAMES: f64 = 2.0;

/// Configuration of a [`JitterBuffer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JitterConfig {
    /// Duration of one packet's audio (10 or 20 ms).
    pub frame: Duration,
    /// Lower bound of the target delay.
    pub min_delay: Duration,
    /// Upper bound of the target delay.
    pub max_delay: Duration,
}

impl Default for JitterConfig {
    fn default() -> Self {
        Self { frame: Duration::from_millis(20), min_delay: Duration::from_millis(20), max_delay: Duration::from_millis(200) }
    }
}

/// One received RTP packet carrying one Opus frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    /// RTP sequence number (wraps at `u16::MAX`).
    pub seq: u16,
    /// RTP timestamp at 48 kHz (wraps at `u32::MAX`).
    pub timestamp: u32,
    /// The Opus packet.
    pub payload: Vec<u8>,
}

/// What the player should do for the current frame tick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Playout {
    /// Decode this Opus packet.
    Frame(Vec<u8>),
    /// The expected packet is missing but this one (the next) is here: decode
    /// its in-band FEC (Opus decode with `fec = true`) for the lost frame.
    /// The same packet is returned as [`Playout::Frame`] on the next tick.
    Fec(Vec<u8>),
    /// Nothing usable: run packet-loss concealment.
    Conceal,
}

/// Counters and current state of a [`JitterBuffer`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JitterStats {
    /// Currently buffered audio: from the playout point through the newest
    /// buffered packet (gaps included).
    pub delay: Duration,
    /// Current target delay.
    pub target: Duration,
    /// RFC 3550 interarrival jitter estimate.
    pub jitter: Duration,
    /// Packets pushed.
    pub received: u64,
    /// Packets dropped because they arrived behind the playout point.
    pub late: u64,
    /// Packets dropped because they were already buffered.
    pub duplicates: u64,
    /// Frames whose packet was missing at playout time.
    pub lost: u64,
    /// [`Playout::Conceal`] returned (for loss or inserted by adaptation).
    pub concealed: u64,
    /// [`Playout::Fec`] returned.
    pub fec_recovered: u64,
}

/// See the [module documentation](self).
#[derive(Debug)]
pub struct JitterBuffer {
    config: JitterConfig,
    /// Buffered packets by extended sequence number.
    packets: BTreeMap<i64, Packet>,
    /// Highest extended sequence number accepted since the last reset.
    highest: Option<i64>,
    /// Extended sequence number of the next frame to play; `None` while filling.
    next_play: Option<i64>,
    /// When playout may start; set by the first packet after a reset.
    start_at: Option<Instant>,
    last_arrival: Option<Instant>,
    /// A packet that jumped far away, waiting for a consecutive one to confirm.
    pending_jump: Option<(Packet, Instant)>,
    /// Arrival time and RTP timestamp of the previous packet (for jitter).
    prev_transit: Option<(Instant, u32)>,
    /// RFC 3550 interarrival jitter, in seconds.
    jitter: f64,
    target: Duration,
    window_pops: u32,
    window_level_sum: u64,
    stats: JitterStats,
}

impl JitterBuffer {
    /// # Panics
    /// If `config.frame` is zero or `config.min_delay > config.max_delay`.
    pub fn new(config: JitterConfig) -> Self {
        assert!(!config.frame.is_zero(), "frame duration must be non-zero");
        assert!(config.min_delay <= config.max_delay, "min_delay > max_delay");
        let mut buffer = Self {
            config,
            packets: BTreeMap::new(),
            highest: None,
            next_play: None,
            start_at: None,
            last_arrival: None,
            pending_jump: None,
            prev_transit: None,
            jitter: 0.0,
            target: Duration::ZERO,
            window_pops: 0,
            window_level_sum: 0,
            stats: JitterStats::default(),
        };
        buffer.target = buffer.compute_target();
        buffer
    }

    /// Accepts a packet that arrived at `now`.
    pub fn push(&mut self, packet: Packet, now: Instant) {
        self.stats.received += 1;
        let ext = self.extend(packet.seq);
        if let Some(reference) = self.next_play.or(self.highest)
            && (ext - reference).abs() > self.reset_frames()
        {
            match self.pending_jump.take() {
                Some((first, at)) if packet.seq == first.seq.wrapping_add(1) => {
                    self.reset();
                    self.insert(first, at);
                    self.insert(packet, now);
                }
                _ => self.pending_jump = Some((packet, now)),
            }
            return;
        }
        self.pending_jump = None;
        self.insert(packet, now);
    }

    /// Returns what to play for the frame tick at `now`; call once per frame.
    /// `None` while the buffer is (re)filling to its target delay.
    pub fn pop(&mut self, now: Instant) -> Option<Playout> {
        if self.last_arrival.is_some_and(|at| now.saturating_duration_since(at) > RESET_GAP) {
            self.reset();
            return None;
        }
        let mut next = match self.next_play {
            Some(next) => next,
            None => {
                if now < self.start_at? {
                    return None;
                }
                let first = *self.packets.keys().next()?;
                self.next_play = Some(first);
                first
            }
        };

        let level = self.level_frames();
        self.window_pops += 1;
        self.window_level_sum += level;
        let mut skip = level > self.frames_in(self.config.max_delay) + 1;
        if self.config.frame * self.window_pops >= ADAPT_INTERVAL {
            let mean = self.window_level_sum as f64 / f64::from(self.window_pops);
            let target = self.frames_in(self.target) as f64;
            self.window_pops = 0;
            self.window_level_sum = 0;
            if mean > target + HYSTERESIS_FRAMES {
                skip = true;
            } else if mean + HYSTERESIS_FRAMES < target {
                self.stats.concealed += 1;
                return Some(Playout::Conceal);
            }
        }
        if skip {
            self.packets.remove(&next);
            next += 1;
        }

        self.next_play = Some(next + 1);
        if let Some(packet) = self.packets.remove(&next) {
            return Some(Playout::Frame(packet.payload));
        }
        self.stats.lost += 1;
        if let Some(successor) = self.packets.get(&(next + 1)) {
            self.stats.fec_recovered += 1;
            Some(Playout::Fec(successor.payload.clone()))
        } else {
            self.stats.concealed += 1;
            Some(Playout::Conceal)
        }
    }

    /// Current counters and delays.
    pub fn stats(&self) -> JitterStats {
        JitterStats {
            delay: self.config.frame * u32::try_from(self.level_frames()).unwrap_or(u32::MAX),
            target: self.target,
            jitter: Duration::from_secs_f64(self.jitter),
            ..self.stats
        }
    }

    fn insert(&mut self, packet: Packet, now: Instant) {
        let ext = self.extend(packet.seq);
        if self.packets.contains_key(&ext) {
            self.stats.duplicates += 1;
            return;
        }
        self.update_jitter(&packet, now);
        self.last_arrival = Some(now);
        if self.next_play.is_some_and(|next| ext < next) {
            self.stats.late += 1;
            return;
        }
        self.highest = Some(self.highest.map_or(ext, |h| h.max(ext)));
        self.start_at.get_or_insert(now + self.target);
        self.packets.insert(ext, packet);
    }

    /// Extends `seq` to the value nearest to the highest one seen.
    fn extend(&self, seq: u16) -> i64 {
        match self.highest {
            None => i64::from(seq),
            // Truncating `h` to u16 is the point: the wrapping distance.
            Some(h) => h + i64::from(seq.wrapping_sub(h as u16) as i16),
        }
    }

    fn update_jitter(&mut self, packet: &Packet, now: Instant) {
        if let Some((prev_at, prev_ts)) = self.prev_transit {
            let arrival = if now >= prev_at { (now - prev_at).as_secs_f64() } else { -(prev_at - now).as_secs_f64() };
            let sent = f64::from(packet.timestamp.wrapping_sub(prev_ts) as i32) / f64::from(CLOCK_RATE);
            let d = (arrival - sent).abs();
            self.jitter += (d - self.jitter) / 16.0;
            self.target = self.compute_target();
        }
        self.prev_transit = Some((now, packet.timestamp));
    }

    fn compute_target(&self) -> Duration {
        let frame = self.config.frame.as_secs_f64();
        let frames = ((JITTER_MULTIPLIER * self.jitter + frame) / frame).round().max(1.0);
        // Bounded by max_delay right after; `as` saturates on huge values.
        let raw = self.config.frame * (frames as u32);
        raw.clamp(self.config.min_delay, self.config.max_delay)
    }

    /// Frames from the playout point (or the oldest buffered packet while
    /// filling) through the newest buffered packet.
    fn level_frames(&self) -> u64 {
        let Some(highest) = self.highest else { return 0 };
        let Some(from) = self.next_play.or_else(|| self.packets.keys().next().copied()) else {
            return 0;
        };
        u64::try_from(highest + 1 - from).unwrap_or(0)
    }

    fn frames_in(&self, duration: Duration) -> u64 {
        (duration.as_nanos() / self.config.frame.as_nanos()) as u64
    }

    fn reset_frames(&self) -> i64 {
        self.frames_in(RESET_GAP) as i64
    }

    fn reset(&mut self) {
        self.packets.clear();
        self.highest = None;
        self.next_play = None;
        self.start_at = None;
        self.last_arrival = None;
        self.pending_jump = None;
        self.prev_transit = None;
        self.window_pops = 0;
        self.window_level_sum = 0;
    }
}

#[cfg(test)]
mod tests;
