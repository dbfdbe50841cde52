//! The names a server certificate holds (its DNS and IP subject alternative names, and its
//! subject's common name), read from the certificate's DER, and the host check ZooKeeper's Java
//! client makes over them (`ZKTrustManager` with `ZKHostnameVerifier`, 3.8).
//!
//! Java checks the certificate twice and accepts it when either check passes: once against the
//! address connected to, once against the host name of the connect string. Each check looks at
//! the subject alternative names of type DNS and IP when the certificate has any, and at the
//! subject's most specific common name only when it has none. An address matches an IP name
//! that holds the same address; a host name matches a DNS name as `ZKHostnameVerifier` matches
//! them (case-insensitive, one `*` standing for part of one label). Java also checks an IP
//! literal of the connect string against the name a reverse DNS lookup gives for it; this
//! check does no reverse lookup.
//!
//! The DER is read by hand: rustls-webpki checks names but does not expose them, and an X.509
//! crate would bring a whole parser stack for the two fields read here, from a certificate
//! WebPKI has already verified.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The tag of a DER `SEQUENCE`.
const SEQUENCE: u8 = 0x30;
/// The tag of a DER `SET`.
const SET: u8 = 0x31;
/// The tag of a DER `OBJECT IDENTIFIER`.
const OID: u8 = 0x06;
/// The tag of a DER `OCTET STRING`.
const OCTET_STRING: u8 = 0x04;
/// The object identifier of the subject alternative names extension (2.5.29.17).
const SUBJECT_ALT_NAME: &[u8] = &[0x55, 0x1d, 0x11];
/// The object identifier of the common name attribute (2.5.4.3).
const COMMON_NAME: &[u8] = &[0x55, 0x04, 0x03];

/// A subject alternative name of a type the host check reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum AltName {
    /// A `dNSName`, as written (non-ASCII bytes replaced).
    Dns(String),
    /// An `iPAddress`, IPv4-mapped IPv6 addresses as IPv4 (as Java reads them).
    Ip(IpAddr),
}

/// The names of a certificate the host check reads.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(super) struct CertNames {
    /// The DNS and IP subject alternative names, in the certificate's order.
    pub(super) alt_names: Vec<AltName>,
    /// The common name of the subject's last relative distinguished name that holds one.
    pub(super) common_name: Option<String>,
}

impl CertNames {
    /// Reads the names of a DER certificate; the error says which part could not be read.
    pub(super) fn read(der: &[u8]) -> Result<CertNames, String> {
        let cert = Der::new(der).one(SEQUENCE, "the certificate")?;
        let mut tbs = Der::new(cert).one_of(SEQUENCE, "the certificate's body")?;
        // version [0] (optional), serialNumber, signature, issuer, validity.
        if tbs.peek_tag() == Some(0xa0) {
            tbs.any("the version")?;
        }
        for what in [
            "the serial number",
            "the signature",
            "the issuer",
            "the validity",
        ] {
            tbs.any(what)?;
        }
        let subject = tbs.next(SEQUENCE, "the subject")?;
        tbs.any("the public key")?;
        let mut names = CertNames {
            alt_names: Vec::new(),
            common_name: common_name(subject)?,
        };
        while let Some((tag, content)) = tbs.next_any("the body's optional fields")? {
            // issuerUniqueID [1] and subjectUniqueID [2] are skipped; extensions are [3].
            if tag == 0xa3 {
                names.alt_names = alt_names(Der::new(content).one(SEQUENCE, "the extensions")?)?;
            }
        }
        Ok(names)
    }

    /// Whether Java's client accepts the certificate from a server at `addr`, connected to by
    /// `host` (a DNS name of the connect string; `None` for an IP literal).
    pub(super) fn accept(&self, addr: Option<IpAddr>, host: Option<&str>) -> bool {
        addr.is_some_and(|a| self.accepts_address(a))
            || host.is_some_and(|h| self.accepts_dns_name(h))
    }

    /// Java's check of the address connected to.
    fn accepts_address(&self, addr: IpAddr) -> bool {
        let addr = addr.to_canonical();
        if self.alt_names.is_empty() {
            return self
                .common_name
                .as_deref()
                .is_some_and(|cn| matches_identity(&java_text(addr), cn));
        }
        self.alt_names.contains(&AltName::Ip(addr))
    }

