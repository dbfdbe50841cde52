//! Tests of the certificate names and of Java's host check over them.

use super::*;

/// A DER value: `tag`, then the length of `content`, then `content`.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    match u8::try_from(content.len()) {
        Ok(n) if n < 0x80 => out.push(n),
        _ => {
            let n = u16::try_from(content.len()).expect("test values are short");
            out.push(0x82);
            out.extend_from_slice(&n.to_be_bytes());
        }
    }
    out.extend_from_slice(content);
    out
}

/// The concatenation of DER values.
fn cat(parts: &[Vec<u8>]) -> Vec<u8> {
    parts.concat()
}

/// A certificate with the subject common names `cns` (one relative distinguished name each,
/// after an `O=`) and, when `sans` is given, a subject alternative names extension holding
/// those `GeneralName`s (and an e-mail address).
fn certificate(cns: &[&str], sans: Option<&[Vec<u8>]>) -> Vec<u8> {
    let attribute = |oid: &[u8], value: &str| {
        tlv(
            SET,
            &tlv(
                SEQUENCE,
                &cat(&[tlv(OID, oid), tlv(0x0c, value.as_bytes())]),
            ),
        )
    };
    let mut subject = vec![attribute(&[0x55, 0x04, 0x0a], "zk")];
    subject.extend(cns.iter().map(|cn| attribute(COMMON_NAME, cn)));
    let mut body = vec![
        tlv(0xa0, &tlv(0x02, &[2])),
        tlv(0x02, &[1]),
        tlv(SEQUENCE, &[]),
        tlv(SEQUENCE, &[]),
        tlv(SEQUENCE, &[]),
        tlv(SEQUENCE, &cat(&subject)),
        tlv(SEQUENCE, &[]),
    ];
    if let Some(sans) = sans {
        let mut names = vec![tlv(0x81, b"ops@example.com")];
        names.extend_from_slice(sans);
        let other = tlv(
            SEQUENCE,
            &cat(&[tlv(OID, &[0x55, 0x1d, 0x13]), tlv(OCTET_STRING, &[0x30, 0])]),
        );
        let san = tlv(
            SEQUENCE,
            &cat(&[
                tlv(OID, SUBJECT_ALT_NAME),
                tlv(0x01, &[0xff]),
                tlv(OCTET_STRING, &tlv(SEQUENCE, &cat(&names))),
            ]),
        );
        body.push(tlv(0xa3, &tlv(SEQUENCE, &cat(&[other, san]))));
    }
    tlv(
        SEQUENCE,
        &cat(&[
            tlv(SEQUENCE, &cat(&body)),
            tlv(SEQUENCE, &[]),
            tlv(0x03, &[0]),
        ]),
    )
}

fn dns(name: &str) -> Vec<u8> {
    tlv(0x82, name.as_bytes())
}

fn ip(bytes: &[u8]) -> Vec<u8> {
    tlv(0x87, bytes)
}

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

#[test]
fn names_are_read_from_der() {
    let der = certificate(
        &["outer", "localhost"],
        Some(&[
            dns("zk.example"),
            ip(&[127, 0, 0, 1]),
            ip(&Ipv6Addr::LOCALHOST.octets()),
        ]),
    );
    let names = CertNames::read(&der).unwrap();
    assert_eq!(
        names.alt_names,
        [
            AltName::Dns("zk.example".into()),
            AltName::Ip(LOOPBACK),
            AltName::Ip(IpAddr::V6(Ipv6Addr::LOCALHOST)),
        ]
    );
    // The most specific (last) common name.
    assert_eq!(names.common_name.as_deref(), Some("localhost"));
    let bare = CertNames::read(&certificate(&[], None)).unwrap();
    assert_eq!(bare, CertNames::default());
    // An extension of other names only: no names the check reads.
    let mail_only = CertNames::read(&certificate(&["localhost"], Some(&[]))).unwrap();
    assert!(mail_only.alt_names.is_empty());
}

