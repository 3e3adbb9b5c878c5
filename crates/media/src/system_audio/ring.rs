//! The bounded sample queue between the owner's frame clock and the device's callbacks.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Counters of one open device, for diagnostics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeviceStats {
    /// Frames read from an input, or written to an output, by the owner.
    pub frames: u64,
    /// Times audio started running short: reads padded with silence (input), or device
    /// callbacks that played silence for want of samples (output). A shortage that goes on
    /// counts once, and none before audio first flowed.
    pub underruns: u64,
    /// Times the backlog started going over its cap, dropping its oldest samples (not
    /// counted before the consumer first takes samples).
    pub overruns: u64,
    /// Errors the stream reported and survived (an ALSA I/O error, an xrun, ...).
    pub stream_errors: u64,
}

/// A queue of mono samples that never holds more than `max_backlog` of them: pushing more
/// drops the oldest, so latency cannot build up. Until the consumer first takes samples (the
/// device has not started yet, or the owner is not reading yet) it holds at most `start_backlog`.
///
/// Underruns and overruns are counted when they begin, not for as long as they last, and
/// not before audio first flowed: an idle owner, or a device that has not started, counts
/// nothing.
#[derive(Debug)]
pub(super) struct Ring {
    samples: VecDeque<i16>,
    max_backlog: usize,
    start_backlog: usize,
    started: bool,
    /// The last take came up short.
    starving: bool,
    /// The last push went over the cap.
    overflowing: bool,
    /// An input ran dry and waits for its cushion ([`Ring::take_cushioned`]).
    refilling: bool,
    /// What an output's device took to play (silence it played for want of samples
    /// included), kept for the echo canceller; the oldest beyond [`PLAYED_CAP`] are dropped.
    played: VecDeque<i16>,
    pub(super) stats: DeviceStats,
}

/// Most played audio kept for the echo canceller when nobody takes it: half a second.
const PLAYED_CAP: usize = 24_000;

impl Ring {
    pub(super) fn new(max_backlog: usize, start_backlog: usize) -> Mutex<Self> {
        let samples = VecDeque::with_capacity(max_backlog);
        let stats = DeviceStats::default();
        Mutex::new(Self {
            samples,
            max_backlog,
            start_backlog,
            started: false,
            starving: true,
            overflowing: false,
            refilling: true,
            played: VecDeque::new(),
            stats,
        })
    }

    /// Locks `ring`; a panic elsewhere while it was held left it consistent (every method
    /// leaves it valid at each step), so a poisoned lock is used as is.
    pub(super) fn lock(ring: &Mutex<Self>) -> MutexGuard<'_, Self> {
        ring.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Appends `samples`, then drops the oldest beyond the cap.
    pub(super) fn push(&mut self, samples: impl IntoIterator<Item = i16>) {
        self.samples.extend(samples);
        let cap = if self.started { self.max_backlog } else { self.start_backlog };
        let excess = self.samples.len().saturating_sub(cap);
        self.samples.drain(..excess);
        if excess > 0 && !self.overflowing && self.started {
            self.stats.overruns += 1;
        }
        self.overflowing = excess > 0;
    }