    /// Java's check of a host name.
    fn accepts_dns_name(&self, host: &str) -> bool {
        if self.alt_names.is_empty() {
            return self
                .common_name
                .as_deref()
                .is_some_and(|cn| matches_identity(host, cn));
        }
        self.alt_names.iter().any(|name| match name {
            AltName::Dns(dns) => matches_identity(host, dns),
            AltName::Ip(_) => false,
        })
    }

    /// The names, for a message: the subject alternative names, or the common name when there
    /// are none.
    pub(super) fn presented(&self) -> Vec<String> {
        if self.alt_names.is_empty() {
            return self
                .common_name
                .iter()
                .map(|cn| format!("CN={cn}"))
                .collect();
        }
        self.alt_names
            .iter()
            .map(|name| match name {
                AltName::Dns(dns) => dns.clone(),
                AltName::Ip(ip) => ip.to_string(),
            })
            .collect()
    }
}

/// Whether `host` matches the certificate name `identity` as `ZKHostnameVerifier` matches
/// them (strictly): case-insensitive; a `*` of `identity` stands for any part of `host`
/// without a dot between the text before it and the text after it.
pub(super) fn matches_identity(host: &str, identity: &str) -> bool {
    let (host, identity) = (host.to_lowercase(), identity.to_lowercase());
    let Some((prefix, suffix)) = identity.split_once('*') else {
        return host == identity;
    };
    if !host.starts_with(prefix) || !host.ends_with(suffix) {
        return false;
    }
    // The prefix and the suffix may not overlap (Java fails on it).
    host.len()
        .checked_sub(suffix.len())
        .and_then(|end| host.get(prefix.len()..end))
        .is_some_and(|middle| !middle.contains('.'))
}

/// An address as Java's `InetAddress.getHostAddress` writes it (IPv6 uncompressed, lower-case
/// hexadecimal groups without leading zeros).
fn java_text(addr: IpAddr) -> String {
    match addr {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => v6
            .segments()
            .iter()
            .map(|s| format!("{s:x}"))
            .collect::<Vec<_>>()
            .join(":"),
    }
}

/// The common name of the last relative distinguished name of `subject` (a DER `Name`'s
/// content) that holds one.
fn common_name(subject: &[u8]) -> Result<Option<String>, String> {
    let mut found = None;
    let mut rdns = Der::new(subject);
    while !rdns.is_empty() {
        let mut attributes = Der::new(rdns.next(SET, "a name of the subject")?);
        let mut in_this = None;
        while !attributes.is_empty() {
            let mut attribute = Der::new(attributes.next(SEQUENCE, "a subject attribute")?);
            let oid = attribute.next(OID, "a subject attribute's type")?;
            let (tag, value) = attribute.any("a subject attribute's value")?;
            if oid == COMMON_NAME && in_this.is_none() {
                in_this = Some(directory_string(tag, value)?);
            }
        }
        if in_this.is_some() {
            found = in_this;
        }
    }
    Ok(found)
}

/// The text of a `DirectoryString` (or `IA5String`) of tag `tag`.
fn directory_string(tag: u8, value: &[u8]) -> Result<String, String> {
    match tag {
        // UTF8String, PrintableString, IA5String.
        0x0c | 0x13 | 0x16 => Ok(String::from_utf8_lossy(value).into_owned()),
        // TeletexString, read as Latin-1.
        0x14 => Ok(value.iter().map(|&b| char::from(b)).collect()),
        // BMPString: UTF-16BE.
        0x1e if value.len().is_multiple_of(2) => Ok(char::decode_utf16(
            value
                .chunks_exact(2)
                .map(|pair| u16::from_be_bytes([pair[0], pair[1]])),
        )
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()),
        _ => Err(format!(
            "the subject's common name: expected a UTF8String, PrintableString, IA5String, \
             TeletexString or BMPString, found the DER tag {tag:#04x} ({} bytes)",
            value.len()
        )),
    }
}