#[test]
fn unreadable_certificates_say_where() {
    let e = CertNames::read(&[0x30, 0x05, 0x30]).unwrap_err();
    assert!(
        e.contains("the certificate") && e.contains("expected 5 bytes"),
        "{e}"
    );
    let e = CertNames::read(&certificate(&[], Some(&[ip(&[1, 2, 3])]))).unwrap_err();
    assert!(e.contains("expected 4 or 16 bytes, found 3"), "{e}");
    assert!(CertNames::read(&[]).is_err());
}

#[test]
fn the_address_connected_to_is_checked_against_ip_names() {
    let names =
        CertNames::read(&certificate(&["localhost"], Some(&[ip(&[127, 0, 0, 1])]))).unwrap();
    assert!(names.accept(Some(LOOPBACK), Some("localhost")));
    assert!(names.accept(Some(LOOPBACK), None));
    // The common name is not read when there are subject alternative names.
    let other: IpAddr = "127.0.0.2".parse().unwrap();
    assert!(!names.accept(Some(other), Some("localhost")));
    // An IPv4-mapped address is its IPv4 address, on either side.
    let mapped: IpAddr = "::ffff:127.0.0.1".parse().unwrap();
    assert!(names.accept(Some(mapped), None));
    let mapped_name = CertNames::read(&certificate(
        &[],
        Some(&[ip(&Ipv4Addr::LOCALHOST.to_ipv6_mapped().octets())]),
    ))
    .unwrap();
    assert!(mapped_name.accept(Some(LOOPBACK), None));
    assert!(!mapped_name.accept(Some(IpAddr::V6(Ipv6Addr::LOCALHOST)), None));
}

#[test]
fn a_lone_common_name_is_checked_when_there_are_no_alternative_names() {
    let names = CertNames::read(&certificate(&["LocalHost"], None)).unwrap();
    assert!(names.accept(Some(LOOPBACK), Some("localhost")));
    assert!(!names.accept(Some(LOOPBACK), Some("otherhost")));
    assert!(!names.accept(Some(LOOPBACK), None));
    assert_eq!(names.presented(), ["CN=LocalHost"]);
    // Addresses are compared as Java writes them.
    let v4 = CertNames::read(&certificate(&["127.0.0.1"], None)).unwrap();
    assert!(v4.accept(Some(LOOPBACK), None));
    let v6 = CertNames::read(&certificate(&["0:0:0:0:0:0:0:1"], None)).unwrap();
    assert!(v6.accept(Some(IpAddr::V6(Ipv6Addr::LOCALHOST)), None));
    let compressed = CertNames::read(&certificate(&["::1"], None)).unwrap();
    assert!(!compressed.accept(Some(IpAddr::V6(Ipv6Addr::LOCALHOST)), None));
    // An extension with other kinds of names only counts as none.
    let mail_only = CertNames::read(&certificate(&["localhost"], Some(&[]))).unwrap();
    assert!(mail_only.accept(Some(LOOPBACK), Some("localhost")));
    // No common name, no alternative names: nothing matches.
    assert!(!CertNames::default().accept(Some(LOOPBACK), Some("localhost")));
}

#[test]
fn dns_names_match_as_java_matches_them() {
    let names = CertNames::read(&certificate(
        &["localhost"],
        Some(&[dns("*.zk.example"), dns("Node7.Example")]),
    ))
    .unwrap();
    assert!(names.accept(Some(LOOPBACK), Some("a.zk.example")));
    assert!(names.accept(Some(LOOPBACK), Some("node7.example")));
    assert!(!names.accept(Some(LOOPBACK), Some("a.b.zk.example")));
    assert!(!names.accept(Some(LOOPBACK), Some("zk.example")));
    // The common name is not read when there are subject alternative names.
    assert!(!names.accept(Some(LOOPBACK), Some("localhost")));
    assert_eq!(names.presented(), ["*.zk.example", "Node7.Example"]);
    assert!(matches_identity("zk1.example", "zk*.example"));
    assert!(matches_identity("localhost", "*"));
    assert!(!matches_identity("a.b", "*"));
    // Overlapping prefix and suffix: Java refuses.
    assert!(!matches_identity("a", "a*a"));
    assert!(matches_identity("aa", "a*a"));
}
