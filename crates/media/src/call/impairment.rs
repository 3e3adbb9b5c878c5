//! A lossy virtual link for tests and benchmarks: drops received packets on purpose,
//! the same ones every run, before they reach the jitter buffer.

/// Drops about `loss_percent` of packets, chosen by a fixed pseudo-random sequence.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Impairment {
    pub loss_percent: u8,
}

/// The running state of an [`Impairment`] on one receive path.
#[derive(Debug, Clone)]
pub(crate) struct LossyLink {
    loss_percent: u32,
    state: u32,
}

impl LossyLink {
    pub(crate) fn new(impairment: Impairment) -> Self {
        Self { loss_percent: u32::from(impairment.loss_percent.min(100)), state: 0x9E37_79B9 }
    }

    /// Whether the next packet gets through.
    pub(crate) fn passes(&mut self) -> bool {
        if self.loss_percent == 0 {
            return true;
        }
        // xorshift32: deterministic, and uniform enough for a loss pattern.
        self.state ^= self.state << 13;
        self.state ^= self.state >> 17;
        self.state ^= self.state << 5;
        self.state % 100 >= self.loss_percent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_about_the_share_asked_for() {
        let mut link = LossyLink::new(Impairment { loss_percent: 10 });
        let dropped = (0..10_000).filter(|_| !link.passes()).count();
        assert!((900..1100).contains(&dropped), "{dropped}");
    }

    #[test]
    fn no_loss_passes_everything() {
        let mut link = LossyLink::new(Impairment::default());
        assert!((0..1000).all(|_| link.passes()));
    }
}
