//! What an HTTP reply (or the lack of one) means for the outbox: delivered, try again later, or give up.

use std::error::Error as _;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

use crate::channels::{ChannelError, Receipt};

/// How much of a reply is kept for the audit log and error reasons: enough for Slack's `invalid_payload` or a
/// gateway's one-line error, not a whole HTML error page.
const REPLY_EXCERPT: usize = 200;

/// 2xx is delivered; 408, 429 and 5xx are worth retrying (after `Retry-After` when given); other statuses,
/// redirects included, will not get better by themselves. `now` is when the reply arrived, for an HTTP-date
/// `Retry-After`.
pub(super) async fn classify(
    mut response: reqwest::Response,
    now: DateTime<Utc>,
) -> Result<Receipt, ChannelError> {
    let status = response.status();
    let retry_after = retry_after(response.headers(), now);
    let excerpt = excerpt(&mut response).await;
    let reply = if excerpt.is_empty() {
        format!("HTTP {status}")
    } else {
        format!("HTTP {status}: {excerpt}")
    };
    if status.is_success() {
        Ok(Receipt { detail: reply })
    } else if status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS
        || status.is_server_error()
    {
        Err(ChannelError::Transient {
            reason: reply,
            retry_after,
        })
    } else if status.is_redirection() {
        Err(ChannelError::permanent(format!(
            "{reply} (a redirect: casewatch does not follow redirects, so that a signed payload never goes \
             somewhere it was not configured to go; set the webhook's URL to the new address)"
        )))
    } else {
        Err(ChannelError::permanent(reply))
    }
}

/// No reply at all: the connection failed or the time ran out. Worth retrying, except a request that could not
/// even be built. The URL is left out of the reason, since for Teams and Slack it is a credential.
pub(crate) fn transport_error(error: reqwest::Error) -> ChannelError {
    let error = error.without_url();
    let mut reason = if error.is_timeout() {
        "timed out".to_owned()
    } else if error.is_connect() {
        "cannot connect".to_owned()
    } else {
        "request failed".to_owned()
    };
    let mut cause = error.source();
    while let Some(e) = cause {
        reason.push_str(": ");
        reason.push_str(&e.to_string());
        cause = e.source();
    }
    if error.is_builder() {
        ChannelError::permanent(reason)
    } else {
        ChannelError::transient(reason)
    }
}

/// `Retry-After` as delay-seconds or an HTTP-date (RFC 9110 section 10.2.3); a date already past means now.
pub(crate) fn retry_after(headers: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    // IMF-fixdate ("Wed, 21 Oct 2026 07:28:00 GMT") is RFC 2822 syntax; the obsolete RFC 850 and asctime forms
    // are not worth a parser, and an unreadable value is treated as absent.
    let at = DateTime::parse_from_rfc2822(value).ok()?;
    Some((at.to_utc() - now).to_std().unwrap_or(Duration::ZERO))
}

/// The first bytes of the reply on one line, read no further than needed.
async fn excerpt(response: &mut reqwest::Response) -> String {
    let mut bytes = Vec::new();
    while bytes.len() < REPLY_EXCERPT {
        match response.chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            // The status has arrived; a reply body cut short changes nothing.
            Ok(None) | Err(_) => break,
        }
    }
    bytes.truncate(REPLY_EXCERPT);
    let text = String::from_utf8_lossy(&bytes);
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    one_line.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(retry_after: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_str(retry_after).unwrap());
        h
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now: DateTime<Utc> = "2026-10-21T07:27:30Z".parse().unwrap();
        assert_eq!(
            retry_after(&headers("120"), now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            retry_after(&headers("Wed, 21 Oct 2026 07:28:00 GMT"), now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            retry_after(&headers("Wed, 21 Oct 2026 07:00:00 GMT"), now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after(&headers("soon"), now), None);
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }
}
