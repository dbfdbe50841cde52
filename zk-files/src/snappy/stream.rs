//! snappy-java's stream framing (`SnappyOutputStream`): the header, then chunks of one raw
//! block each, decompressed whole or streamed block by block.

use super::block::{declared_len, decode_block_into};
use super::{hex_bytes, SnappyError, SNAPPY_JAVA_MAGIC};

/// Length of a snappy-java stream header: the magic, then `version` and
/// `compatibleVersion`.
const HEADER_LEN: usize = 16;

/// The snappy-java stream format version this reader implements.
const STREAM_VERSION: i32 = 1;

/// Decompresses a snappy-java stream (what `SnappyOutputStream` writes), producing at most
/// `max_len` bytes.
///
/// ```
/// use zk_files::decompress_snappy_stream;
/// // Header (magic, version 1, compatible version 1), one 7-byte chunk: a block of
/// // length 5 holding the literal "hello".
/// let stream = b"\x82SNAPPY\0\0\0\0\x01\0\0\0\x01\0\0\0\x07\x05\x10hello";
/// assert_eq!(decompress_snappy_stream(stream, 1 << 20)?, b"hello");
/// let err = decompress_snappy_stream(&stream[..22], 1 << 20).unwrap_err();
/// assert_eq!(err.offset(), 20); // where the cut chunk starts
/// # Ok::<(), zk_files::SnappyError>(())
/// ```
///
/// # Errors
///
/// When the header is missing, too short or of an unknown version, a chunk is truncated or
/// its length negative, a block is malformed (see
/// [`decompress_snappy_block`](super::decompress_snappy_block)), or the output would exceed
/// `max_len`.
pub fn decompress_snappy_stream(input: &[u8], max_len: u64) -> Result<Vec<u8>, SnappyError> {
    let mut reader = SnappyJavaReader::new(input, max_len);
    let mut out = Vec::new();
    while reader.next_block()? {
        out.extend_from_slice(reader.block());
    }
    Ok(out)
}

/// Most compressed bytes accepted in one chunk: snappy-java writes blocks of 32 KiB (of
/// uncompressed data) by default, so a longer chunk is damage or a hostile file, and is
/// refused before it is read into memory.
pub(crate) const MAX_CHUNK: usize = 64 << 20;

/// Most bytes one block may decompress to in a stream, for the same reason as [`MAX_CHUNK`]:
/// the block is held whole while it is read.
pub(crate) const MAX_BLOCK: usize = 64 << 20;

/// A snappy-java stream decompressed one block at a time from any reader: memory holds one
/// compressed chunk and its block, not the stream.
#[derive(Debug)]
pub(crate) struct SnappyJavaReader<R> {
    input: R,
    /// Offset in the compressed input of the next byte `input` gives.
    pos: usize,
    started: bool,
    chunk: Vec<u8>,
    block: Vec<u8>,
    /// Bytes of earlier blocks.
    produced: u64,
    max_len: u64,
}

impl<R: std::io::Read> SnappyJavaReader<R> {
    /// A reader of the stream `input`, producing at most `max_len` bytes in all.
    pub(crate) fn new(input: R, max_len: u64) -> Self {
        Self {
            input,
            pos: 0,
            started: false,
            chunk: Vec::new(),
            block: Vec::new(),
            produced: 0,
            max_len,
        }
    }

    /// The block [`SnappyJavaReader::next_block`] decompressed last.
    pub(crate) fn block(&self) -> &[u8] {
        &self.block
    }

