//! `[email.oauth]`, `auth = "xoauth2"` and `transport = "graph"`: defaults, and mistakes reported with the key
//! that is wrong.

use casewatch::channels::email::oauth::{GRAPH_SCOPE, SMTP_SCOPE};
use casewatch::channels::email::{AuthMethod, EmailChannel, EmailSettings, GRAPH_URL, Transport};

const TOKEN_URL: &str = "https://login.microsoftonline.com/tenant/oauth2/v2.0/token";

fn parse(toml_text: &str) -> EmailSettings {
    toml::from_str(toml_text).unwrap_or_else(|e| panic!("{toml_text}: {e}"))
}

/// SMTP to Exchange Online with XOAUTH2 (`auth` left to its default), plus `extra` and an `[oauth]` table of
/// `oauth` after the token URL and client id.
fn smtp(extra: &str, oauth: &str) -> String {
    format!(
        "host = \"smtp.office365.com\"\nusername = \"casewatch@council.example\"\nfrom = \"casewatch@council.example\"\n\
         {extra}\n[oauth]\ntoken_url = \"{TOKEN_URL}\"\nclient_id = \"app\"\n{oauth}"
    )
}

fn graph(extra: &str, oauth: &str) -> String {
    format!(
        "transport = \"graph\"\nfrom = \"casewatch@council.example\"\n{extra}\n\
         [oauth]\ntoken_url = \"{TOKEN_URL}\"\nclient_id = \"app\"\n{oauth}"
    )
}

const SECRET: &str = "client_secret = { credential = \"casewatch-oauth-secret\" }";

#[test]
fn oauth_alone_means_xoauth2_and_each_transport_has_its_scope() {
    let s = parse(&smtp("", SECRET));
    s.validate().unwrap();
    assert_eq!(s.auth_method(), Some(AuthMethod::Xoauth2));
    assert_eq!(s.oauth.as_ref().unwrap().scope(&s.transport), SMTP_SCOPE);
    assert_eq!(SMTP_SCOPE, "https://outlook.office365.com/.default");

    let g = parse(&graph("sender = \"casewatch@council.example\"", SECRET));
    g.validate().unwrap();
    assert_eq!(g.transport, Transport::Graph);
    assert_eq!(g.graph_url(), GRAPH_URL);
    assert_eq!(GRAPH_URL, "https://graph.microsoft.com/v1.0");
    assert_eq!(g.oauth.as_ref().unwrap().scope(&g.transport), GRAPH_SCOPE);
    assert_eq!(GRAPH_SCOPE, "https://graph.microsoft.com/.default");
    assert!(!g.graph_save_to_sent);

    let with_password = parse(
        "host = \"h.example\"\nfrom = \"cw@council.example\"\nusername = \"cw\"\npassword = { env = \"P\" }",
    );
    assert_eq!(with_password.auth_method(), Some(AuthMethod::Password));
}

