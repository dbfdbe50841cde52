//! `ClientBuilder`'s `Debug`: every setting, with credentials and session passwords hidden.

use super::ClientBuilder;

/// Everything but secrets: `add_auth` credentials and a resumed session's password show as
/// `<redacted>`.
impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let auth: Vec<(&str, &str)> = self
            .auth
            .iter()
            .map(|(scheme, _)| (scheme.as_str(), "<redacted>"))
            .collect();
        f.debug_struct("ClientBuilder")
            .field("session_timeout", &self.session_timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("read_only", &self.read_only)
            .field(
                "session",
                &self.session.as_ref().map(|(id, _)| (id, "<redacted>")),
            )
            .field("auth", &auth)
            .field("max_request_len", &self.max_request_len)
            .field("max_reply_len", &self.max_reply_len)
            .field("request_timeout", &self.request_timeout)
            .field("close_timeout", &self.close_timeout)
            .field("recreate_on_expiry", &self.recreate_on_expiry)
            .field("on_new_session", &self.on_new_session)
            .field("tls", &self.tls)
            .field("sasl", &self.sasl)
            .field("auto_watch_reset", &self.auto_watch_reset)
            .field("follow_ensemble", &self.follow_ensemble)
            .field("coalesce_replies", &self.coalesce_replies)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn debug_hides_credentials_and_the_session_password() {
        let builder = crate::Client::builder()
            .auth("digest", "alice:hunter2")
            .session(0x1234, bytes::Bytes::from_static(b"s3cr3t-session-pw"));
        let shown = format!("{builder:?}");
        assert!(
            shown.contains("digest") && shown.contains("4660") && shown.contains("<redacted>"),
            "{shown}"
        );
        assert!(
            !shown.contains("hunter2") && !shown.contains("s3cr3t"),
            "{shown}"
        );
    }
}
