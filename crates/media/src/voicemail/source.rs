//! Random access to a voice message file: over HTTP Range requests in the phone, from
//! memory in tests and benchmarks.

use std::future::Future;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::MediaError;

/// A file read by byte ranges.
pub trait RangeSource: Send + Sync + 'static {
    fn len(&self) -> u64;

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes of `range` (clipped to the file's end).
    fn read(&self, range: Range<u64>) -> impl Future<Output = Result<Vec<u8>, MediaError>> + Send;
}

/// A file in memory that counts the bytes read from it.
#[derive(Debug, Default)]
pub struct MemoryRanges {
    bytes: Vec<u8>,
    read: AtomicU64,
}

impl MemoryRanges {
    pub fn new(bytes: Vec<u8>) -> Self {
        Self { bytes, read: AtomicU64::new(0) }
    }

    /// How many bytes have been read so far.
    pub fn bytes_read(&self) -> u64 {
        self.read.load(Ordering::Relaxed)
    }
}

impl RangeSource for MemoryRanges {
    fn len(&self) -> u64 {
        self.bytes.len() as u64
    }

    async fn read(&self, range: Range<u64>) -> Result<Vec<u8>, MediaError> {
        let end = usize::try_from(range.end).unwrap_or(usize::MAX).min(self.bytes.len());
        let start = usize::try_from(range.start).unwrap_or(usize::MAX).min(end);
        self.read.fetch_add((end - start) as u64, Ordering::Relaxed);
        Ok(self.bytes[start..end].to_vec())
    }
}
