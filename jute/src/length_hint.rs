//! What a nonsensical length prefix most likely is (an HTTP, TLS or text peer): a leaf that
//! both the error messages and the framing use.

/// Says what a nonsensical length prefix most likely is, if it is recognisable.
pub fn explain_bad_length(len: u64) -> Option<&'static str> {
    let b = (len as u32).to_be_bytes();
    if len > u32::MAX as u64 {
        return None;
    }
    if &b == b"HTTP" {
        return Some(
            "the bytes spell \"HTTP\": the peer is an HTTP server, not ZooKeeper (check the port)",
        );
    }
    if (b[0] == 0x15 || b[0] == 0x16) && b[1] == 0x03 && b[2] <= 0x04 {
        return Some("the bytes look like a TLS record: the peer expects a TLS connection");
    }
    if b.iter().all(|c| c.is_ascii_graphic() || *c == b' ') {
        return Some("the bytes are ASCII text: the peer speaks a text protocol, not ZooKeeper");
    }
    None
}