/// The DNS and IP names of the subject alternative names extension among `extensions` (the
/// content of the DER `Extensions` sequence).
fn alt_names(extensions: &[u8]) -> Result<Vec<AltName>, String> {
    let mut names = Vec::new();
    let mut extensions = Der::new(extensions);
    while !extensions.is_empty() {
        let mut extension = Der::new(extensions.next(SEQUENCE, "an extension")?);
        let oid = extension.next(OID, "an extension's identifier")?;
        if oid != SUBJECT_ALT_NAME {
            continue;
        }
        // critical BOOLEAN DEFAULT FALSE, then the value.
        let (mut tag, mut value) = extension.any("the subject alternative names")?;
        if tag == 0x01 {
            (tag, value) = extension.any("the subject alternative names")?;
        }
        if tag != OCTET_STRING {
            return Err(format!(
                "the subject alternative names: expected an OCTET STRING, found the DER tag \
                 {tag:#04x}"
            ));
        }
        let mut general_names =
            Der::new(Der::new(value).one(SEQUENCE, "the subject alternative names")?);
        while !general_names.is_empty() {
            match general_names.any("a subject alternative name")? {
                (0x82, dns) => names.push(AltName::Dns(String::from_utf8_lossy(dns).into_owned())),
                (0x87, ip) => names.push(AltName::Ip(ip_address(ip)?)),
                _ => {}
            }
        }
    }
    Ok(names)
}

/// The address of an `iPAddress` name (4 or 16 bytes).
fn ip_address(bytes: &[u8]) -> Result<IpAddr, String> {
    if let Ok(v4) = <[u8; 4]>::try_from(bytes) {
        return Ok(IpAddr::V4(Ipv4Addr::from(v4)));
    }
    if let Ok(v6) = <[u8; 16]>::try_from(bytes) {
        return Ok(IpAddr::V6(Ipv6Addr::from(v6)).to_canonical());
    }
    Err(format!(
        "an IP subject alternative name: expected 4 or 16 bytes, found {}",
        bytes.len()
    ))
}

/// A reader of consecutive DER values (single-byte tags, definite lengths).
struct Der<'a> {
    rest: &'a [u8],
}

impl<'a> Der<'a> {
    fn new(bytes: &'a [u8]) -> Der<'a> {
        Der { rest: bytes }
    }

    fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    fn peek_tag(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    /// The next value's tag and content; `None` at the end.
    fn next_any(&mut self, what: &str) -> Result<Option<(u8, &'a [u8])>, String> {
        let Some((&tag, after_tag)) = self.rest.split_first() else {
            return Ok(None);
        };
        let truncated = || format!("{what}: expected a DER length, found the end of the data");
        let (&first, after_length) = after_tag.split_first().ok_or_else(truncated)?;
        let (length, after_length) = match first {
            0..=0x7f => (usize::from(first), after_length),
            0x81..=0x84 => {
                let count = usize::from(first & 0x7f);
                let (bytes, after) = after_length.split_at_checked(count).ok_or_else(truncated)?;
                let length = bytes.iter().fold(0usize, |n, &b| (n << 8) | usize::from(b));
                (length, after)
            }
            _ => {
                return Err(format!(
                    "{what}: expected a definite DER length, found the length byte {first:#04x}"
                ))
            }
        };
        if tag & 0x1f == 0x1f {
            return Err(format!(
                "{what}: expected a one-byte DER tag, found {tag:#04x}"
            ));
        }
        let (content, rest) = after_length.split_at_checked(length).ok_or_else(|| {
            format!(
                "{what}: expected {length} bytes of content, found {}",
                after_length.len()
            )
        })?;
        self.rest = rest;
        Ok(Some((tag, content)))
    }

    /// The next value's tag and content.
    fn any(&mut self, what: &str) -> Result<(u8, &'a [u8]), String> {
        self.next_any(what)?
            .ok_or_else(|| format!("{what}: expected a DER value, found the end of the data"))
    }

    /// The content of the next value, which must have tag `tag`.
    fn next(&mut self, tag: u8, what: &str) -> Result<&'a [u8], String> {
        match self.any(what)? {
            (found, content) if found == tag => Ok(content),
            (found, _) => Err(format!(
                "{what}: expected the DER tag {tag:#04x}, found {found:#04x}"
            )),
        }
    }

    /// The content of the next value (tag `tag`), read as a reader of its own.
    fn one_of(&mut self, tag: u8, what: &str) -> Result<Der<'a>, String> {
        self.next(tag, what).map(Der::new)
    }

    /// The content of the one value (tag `tag`) the data holds; bytes after it are ignored.
    fn one(mut self, tag: u8, what: &str) -> Result<&'a [u8], String> {
        self.next(tag, what)
    }
}

#[cfg(test)]
#[path = "names_tests.rs"]
mod tests;
