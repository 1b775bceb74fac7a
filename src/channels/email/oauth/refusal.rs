//! A token endpoint's refusal, in words that say what to fix. Microsoft's replies carry an AADSTS code
//! (`error_codes`, and at the start of `error_description`); the common ones are explained here, from Microsoft's
//! "Microsoft Entra authentication and authorization error codes".

use serde::Deserialize;

/// The OAuth 2.0 error reply (RFC 6749 section 5.2), with Microsoft's `error_codes`.
#[derive(Debug, Default, Deserialize)]
struct ErrorReply {
    #[serde(default)]
    error: String,
    #[serde(default)]
    error_description: String,
    #[serde(default)]
    error_codes: Vec<u64>,
}

/// What an AADSTS code means for someone setting casewatch up.
pub fn aadsts_meaning(code: u64) -> Option<&'static str> {
    Some(match code {
        700016 => {
            "application not found in the directory: email.oauth.client_id is wrong, or the tenant in \
             email.oauth.token_url is not the one the application is registered in"
        }
        7000215 => {
            "invalid client secret: email.oauth.client_secret must hold the secret's Value, not its Secret ID"
        }
        7000222 => {
            "the client secret has expired: add a new one under Certificates & secrets and update \
             email.oauth.client_secret"
        }
        65001 => {
            "consent missing: an administrator must grant admin consent for the application's API permissions"
        }
        90002 => "tenant not found: check the tenant id or domain in email.oauth.token_url",
        700027 => {
            "the client assertion's signature is invalid: the certificate uploaded to the application does \
             not match email.oauth.client_key"
        }
        700024 => "the client assertion is outside its valid time: check this machine's clock",
        1002012 => {
            "the scope is not valid: with application permissions it must be a resource followed by \
             /.default, such as https://outlook.office365.com/.default"
        }
        70011 => "the scope is not valid: check email.oauth.scope",
        500011 => {
            "the resource in the scope is not in the tenant: check email.oauth.scope (Exchange Online: \
             https://outlook.office365.com/.default; Graph: https://graph.microsoft.com/.default)"
        }
        7000218 => {
            "no client secret or assertion was sent: set email.oauth.client_secret or a certificate"
        }
        7000112 => "the application is disabled in the tenant",
        53003 => {
            "blocked by a Conditional Access policy: ask the tenant's administrators to exclude the application"
        }
        _ => return None,
    })
}

/// One line for the error and the audit log: the AADSTS code and its meaning when there is one, the OAuth
/// `error`, and the first sentence of the description (without Microsoft's trace and correlation ids).
pub fn describe(status: u16, body: &str) -> String {
    let reply: ErrorReply = serde_json::from_str(body).unwrap_or_default();
    let description = first_line(&reply.error_description);
    let code = reply
        .error_codes
        .first()
        .copied()
        .or_else(|| aadsts_in(description));
    let error = if reply.error.is_empty() {
        format!("HTTP {status}")
    } else {
        format!("HTTP {status} {}", reply.error)
    };
    let said = description
        .split_once(": ")
        .filter(|(head, _)| head.starts_with("AADSTS"))
        .map_or(description, |(_, rest)| rest);
    match (code, code.and_then(aadsts_meaning)) {
        (Some(code), Some(meaning)) => format!("AADSTS{code}: {meaning} ({error}: {said})"),
        (Some(code), None) => format!("AADSTS{code}: {said} ({error})"),
        (None, _) if said.is_empty() => error,
        (None, _) => format!("{said} ({error})"),
    }
}

fn first_line(text: &str) -> &str {
    let line = text.lines().next().unwrap_or("").trim();
    line.split(" Trace ID:").next().unwrap_or(line).trim()
}

fn aadsts_in(text: &str) -> Option<u64> {
    let digits = text.strip_prefix("AADSTS")?;
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    digits[..end].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::describe;

    #[test]
    fn an_expired_secret_is_named_with_its_code_and_what_to_do() {
        // The shape of Microsoft's reply, from its documentation of the client credentials flow.
        let body = r#"{"error":"invalid_client","error_description":"AADSTS7000222: The provided client secret keys for app '0f3a' are expired. Visit the Azure portal to create new keys for your app.\r\nTrace ID: 1\r\nCorrelation ID: 2\r\nTimestamp: 2026-12-07 10:00:00Z","error_codes":[7000222],"timestamp":"2026-12-07 10:00:00Z"}"#;
        assert_eq!(
            describe(401, body),
            "AADSTS7000222: the client secret has expired: add a new one under Certificates & secrets and \
             update email.oauth.client_secret (HTTP 401 invalid_client: The provided client secret keys for \
             app '0f3a' are expired. Visit the Azure portal to create new keys for your app.)"
        );
    }

    #[test]
    fn a_code_only_in_the_description_is_found_and_an_unknown_one_kept() {
        let body =
            r#"{"error":"invalid_request","error_description":"AADSTS123456: Something new."}"#;
        assert_eq!(
            describe(400, body),
            "AADSTS123456: Something new. (HTTP 400 invalid_request)"
        );
        let google = r#"{"error":"invalid_grant","error_description":"Invalid JWT Signature."}"#;
        assert_eq!(
            describe(400, google),
            "Invalid JWT Signature. (HTTP 400 invalid_grant)"
        );
        assert_eq!(describe(502, "<html>bad gateway</html>"), "HTTP 502");
    }
}
