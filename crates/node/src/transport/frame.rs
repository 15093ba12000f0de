//! Frames on a QUIC stream: a `u32` big-endian length, then that many bytes
//! (one encoded `accord_mpc::Envelope`). A length above [`MAX_FRAME`] — the
//! largest envelope, `HEADER_LEN + MAX_PAYLOAD` — is refused from the
//! prefix alone, before anything is allocated or read; decoding arbitrary
//! bytes never panics.

use std::io;

use accord_mpc::envelope::{HEADER_LEN, MAX_PAYLOAD};
use tokio::io::{AsyncRead, AsyncReadExt};
use zeroize::Zeroizing;

/// The length prefix: 4 bytes, big-endian.
pub const PREFIX_LEN: usize = 4;
/// The largest frame body accepted: the largest envelope, or the largest
/// control message (a proposal carrying a 4 MiB transaction) with its tag.
pub const MAX_FRAME: usize = {
    let envelope = HEADER_LEN + MAX_PAYLOAD;
    let control = 1 + crate::wire::MAX_CONTROL;
    if envelope > control {
        envelope
    } else {
        control
    }
};

/// Why a frame was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// The body (given, or announced by the prefix) is larger than allowed.
    #[error("frame of {len} bytes, more than the {max} allowed")]
    TooLong {
        /// The length given or announced.
        len: u64,
        /// [`MAX_FRAME`].
        max: usize,
    },
    /// The stream ended inside a frame.
    #[error("the stream ended inside a frame")]
    Truncated,
    /// The stream failed.
    #[error("reading the stream failed: {0}")]
    Io(#[source] io::Error),
}

/// A frame decoded from a buffer.
#[derive(Debug, PartialEq, Eq)]
pub enum Decoded<'a> {
    /// A whole frame, and the bytes after it.
    Frame {
        /// The frame body.
        body: &'a [u8],
        /// What follows it.
        rest: &'a [u8],
    },
    /// The buffer holds only the start of a frame of `needed` bytes
    /// (prefix included).
    Incomplete {
        /// Bytes the whole frame takes, or [`PREFIX_LEN`] while the prefix
        /// itself is incomplete.
        needed: usize,
    },
}

/// The body length a prefix announces, if allowed.
fn body_len(prefix: [u8; PREFIX_LEN]) -> Result<usize, FrameError> {
    let len = u32::from_be_bytes(prefix);
    match usize::try_from(len) {
        Ok(len) if len <= MAX_FRAME => Ok(len),
        _ => Err(FrameError::TooLong {
            len: len.into(),
            max: MAX_FRAME,
        }),
    }
}

/// The prefix for a body of `len` bytes.
pub fn prefix(len: usize) -> Result<[u8; PREFIX_LEN], FrameError> {
    let too_long = || FrameError::TooLong {
        len: u64::try_from(len).unwrap_or(u64::MAX),
        max: MAX_FRAME,
    };
    if len > MAX_FRAME {
        return Err(too_long());
    }
    u32::try_from(len)
        .map(u32::to_be_bytes)
        .map_err(|_| too_long())
}

/// `body` as one frame, prefix included.
pub fn encode(body: &[u8]) -> Result<Vec<u8>, FrameError> {
    let prefix = prefix(body.len())?;
    let mut out = Vec::with_capacity(PREFIX_LEN + body.len());
    out.extend_from_slice(&prefix);
    out.extend_from_slice(body);
    Ok(out)
}

/// The first frame in `buf`.
pub fn decode(buf: &[u8]) -> Result<Decoded<'_>, FrameError> {
    let Some((prefix, after)) = buf.split_first_chunk::<PREFIX_LEN>() else {
        return Ok(Decoded::Incomplete { needed: PREFIX_LEN });
    };
    let len = body_len(*prefix)?;
    match after.split_at_checked(len) {
        Some((body, rest)) => Ok(Decoded::Frame { body, rest }),
        None => Ok(Decoded::Incomplete {
            needed: PREFIX_LEN + len,
        }),
    }
}

/// Reads one frame from `stream`: `Ok(None)` when the stream ended cleanly
/// between frames. The body buffer is allocated only after the prefix was
/// checked, and zeroized when dropped.
pub async fn read<R: AsyncRead + Unpin>(
    stream: &mut R,
) -> Result<Option<Zeroizing<Vec<u8>>>, FrameError> {
    let mut prefix = [0u8; PREFIX_LEN];
    let mut got = 0;
    while got < PREFIX_LEN {
        let rest = prefix.get_mut(got..).unwrap_or_default();
        match stream.read(rest).await.map_err(FrameError::Io)? {
            0 if got == 0 => return Ok(None),
            0 => return Err(FrameError::Truncated),
            n => got += n,
        }
    }
    let len = body_len(prefix)?;
    let mut body = Zeroizing::new(vec![0u8; len]);
    match stream.read_exact(&mut body).await {
        Ok(_) => Ok(Some(body)),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Err(FrameError::Truncated),
        Err(e) => Err(FrameError::Io(e)),
    }
}