    /// The oldest `n` samples, followed by silence if fewer are queued.
    pub(super) fn take(&mut self, n: usize) -> impl Iterator<Item = i16> + '_ {
        let available = n.min(self.samples.len());
        self.take_available(n, available)
    }

    /// For an input, whose device hands over audio in bursts: the oldest `n` samples, from
    /// once `cushion` samples are queued. When the queue runs dry, silence until the cushion
    /// has built up again. A read then never comes up short by a burst's jitter, which would
    /// slip silence into the captured audio and shift it against what the speaker played,
    /// undoing the echo canceller's alignment.
    pub(super) fn take_cushioned(&mut self, n: usize, cushion: usize) -> impl Iterator<Item = i16> + '_ {
        if self.samples.len() >= cushion {
            self.refilling = false;
        }
        let available = if self.refilling { 0 } else { n.min(self.samples.len()) };
        self.refilling = available < n;
        self.take_available(n, available)
    }

    fn take_available(&mut self, n: usize, available: usize) -> impl Iterator<Item = i16> + '_ {
        self.started = true;
        let short = available < n;
        if short && !self.starving {
            self.stats.underruns += 1;
        }
        self.starving = short;
        self.samples.drain(..available).chain(std::iter::repeat_n(0, n - available))
    }

    /// Notes what an output's device took to play.
    pub(super) fn keep_played(&mut self, samples: &[i16]) {
        self.played.extend(samples);
        let excess = self.played.len().saturating_sub(PLAYED_CAP);
        self.played.drain(..excess);
    }

    /// What the device played since the last call.
    pub(super) fn take_played(&mut self) -> Vec<i16> {
        self.played.drain(..).collect()
    }

    /// A new stream is starting (after a device change): empty, and back to the start cap.
    pub(super) fn restart(&mut self) {
        self.samples.clear();
        (self.started, self.starving, self.overflowing, self.refilling) = (false, true, false, true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_newest_samples_within_the_caps() {
        let ring = Ring::new(4, 2);
        let mut ring = Ring::lock(&ring);
        ring.push([1, 2, 3]);
        assert_eq!(ring.take(3).collect::<Vec<_>>(), [2, 3, 0], "the start cap kept two");
        ring.push([4, 5, 6, 7, 8]);
        assert_eq!(ring.take(3).collect::<Vec<_>>(), [5, 6, 7]);
        ring.restart();
        ring.push([1, 2, 3]);
        assert_eq!(ring.take(3).collect::<Vec<_>>(), [2, 3, 0]);
    }

    #[test]
    fn counts_underruns_and_overruns_when_they_begin() {
        let ring = Ring::new(4, 4);
        let mut ring = Ring::lock(&ring);
        ring.push([1, 2, 3, 4, 5]);
        assert_eq!(ring.stats.overruns, 0, "not started");
        ring.restart();
        for _ in 0..3 {
            ring.take(2).for_each(drop);
        }
        assert_eq!(ring.stats.underruns, 0, "nothing ever flowed");
        ring.push([1, 2]);
        ring.take(2).for_each(drop);
        for _ in 0..3 {
            ring.take(2).for_each(drop);
        }
        assert_eq!(ring.stats.underruns, 1);
        for _ in 0..3 {
            ring.push([1, 2, 3]);
        }
        assert_eq!(ring.stats.overruns, 1);
        ring.take(4).for_each(drop);
        ring.push([1]);
        ring.push([2, 3, 4, 5]);
        assert_eq!(ring.stats, DeviceStats { frames: 0, underruns: 1, overruns: 2, stream_errors: 0 });
    }

    #[test]
    fn an_input_waits_for_its_cushion_after_running_dry() {
        let ring = Ring::new(10, 10);
        let mut ring = Ring::lock(&ring);
        ring.push([1, 2]);
        assert_eq!(ring.take_cushioned(2, 4).collect::<Vec<_>>(), [0, 0], "not cushioned yet");
        ring.push([3, 4]);
        assert_eq!(ring.take_cushioned(2, 4).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(ring.take_cushioned(3, 4).collect::<Vec<_>>(), [3, 4, 0], "ran dry");
        ring.push([5, 6, 7]);
        assert_eq!(ring.take_cushioned(2, 4).collect::<Vec<_>>(), [0, 0], "refilling");
        ring.push([8]);
        assert_eq!(ring.take_cushioned(2, 4).collect::<Vec<_>>(), [5, 6]);
    }

    #[test]
    fn keeps_what_was_played_for_the_canceller() {
        let ring = Ring::new(4, 4);
        let mut ring = Ring::lock(&ring);
        ring.keep_played(&[1, 2]);
        ring.keep_played(&[3]);
        assert_eq!(ring.take_played(), [1, 2, 3]);
        assert_eq!(ring.take_played(), [0; 0]);
        ring.keep_played(&vec![7; PLAYED_CAP + 10]);
        assert_eq!(ring.take_played().len(), PLAYED_CAP, "bounded when nobody takes it");
    }
}
