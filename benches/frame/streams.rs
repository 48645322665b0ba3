//! In-memory transports, so every library reads and writes the same bytes with no syscall.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Largest read a [`Replay`] hands out, like one `read` from a socket.
pub(crate) const READ_CHUNK: usize = 64 * 1024;

/// Piece size of the stand-in kernel copies below. A kernel copies socket data with its own
/// routine; glibc's `memcpy` above 4 KiB switches to `rep movsb`, which on this AMD CPU drops
/// to about 2 GB/s when source and destination share a page offset (glibc before 2.39). Left
/// as one big `memcpy`, the simulated read or write of every library would run at 2 or 30 GB/s
/// depending on where the allocator put its buffer. Pieces of 2 KiB take the vector-loop path
/// for everyone, whatever the alignment.
const KERNEL_COPY_PIECE: usize = 2 * 1024;

/// Copies `src` into `dst` (same length) as the stand-in kernel does.
fn kernel_copy(dst: &mut [u8], src: &[u8]) {
    for (d, s) in dst
        .chunks_mut(KERNEL_COPY_PIECE)
        .zip(src.chunks(KERNEL_COPY_PIECE))
    {
        d.copy_from_slice(s);
    }
}

/// Appends `src` to `dst` as the stand-in kernel does.
pub(crate) fn kernel_extend(dst: &mut bytes::BytesMut, src: &[u8]) {
    for piece in src.chunks(KERNEL_COPY_PIECE) {
        dst.extend_from_slice(piece);
    }
}

/// An endless reader over `data` (whole frames), wrapping around at its end; writes vanish.
pub(crate) struct Replay {
    data: Vec<u8>,
    pos: usize,
}

impl Replay {
    pub(crate) fn new(data: Vec<u8>) -> Self {
        Self { data, pos: 0 }
    }

    /// Copies the next chunk into `out`, never past the end of `data` in one read.
    fn fill(&mut self, out: &mut [u8]) -> usize {
        let n = out.len().min(READ_CHUNK).min(self.data.len() - self.pos);
        kernel_copy(&mut out[..n], &self.data[self.pos..self.pos + n]);
        self.pos = (self.pos + n) % self.data.len();
        n
    }
}

impl Replay {
    /// Appends the next chunk, at most `max` bytes, to `out`, as a socket read into a
    /// `BytesMut`'s spare capacity.
    pub(crate) fn read_into(&mut self, out: &mut bytes::BytesMut, max: usize) -> usize {
        let n = READ_CHUNK.min(max).min(self.data.len() - self.pos);
        out.reserve(n);
        kernel_extend(out, &self.data[self.pos..self.pos + n]);
        self.pos = (self.pos + n) % self.data.len();
        n
    }
}

impl io::Read for Replay {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        Ok(self.fill(buf))
    }
}

impl io::Write for Replay {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl tokio::io::AsyncRead for Replay {
    fn poll_read(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let want = buf
            .remaining()
            .min(READ_CHUNK)
            .min(this.data.len() - this.pos);
        for piece in this.data[this.pos..this.pos + want].chunks(KERNEL_COPY_PIECE) {
            buf.put_slice(piece);
        }
        this.pos = (this.pos + want) % this.data.len();
        Poll::Ready(Ok(()))
    }
}

impl tokio::io::AsyncWrite for Replay {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// A socket stand-in: copies what is written (like a send into the kernel) into a reused
/// buffer, starting over at its front when full, so memory stays flat across iterations.
pub(crate) struct Sink {
    buf: Vec<u8>,
    len: usize,
}

impl Default for Sink {
    fn default() -> Self {
        Self {
            buf: vec![0; 4 << 20],
            len: 0,
        }
    }
}

impl Sink {
    fn put(&mut self, data: &[u8]) {
        if data.len() > self.buf.len() {
            self.buf.resize(data.len(), 0);
        }
        if self.len + data.len() > self.buf.len() {
            self.len = 0;
        }
        kernel_copy(&mut self.buf[self.len..self.len + data.len()], data);
        self.len += data.len();
    }

    /// Takes bytes the way a socket write does.
    pub(crate) fn write_all(&mut self, data: &[u8]) {
        self.put(data);
    }
}

impl io::Read for Sink {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        Err(io::ErrorKind::WouldBlock.into())
    }
}

impl io::Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.put(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl tokio::io::AsyncRead for Sink {
    fn poll_read(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        _: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Poll::Pending
    }
}

impl tokio::io::AsyncWrite for Sink {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().put(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let mut n = 0;
        for buf in bufs {
            this.put(buf);
            n += buf.len();
        }
        Poll::Ready(Ok(n))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