#[test]
fn mistakes_name_their_key() {
    let certificate = "client_certificate = { file = \"/c.pem\" }";
    let key = "client_key = { file = \"/k.pem\" }";
    let cases = [
        (
            smtp("", SECRET).replace("username = \"casewatch@council.example\"\n", ""),
            "email.username: required when email.auth = \"xoauth2\"",
        ),
        (
            smtp("", SECRET).replace("username = \"casewatch@council.example\"", "username = \"casewatch\""),
            "email.username: `casewatch` is not a mailbox address",
        ),
        (
            smtp("password = { env = \"P\" }\nauth = \"xoauth2\"", SECRET),
            "email.password: has no use with email.auth = \"xoauth2\"",
        ),
        (
            "host = \"h.example\"\nfrom = \"cw@council.example\"\nusername = \"cw@council.example\"\nauth = \"xoauth2\"".into(),
            "email.oauth: required when email.auth = \"xoauth2\"",
        ),
        (
            smtp("auth = \"password\"\npassword = { env = \"P\" }", SECRET),
            "email.oauth: has no use with email.auth = \"password\"",
        ),
        (
            graph("", SECRET),
            "email.sender: required when email.transport = \"graph\"",
        ),
        (
            "transport = \"graph\"\nfrom = \"cw@council.example\"\nsender = \"cw@council.example\"".into(),
            "email.oauth: required when email.transport = \"graph\"",
        ),
        (
            smtp("", SECRET).replace("https://login", "http://login"),
            "email.oauth.token_url: plain http:// is refused: use https://",
        ),
        (
            smtp("", SECRET).replace(TOKEN_URL, "http://127.0.0.1:8080/token"),
            "email.oauth.token_url: plain http:// is refused: use https://, or set \
             email.oauth.allow_plain_http_loopback = true",
        ),
        (
            graph("sender = \"cw@council.example\"\ngraph_url = \"http://graph.example/v1.0\"", SECRET),
            "email.graph_url: plain http:// is refused",
        ),
        (
            smtp("", &format!("{SECRET}\n{certificate}\n{key}")),
            "email.oauth.client_secret: and a client certificate are both set",
        ),
        (smtp("", ""), "email.oauth.client_secret: missing: set either client_secret, or client_certificate and client_key"),
        (smtp("", certificate), "email.oauth.client_key: required with email.oauth.client_certificate"),
        (smtp("", key), "email.oauth.client_certificate: required with email.oauth.client_key"),
        (
            smtp("", SECRET).replace("client_id = \"app\"", "client_id = \" \""),
            "email.oauth.client_id: is empty",
        ),
        (
            smtp("", &format!("grant = \"jwt_bearer\"\n{SECRET}")),
            "email.oauth.client_secret: has no use with email.oauth.grant = \"jwt_bearer\"",
        ),
    ];
    for (toml_text, expected) in cases {
        let err = parse(&toml_text).validate().unwrap_err().to_string();
        assert!(err.starts_with(expected), "{toml_text}\n{err}");
    }
}

/// A secret written into the file instead of a reference is refused without repeating it by the configuration
/// loader, for `email.oauth.client_secret` as for every secret key (tests/secret_keys.rs).
#[test]
fn an_unknown_key_in_the_oauth_table_is_refused() {
    let unknown = toml::from_str::<EmailSettings>(&smtp("", &format!("{SECRET}\ntenant = \"x\"")))
        .unwrap_err()
        .to_string();
    assert!(unknown.contains("tenant"), "{unknown}");
}

#[test]
fn unreadable_or_wrong_keys_and_certificates_name_their_key_and_never_their_content() {
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/oauth");
    let with = |certificate: &str, key: &str| {
        let text = smtp(
            "",
            &format!(
                "client_certificate = {{ file = \"{fixtures}/{certificate}\" }}\n\
                 client_key = {{ file = \"{fixtures}/{key}\" }}"
            ),
        );
        EmailChannel::new(&parse(&text))
            .map(|_| ())
            .map_err(|e| e.to_string())
    };
    with("client.cert.pem", "client.key.pem").unwrap();

    let missing = with("client.cert.pem", "absent.pem").unwrap_err();
    assert!(
        missing.starts_with("email.oauth.client_key: cannot read secret file"),
        "{missing}"
    );
    let certificate_as_key = with("client.cert.pem", "client.cert.pem").unwrap_err();
    assert!(
        certificate_as_key.starts_with("email.oauth.client_key: file")
            && certificate_as_key.contains("does not hold a PEM PKCS#8 private key"),
        "{certificate_as_key}"
    );
    let key_as_certificate = with("client.key.pem", "client.key.pem").unwrap_err();
    assert!(
        key_as_certificate.starts_with("email.oauth.client_certificate:"),
        "{key_as_certificate}"
    );
    for err in [certificate_as_key, key_as_certificate] {
        assert!(!err.contains("MII"), "no PEM content: {err}");
    }
}
