//! A connection's socket as hyper sees it, watched: whether a request is under way, and how
//! long a write has waited for a client that stopped reading.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::{Instant, Sleep};

/// What the connection's task reads about its socket while hyper owns it.
#[derive(Debug)]
pub struct Watch {
    stream: Arc<TcpStream>,
    /// Bytes came in after the last bytes went out: a request is being read or answered.
    mid_request: AtomicBool,
    /// Any byte came in.
    has_read: AtomicBool,
}

impl Watch {
    pub fn has_read(&self) -> bool {
        self.has_read.load(Ordering::Acquire)
    }

    /// No request under way and none waiting unread in the socket: closing now loses
    /// nothing the client sent.
    pub fn is_quiet(&self) -> bool {
        if self.mid_request.load(Ordering::Acquire) {
            return false;
        }
        let mut byte = [std::mem::MaybeUninit::uninit(); 1];
        match socket2::SockRef::from(&*self.stream).peek(&mut byte) {
            // A byte waits unread; 0 is the client's end of stream: nothing more will come.
            Ok(read) => read == 0,
            // Nothing waits (WouldBlock), or the socket is broken: nothing to lose.
            Err(_) => true,
        }
    }
}

/// The socket handed to hyper.
pub struct Watched {
    stream: Arc<TcpStream>,
    watch: Arc<Watch>,
    write_timeout: Duration,
    /// Armed while a write waits for the client to read.
    stalled: Option<Pin<Box<Sleep>>>,
}

impl Watched {
    pub fn new(stream: TcpStream, write_timeout: Duration) -> (Watched, Arc<Watch>) {
        let stream = Arc::new(stream);
        let watch = Arc::new(Watch {
            stream: stream.clone(),
            mid_request: AtomicBool::new(false),
            has_read: AtomicBool::new(false),
        });
        let watched = Watched {
            stream,
            watch: watch.clone(),
            write_timeout,
            stalled: None,
        };
        (watched, watch)
    }

    /// Pending writes wait at most `write_timeout` for the client to take some bytes.
    fn poll_stalled(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        let deadline = Instant::now() + self.write_timeout;
        let stalled = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        ready!(stalled.as_mut().poll(cx));
        Poll::Ready(io::Error::new(
            io::ErrorKind::TimedOut,
            "the client read nothing of the answer for the write timeout",
        ))
    }

    fn written<T>(&mut self, result: io::Result<T>) -> Poll<io::Result<T>> {
        self.stalled = None;
        if result.is_ok() {
            self.watch.mid_request.store(false, Ordering::Release);
        }
        Poll::Ready(result)
    }
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            ready!(this.stream.poll_read_ready(cx))?;
            let unfilled = buf.initialize_unfilled();
            match this.stream.try_read(unfilled) {
                Ok(read) => {
                    if read > 0 {
                        this.watch.mid_request.store(true, Ordering::Release);
                        this.watch.has_read.store(true, Ordering::Release);
                    }
                    buf.advance(read);
                    return Poll::Ready(Ok(()));
                }
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => continue,
                Err(error) => return Poll::Ready(Err(error)),
            }
        }
    }
}

impl Watched {
    /// Writes with `write` once the socket takes bytes, waiting at most the write timeout.
    fn poll_writing(
        &mut self,
        cx: &mut Context<'_>,
        write: impl Fn(&TcpStream) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        loop {
            match self.stream.poll_write_ready(cx) {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(error)) => return Poll::Ready(Err(error)),
                Poll::Pending => return self.poll_stalled(cx).map(Err),
            }
            match write(&self.stream) {
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => continue,
                result => return self.written(result),
            }
        }
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut()
            .poll_writing(cx, |stream| stream.try_write(buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut()
            .poll_writing(cx, |stream| stream.try_write_vectored(bufs))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Writes go straight to the socket.
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        let shutdown = socket2::SockRef::from(&*self.stream).shutdown(std::net::Shutdown::Write);
        Poll::Ready(match shutdown {
            Err(error) if error.kind() == io::ErrorKind::NotConnected => Ok(()),
            other => other,
        })
    }
}