    /// Decompresses the next block; `false` at the end of the stream (the end of the input
    /// where a chunk length would start).
    pub(crate) fn next_block(&mut self) -> Result<bool, SnappyError> {
        self.produced += self.block.len() as u64;
        self.block.clear();
        if !self.started {
            self.started = true;
            self.read_header(&[])?;
        }
        loop {
            let at = self.pos;
            let mut len_bytes = [0u8; 4];
            let got = self.fill(&mut len_bytes)?;
            if got == 0 {
                return Ok(false);
            }
            if got < 4 {
                return Err(SnappyError::new(
                    at,
                    "a 4-byte chunk length",
                    format!("only {got} bytes (truncated stream)"),
                ));
            }
            if len_bytes == SNAPPY_JAVA_MAGIC[..4] {
                self.read_header(&len_bytes)?;
                continue;
            }
            let declared = i32::from_be_bytes(len_bytes);
            let Ok(chunk_len) = usize::try_from(declared) else {
                return Err(SnappyError::new(
                    at,
                    "a chunk length of 0 to 2147483647",
                    declared.to_string(),
                ));
            };
            let start = self.pos;
            if chunk_len > MAX_CHUNK {
                return Err(SnappyError::new(
                    start,
                    format!(
                        "a chunk of at most {MAX_CHUNK} bytes (snappy-java writes 32 KiB blocks)"
                    ),
                    format!("a chunk length of {chunk_len}"),
                ));
            }
            let mut chunk = std::mem::take(&mut self.chunk);
            chunk.resize(chunk_len, 0);
            let got = self.fill(&mut chunk);
            let result = match got {
                Ok(got) if got < chunk_len => Err(SnappyError::new(
                    start,
                    format!("a chunk of {chunk_len} bytes"),
                    format!("only {got} bytes (truncated stream)"),
                )),
                Ok(_) => match declared_len(&chunk, start) {
                    Ok(n) if n > MAX_BLOCK => Err(SnappyError::new(
                        start,
                        format!(
                            "a block of at most {MAX_BLOCK} bytes (snappy-java writes 32 KiB \
                             blocks)"
                        ),
                        format!("a block declaring {n} bytes"),
                    )),
                    Ok(_) => decode_block_into(
                        &mut self.block,
                        &chunk,
                        start,
                        self.produced,
                        self.max_len,
                    ),
                    Err(e) => Err(e),
                },
                Err(e) => Err(e),
            };
            self.chunk = chunk;
            result?;
            return Ok(true);
        }
    }

    /// Reads until `buf` is full or the input ends; returns the bytes read.
    fn fill(&mut self, buf: &mut [u8]) -> Result<usize, SnappyError> {
        let mut got = 0;
        while got < buf.len() {
            match self.input.read(&mut buf[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    return Err(SnappyError::new(
                        self.pos + got,
                        "readable input",
                        format!("a read error: {e}"),
                    ))
                }
            }
        }
        self.pos += got;
        Ok(got)
    }

    /// Reads and checks a stream header, of which `already` (read by the caller) is the start.
    fn read_header(&mut self, already: &[u8]) -> Result<(), SnappyError> {
        let at = self.pos - already.len();
        let mut header = [0u8; HEADER_LEN];
        header[..already.len()].copy_from_slice(already);
        let got = already.len() + self.fill(&mut header[already.len()..])?;
        check_header(&header[..got], at)
    }
}

/// Checks a stream header, `rest` (at most [`HEADER_LEN`] bytes, fewer when the input ends
/// first) read at `pos`.
fn check_header(rest: &[u8], pos: usize) -> Result<(), SnappyError> {
    let Some(header) = rest.get(..HEADER_LEN) else {
        return Err(SnappyError::new(
            pos,
            "a 16-byte snappy-java stream header",
            format!("only {} bytes", rest.len()),
        ));
    };
    if header[..8] != SNAPPY_JAVA_MAGIC[..] {
        return Err(SnappyError::new(
            pos,
            "the snappy-java magic 82 53 4e 41 50 50 59 00 (\\x82SNAPPY\\0)",
            hex_bytes(&header[..8]),
        ));
    }
    let int_at =
        |i: usize| i32::from_be_bytes([header[i], header[i + 1], header[i + 2], header[i + 3]]);
    let (version, compatible) = (int_at(8), int_at(12));
    if version < STREAM_VERSION {
        return Err(SnappyError::new(
            pos + 8,
            format!("a stream format version of at least {STREAM_VERSION}"),
            version.to_string(),
        ));
    }
    if compatible > STREAM_VERSION {
        return Err(SnappyError::new(
            pos + 12,
            format!(
                "a stream that version-{STREAM_VERSION} readers can read (compatible version \
                 at most {STREAM_VERSION})"
            ),
            format!("compatible version {compatible} (format version {version})"),
        ));
    }
    Ok(())
}
