//! The bytes a link has taken from its state machine and not yet written, with the write
//! deadline that cuts a peer who stops reading.
//!
//! The queue itself has no cap: it is bounded by its users, who stop reading (and so stop
//! the machine producing pongs and answers) while [`Outbound::queued`] is at the high-water
//! mark, and read at most [`Outbound::room`] bytes at a time.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::{Buf, Bytes};

/// Queued output of one link.
#[derive(Debug, Default)]
pub(crate) struct Outbound {
    chunks: VecDeque<Bytes>,
    queued: usize,
    peak: usize,
    /// When the front chunk last made progress (or was queued); `None` while empty.
    waiting_since: Option<Instant>,
    /// Bytes were written since the last flush (TLS keeps records until flushed).
    needs_flush: bool,
}

impl Outbound {
    /// Appends bytes to write after everything queued.
    pub(crate) fn push(&mut self, now: Instant, bytes: Bytes) {
        if bytes.is_empty() {
            return;
        }
        if self.chunks.is_empty() {
            self.waiting_since = Some(now);
        }
        self.queued += bytes.len();
        self.peak = self.peak.max(self.queued);
        self.chunks.push_back(bytes);
    }

    /// The bytes to hand to the next write call.
    pub(crate) fn front(&self) -> Option<&[u8]> {
        self.chunks.front().map(|b| &b[..])
    }

    /// `n` bytes of the front were written at `now`.
    pub(crate) fn advance(&mut self, now: Instant, mut n: usize) {
        self.queued -= n.min(self.queued);
        while n > 0 {
            let Some(front) = self.chunks.front_mut() else {
                break;
            };
            let step = n.min(front.len());
            front.advance(step);
            n -= step;
            if front.is_empty() {
                self.chunks.pop_front();
            }
        }
        self.needs_flush = true;
        self.waiting_since = if self.chunks.is_empty() {
            None
        } else {
            Some(now)
        };
    }

    /// Drops everything queued (the transport is gone).
    pub(crate) fn clear(&mut self) {
        self.chunks.clear();
        self.queued = 0;
        self.waiting_since = None;
        self.needs_flush = false;
    }

    /// Bytes queued.
    pub(crate) fn queued(&self) -> usize {
        self.queued
    }

    /// The most bytes ever queued at once.
    pub(crate) fn peak(&self) -> usize {
        self.peak
    }

    /// Whether nothing waits to be written.
    pub(crate) fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }

    /// Whether a flush is due (everything written, some of it since the last flush).
    pub(crate) fn wants_flush(&self) -> bool {
        self.chunks.is_empty() && self.needs_flush
    }

    /// The flush completed.
    pub(crate) fn flushed(&mut self) {
        self.needs_flush = false;
    }

    /// The instant a stalled peer is cut: `deadline` after the last write progress.
    pub(crate) fn deadline(&self, deadline: Duration) -> Option<Instant> {
        self.waiting_since.map(|since| since + deadline)
    }

    /// How many bytes may be read now without the answers to them taking the queue past
    /// `high_water`; 0 means stop reading. Only control frames are answered by reading
    /// (a pong per ping, a close per close), each answer no longer than its frame, and a
    /// frame may have started in an earlier read: so the room keeps one largest control
    /// frame in reserve. An empty queue always has room, so a mark below that reserve
    /// still makes progress.
    pub(crate) fn room(&self, high_water: usize) -> usize {
        let room = high_water
            .saturating_sub(self.queued)
            .saturating_sub(CONTROL_FRAME_RESERVE);
        if self.queued == 0 { room.max(1) } else { room }
    }
}

/// The largest control frame a client sends (RFC 6455 §5.5: 125 payload bytes, a 2-byte
/// header and a 4-byte mask).
pub(crate) const CONTROL_FRAME_RESERVE: usize = 2 + 4 + 125;

/// What [`write_or_flush`] did.
pub(crate) enum Progress {
    /// Wrote this many bytes of the front chunk.
    Wrote(usize),
    /// Flushed.
    Flushed,
}

/// Writes the front of `out` once, or flushes when nothing is queued; cancel safe (a write
/// or flush future dropped before it completes has written nothing it reports).
pub(crate) async fn write_or_flush<W>(writer: &mut W, out: &Outbound) -> std::io::Result<Progress>
where
    W: tokio::io::AsyncWrite + Unpin,
{
    use tokio::io::AsyncWriteExt;
    match out.front() {
        Some(front) => writer.write(front).await.map(Progress::Wrote),
        None => writer.flush().await.map(|()| Progress::Flushed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_writes_advance_across_chunks_and_track_the_peak() {
        let t = crate::clock::now();
        let mut q = Outbound::default();
        q.push(t, Bytes::from_static(b"abc"));
        q.push(t, Bytes::from_static(b"de"));
        assert_eq!((q.queued(), q.peak()), (5, 5));
        q.advance(t, 4);
        assert_eq!(q.front(), Some(&b"e"[..]));
        assert_eq!(q.queued(), 1);
        q.advance(t, 1);
        assert!(q.is_empty() && q.wants_flush());
        assert_eq!(q.deadline(Duration::from_secs(1)), None);
        assert_eq!(q.room(1000), 1000 - CONTROL_FRAME_RESERVE);
        assert_eq!(q.room(10), 1, "an empty queue always reads");
    }

    #[test]
    fn the_deadline_counts_from_the_last_progress() {
        let t = crate::clock::now();
        let mut q = Outbound::default();
        q.push(t, Bytes::from_static(b"abcdef"));
        let later = t + Duration::from_secs(3);
        q.advance(later, 2);
        assert_eq!(
            q.deadline(Duration::from_secs(5)),
            Some(later + Duration::from_secs(5))
        );
        assert_eq!(q.room(4), 0);
        assert_eq!(q.room(4 + CONTROL_FRAME_RESERVE + 10), 10);
    }
}
