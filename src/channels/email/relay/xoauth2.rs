//! SMTP AUTH XOAUTH2 (Google's "XOAUTH2 protocol", which Exchange Online speaks too): the client sends
//! `AUTH XOAUTH2` with the base64 of `user={mailbox}^Aauth=Bearer {token}^A^A` as its initial response.
//!
//! A server that refuses the token answers 334 with a base64 JSON error (`{"status":"401","schemes":"Bearer",
//! "scope":"…"}`); the client must then send an empty line, and the server ends the exchange with 535. lettre's
//! own XOAUTH2 gives up at the 334 without the empty line and without the JSON, so the exchange is done here with
//! lettre's connection.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use lettre::transport::smtp::authentication::Mechanism;
use lettre::transport::smtp::client::AsyncSmtpConnection;
use secrecy::ExposeSecret;

use super::super::oauth::AccessToken;
use super::ConnectError;

/// The initial client response, before base64.
fn initial_response(user: &str, token: &AccessToken) -> String {
    format!(
        "user={user}\x01auth=Bearer {}\x01\x01",
        token.expose_secret()
    )
}

/// Logs in with `token`. A refusal is [`ConnectError::Refused`], with the server's JSON error when it sent one.
pub(super) async fn authenticate(
    conn: &mut AsyncSmtpConnection,
    user: &str,
    token: &AccessToken,
) -> Result<(), ConnectError> {
    if !conn
        .server_info()
        .supports_auth_mechanism(Mechanism::Xoauth2)
    {
        return Err(ConnectError::Unsupported(
            "the relay does not offer AUTH XOAUTH2 (after STARTTLS, if configured)".to_owned(),
        ));
    }
    let command = format!(
        "AUTH XOAUTH2 {}\r\n",
        STANDARD.encode(initial_response(user, token))
    );
    let reply = conn.command(command).await.map_err(refused)?;
    if !reply.has_code(334) {
        return Ok(());
    }
    let challenge: String = reply.message().collect::<Vec<_>>().concat();
    let error = STANDARD
        .decode(challenge.trim())
        .ok()
        .and_then(|json| String::from_utf8(json).ok())
        .unwrap_or(challenge);
    let ending = match conn.command("\r\n").await {
        Ok(reply) => format!(
            "{} {}",
            reply.code(),
            reply.message().collect::<Vec<_>>().join(" ")
        ),
        Err(e) => said(&e),
    };
    Err(ConnectError::Refused(format!(
        "AUTH XOAUTH2 refused: {ending} (the server's error: {error})"
    )))
}

/// An SMTP error reply as the server said it ("535 5.7.3 Authentication unsuccessful"), not as lettre words it
/// ("permanent error (535): …"), which would read oddly in a transient error.
fn said(error: &lettre::transport::smtp::Error) -> String {
    let text = error.to_string();
    match (error.status(), text.split_once("): ")) {
        (Some(code), Some((_, message))) => format!("{code} {message}"),
        _ => text,
    }
}

fn refused(error: lettre::transport::smtp::Error) -> ConnectError {
    if error.is_permanent() || error.is_transient() {
        ConnectError::Refused(format!("AUTH XOAUTH2 refused: {}", said(&error)))
    } else {
        ConnectError::Smtp(error)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use secrecy::SecretString;

    use super::initial_response;

    #[test]
    fn the_initial_response_is_as_google_specifies_it() {
        // developers.google.com/gmail/imap/xoauth2-protocol: "user=someuser@example.com^Aauth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg^A^A"
        let token = Arc::new(SecretString::from(
            "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg",
        ));
        assert_eq!(
            initial_response("someuser@example.com", &token),
            "user=someuser@example.com\u{1}auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\u{1}\u{1}"
        );
    }
}
