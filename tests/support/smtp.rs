//! A real SMTP server for tests: the `mailin` crate's SMTP parser and state machine behind a small tokio I/O loop,
//! listening on 127.0.0.1 on a free port. It records every message it accepts, counts connections, and answers as
//! the test scripts it: temporary or permanent rejections, required AUTH, STARTTLS or implicit TLS with a
//! certificate from a private CA made at test time ([`TestCa`]), and AUTH XOAUTH2 with an OAuth token, checked byte
//! for byte as Google's XOAUTH2 protocol specifies it.
//!
//! ```ignore
//! let ca = TestCa::new();
//! let server = SmtpServer::builder().starttls(ca.server_identity("localhost")).start().await;
//! // ... send through the client under test to ("localhost", server.port()), trusting ca.pem() ...
//! let mail = server.wait_for(1).await;
//! assert_eq!(mail[0].to, ["worker@council.example"]);
//! ```
//!
//! Self-contained: include it with `mod smtp;` from `tests/support/mod.rs` or `#[path = "support/smtp.rs"] mod smtp;`.
#![allow(dead_code)]

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use mailin::{Action, AuthMechanism, Handler, Response, Session, SessionBuilder};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A message the server accepted (250 after DATA).
#[derive(Clone, Debug)]
pub struct Received {
    /// The envelope sender (`MAIL FROM`).
    pub from: String,
    /// The envelope recipients (`RCPT TO`).
    pub to: Vec<String>,
    /// The message as transmitted, dot-unstuffed, lines ending in CRLF.
    pub data: Vec<u8>,
    /// Whether the session was encrypted (STARTTLS or implicit TLS) when the message came.
    pub tls: bool,
}

impl Received {
    /// The message parsed as RFC 5322 + MIME, for checking headers and bodies.
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(&self.data)
            .expect("the server received a message that does not parse")
    }
}

/// How the server answers and what it demands; build with [`SmtpServer::builder`].
#[derive(Clone, Default)]
pub struct Builder {
    first_replies: Vec<u16>,
    every_reply: Option<u16>,
    auth: Option<(String, String)>,
    xoauth2: Option<(String, TokenCheck)>,
    one_message_per_connection: bool,
    tls: Option<(TlsMode, ServerIdentity)>,
    accept_delay: Duration,
}

/// Whether a bearer token is good.
pub type TokenCheck = Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// Google's error for a refused token, sent base64 in the 334 challenge.
pub const XOAUTH2_ERROR: &str =
    r#"{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}"#;

#[derive(Clone, Copy)]
enum TlsMode {
    StartTls,
    Implicit,
}

impl Builder {
    /// Answer `code` (e.g. 451) to the recipient of each of the first `n` messages, then accept.
    pub fn answer_first(mut self, n: usize, code: u16) -> Self {
        self.first_replies = vec![code; n];
        self
    }

    /// Answer `code` (e.g. 550) to the recipient of every message.
    pub fn answer_every(mut self, code: u16) -> Self {
        self.every_reply = Some(code);
        self
    }

    /// Offer AUTH PLAIN and LOGIN (only once the connection is encrypted, as real servers do) and refuse mail
    /// until the client has logged in with exactly these credentials.
    pub fn require_auth(mut self, username: &str, password: &str) -> Self {
        self.auth = Some((username.into(), password.into()));
        self
    }

    /// Offer AUTH XOAUTH2 (only once encrypted, if TLS is configured) and refuse mail until the client has sent
    /// exactly `AUTH XOAUTH2 base64("user=" user "\x01auth=Bearer " token "\x01\x01")` with a token `accepts`.
    /// A refused token gets the 334 challenge with [`XOAUTH2_ERROR`], and 535 after the client's empty line.
    pub fn require_xoauth2(
        mut self,
        user: &str,
        accepts: impl Fn(&str) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.xoauth2 = Some((user.into(), Arc::new(accepts)));
        self
    }

    /// Close the connection after each message, as some relays do: every message needs a new login.
    pub fn one_message_per_connection(mut self) -> Self {
        self.one_message_per_connection = true;
        self
    }

    /// Offer STARTTLS with this certificate.
    pub fn starttls(mut self, identity: ServerIdentity) -> Self {
        self.tls = Some((TlsMode::StartTls, identity));
        self
    }

    /// Speak TLS from the first byte (SMTPS, port 465 style) with this certificate.
    pub fn implicit_tls(mut self, identity: ServerIdentity) -> Self {
        self.tls = Some((TlsMode::Implicit, identity));
        self
    }

    /// Take this long to answer the end of each message's DATA, as a busy relay does. The message counts as
    /// received before the answer goes out (as on a real relay, where it is queued first).
    pub fn accept_delay(mut self, delay: Duration) -> Self {
        self.accept_delay = delay;
        self
    }

    pub async fn start(self) -> SmtpServer {
        self.start_on(0).await
    }

    /// On a chosen port (a relay that comes up where casewatch was already told to look).
    pub async fn start_on(self, port: u16) -> SmtpServer {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local address");
        let (count_tx, count_rx) = watch::channel(0);
        let tls = self.tls.map(|(mode, identity)| (mode, identity.acceptor()));
        let shared = Arc::new(Shared {
            first_replies: self.first_replies,
            every_reply: self.every_reply,
            auth: self.auth,
            xoauth2: self.xoauth2,
            one_message_per_connection: self.one_message_per_connection,
            auth_lines: Mutex::new(Vec::new()),
            tls,
            accept_delay: self.accept_delay,
            connections: AtomicUsize::new(0),
            transactions: AtomicUsize::new(0),
            received: Mutex::new(Vec::new()),
            count: count_tx,
        });
        let task = tokio::spawn(accept_loop(listener, Arc::clone(&shared)));
        SmtpServer {
            addr,
            shared,
            count: count_rx,
            task,
        }
    }
}

/// A running server; stops (and drops its connections) when dropped.
pub struct SmtpServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    count: watch::Receiver<usize>,
    task: JoinHandle<()>,
}

impl SmtpServer {
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// A server that accepts everything, without TLS or AUTH.
    pub async fn start() -> SmtpServer {
        Builder::default().start().await
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Every message accepted so far, in order of acceptance.
    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    /// Waits (at most 10 s) until at least `n` messages were accepted, and returns them all.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        let mut count = self.count.clone();
        tokio::time::timeout(Duration::from_secs(10), count.wait_for(|c| *c >= n))
            .await
            .unwrap_or_else(|_| panic!("the SMTP server did not receive {n} messages in 10 s"))
            .expect("server state dropped");
        self.received()
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Every `AUTH XOAUTH2` command line as received, CRLF included.
    pub fn xoauth2_lines(&self) -> Vec<Vec<u8>> {
        self.shared.auth_lines.lock().unwrap().clone()
    }

    /// Mail transactions begun (`MAIL FROM`), accepted or not.
    pub fn transactions(&self) -> usize {
        self.shared.transactions.load(Ordering::SeqCst)
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct Shared {
    first_replies: Vec<u16>,
    every_reply: Option<u16>,
    auth: Option<(String, String)>,
    xoauth2: Option<(String, TokenCheck)>,
    one_message_per_connection: bool,
    auth_lines: Mutex<Vec<Vec<u8>>>,
    tls: Option<(TlsMode, TlsAcceptor)>,
    accept_delay: Duration,
    connections: AtomicUsize,
    transactions: AtomicUsize,
    received: Mutex<Vec<Received>>,
    count: watch::Sender<usize>,
}

impl Shared {
    /// The scripted answer to the recipient of the transaction numbered `n` (from 0); `None` accepts.
    fn scripted_reply(&self, n: usize) -> Option<u16> {
        self.every_reply
            .or_else(|| self.first_replies.get(n).copied())
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    // Dropping the set (when the server is dropped and this task aborted) aborts every connection.
    let mut connections = JoinSet::new();
    loop {
        let Ok((stream, peer)) = listener.accept().await else {
            continue;
        };
        shared.connections.fetch_add(1, Ordering::SeqCst);
        let shared = Arc::clone(&shared);
        connections.spawn(async move {
            // A client that hangs up or fails the TLS handshake ends its session; that is not a server failure.
            let _ = serve_connection(stream, peer.ip(), shared).await;
        });
        while connections.try_join_next().is_some() {}
    }
}

async fn serve_connection(stream: TcpStream, peer: IpAddr, shared: Arc<Shared>) -> io::Result<()> {
    let mut builder = SessionBuilder::new("smtp.test");
    if let Some((TlsMode::StartTls, _)) = &shared.tls {
        builder.enable_start_tls();
    }
    if shared.auth.is_some() {
        builder.enable_auth(AuthMechanism::Plain);
        builder.enable_auth(AuthMechanism::Login);
    }
    let encrypted = Arc::new(AtomicBool::new(false));
    let recorder = Recorder::new(Arc::clone(&shared), Arc::clone(&encrypted));
    let mut session = builder.build(peer, recorder);
    let mut xoauth2 = Xoauth2Session {
        shared: Arc::clone(&shared),
        encrypted: Arc::clone(&encrypted),
        authenticated: false,
        awaiting_empty_line: false,
        in_data: false,
    };
    match &shared.tls {
        Some((TlsMode::Implicit, acceptor)) => {
            let tls = acceptor.accept(stream).await?;
            encrypted.store(true, Ordering::SeqCst);
            session.tls_active();
            let mut tls = BufReader::new(tls);
            respond(&mut tls, &session.greeting()).await?;
            converse(&mut session, &mut tls, &mut xoauth2).await?;
        }
        tls => {
            let mut plain = BufReader::new(stream);
            respond(&mut plain, &session.greeting()).await?;
            if let Ending::UpgradeTls = converse(&mut session, &mut plain, &mut xoauth2).await? {
                let Some((_, acceptor)) = tls else {
                    return Ok(());
                };
                let mut tls = BufReader::new(acceptor.accept(plain.into_inner()).await?);
                encrypted.store(true, Ordering::SeqCst);
                session.tls_active();
                converse(&mut session, &mut tls, &mut xoauth2).await?;
            }
        }
    }
    Ok(())
}

enum Ending {
    Closed,
    UpgradeTls,
}

async fn converse<S, H>(
    session: &mut Session<H>,
    stream: &mut BufReader<S>,
    xoauth2: &mut Xoauth2Session,
) -> io::Result<Ending>
where
    S: AsyncRead + AsyncWrite + Unpin,
    H: Handler,
{
    let accept_delay = xoauth2.shared.accept_delay;
    let mut line = Vec::with_capacity(128);
    loop {
        line.clear();
        if stream.read_until(b'\n', &mut line).await? == 0 {
            return Ok(Ending::Closed);
        }
        if let Some(reply) = xoauth2.intercept(&line) {
            stream.write_all(reply.as_bytes()).await?;
            stream.flush().await?;
            continue;
        }
        let response = session.process(&line);
        let message_ended = xoauth2.in_data && line == b".\r\n";
        if message_ended && !accept_delay.is_zero() {
            tokio::time::sleep(accept_delay).await;
        }
        match response.action {
            Action::NoReply => {}
            Action::Reply => {
                let mut bytes = response.buffer()?;
                xoauth2.after(&line, &mut bytes);
                stream.write_all(&bytes).await?;
                stream.flush().await?;
                if message_ended && xoauth2.shared.one_message_per_connection {
                    return Ok(Ending::Closed);
                }
            }
            Action::Close => {
                respond(stream, &response).await?;
                return Ok(Ending::Closed);
            }
            Action::UpgradeTls => {
                respond(stream, &response).await?;
                return Ok(Ending::UpgradeTls);
            }
        }
    }
}

async fn respond<S: AsyncWrite + Unpin>(stream: &mut S, response: &Response) -> io::Result<()> {
    stream.write_all(&response.buffer()?).await?;
    stream.flush().await
}

/// The XOAUTH2 side of one connection, which mailin does not speak: its commands are answered here.
struct Xoauth2Session {
    shared: Arc<Shared>,
    encrypted: Arc<AtomicBool>,
    authenticated: bool,
    awaiting_empty_line: bool,
    in_data: bool,
}

impl Xoauth2Session {
    /// The answer to `line` when it is XOAUTH2's business (or mail before the login), else `None`.
    fn intercept(&mut self, line: &[u8]) -> Option<String> {
        let (user, accepts) = self.shared.xoauth2.as_ref()?;
        if self.awaiting_empty_line {
            self.awaiting_empty_line = false;
            return Some("535 5.7.8 Username and Password not accepted\r\n".to_owned());
        }
        if self.in_data {
            return None;
        }
        let text = String::from_utf8_lossy(line).to_ascii_uppercase();
        if text.starts_with("AUTH XOAUTH2 ") {
            self.shared.auth_lines.lock().unwrap().push(line.to_vec());
            let good = line
                .strip_prefix(b"AUTH XOAUTH2 ")
                .and_then(|rest| rest.strip_suffix(b"\r\n"))
                .and_then(|encoded| STANDARD.decode(encoded).ok())
                .and_then(|decoded| String::from_utf8(decoded).ok())
                .and_then(|decoded| {
                    decoded
                        .strip_prefix(&format!("user={user}\x01auth=Bearer "))
                        .and_then(|rest| rest.strip_suffix("\x01\x01"))
                        .map(|token| accepts(token))
                })
                .unwrap_or(false);
            return Some(if good {
                self.authenticated = true;
                "235 2.7.0 Accepted\r\n".to_owned()
            } else {
                self.awaiting_empty_line = true;
                format!("334 {}\r\n", STANDARD.encode(XOAUTH2_ERROR))
            });
        }
        if text.starts_with("AUTH ") {
            return Some("504 5.7.4 Unrecognized authentication type\r\n".to_owned());
        }
        if text.starts_with("MAIL FROM") && !self.authenticated {
            return Some("530 5.7.0 Authentication required\r\n".to_owned());
        }
        None
    }

    /// Follows DATA, and adds `AUTH XOAUTH2` to the EHLO reply (once encrypted, when TLS is offered).
    fn after(&mut self, line: &[u8], reply: &mut Vec<u8>) {
        if reply.starts_with(b"354") {
            self.in_data = true;
        } else if self.in_data && line == b".\r\n" {
            self.in_data = false;
        }
        let offer = self.shared.xoauth2.is_some()
            && (self.shared.tls.is_none() || self.encrypted.load(Ordering::SeqCst));
        if offer && line.to_ascii_uppercase().starts_with(b"EHLO") {
            let end = reply.windows(2).position(|w| w == b"\r\n").unwrap() + 2;
            if reply[3] == b' ' {
                reply[3] = b'-';
                reply.extend_from_slice(b"250 AUTH XOAUTH2\r\n");
            } else {
                reply.splice(end..end, b"250-AUTH XOAUTH2\r\n".iter().copied());
            }
        }
    }
}

/// One per connection, as mailin expects.
struct Recorder {
    shared: Arc<Shared>,
    encrypted: Arc<AtomicBool>,
    reply: Option<u16>,
    envelope: Option<(String, Vec<String>)>,
    data: Vec<u8>,
}

impl Recorder {
    fn new(shared: Arc<Shared>, encrypted: Arc<AtomicBool>) -> Self {
        Recorder {
            shared,
            encrypted,
            reply: None,
            envelope: None,
            data: Vec::new(),
        }
    }
}

impl Handler for Recorder {
    fn mail(&mut self, _ip: IpAddr, _domain: &str, _from: &str) -> Response {
        let n = self.shared.transactions.fetch_add(1, Ordering::SeqCst);
        self.reply = self.shared.scripted_reply(n);
        mailin::response::OK
    }

    // Scripted rejections are answered to RCPT, where real servers greylist (451) or refuse a mailbox (550).
    fn rcpt(&mut self, _to: &str) -> Response {
        match self.reply {
            Some(code) => Response::custom(code, format!("scripted reply {code}")),
            None => mailin::response::OK,
        }
    }

    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.envelope = Some((from.to_owned(), to.to_vec()));
        self.data.clear();
        mailin::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let (from, to) = self.envelope.take().unwrap_or_default();
        let data = std::mem::take(&mut self.data);
        let mut received = self.shared.received.lock().unwrap();
        let tls = self.encrypted.load(Ordering::SeqCst);
        received.push(Received {
            from,
            to,
            data,
            tls,
        });
        self.shared.count.send_replace(received.len());
        mailin::response::OK
    }

    fn auth_plain(&mut self, _authorization: &str, username: &str, password: &str) -> Response {
        self.auth_login(username, password)
    }

    fn auth_login(&mut self, username: &str, password: &str) -> Response {
        match &self.shared.auth {
            Some((u, p)) if u == username && p == password => mailin::response::AUTH_OK,
            _ => mailin::response::INVALID_CREDENTIALS,
        }
    }
}

/// A private certificate authority made at test time, like a council's internal CA for its mail relay.
pub struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl TestCa {
    pub fn new() -> Self {
        let mut params = CertificateParams::new(Vec::new()).expect("CA parameters");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "casewatch test CA");
        let key = KeyPair::generate().expect("CA key");
        TestCa {
            issuer: CertifiedIssuer::self_signed(params, key).expect("CA certificate"),
        }
    }

    /// The CA certificate in PEM, as a client's extra trust anchor.
    pub fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// Writes the CA certificate to `dir/ca.pem` and returns the path.
    pub fn write_pem(&self, dir: &Path) -> PathBuf {
        let path = dir.join("ca.pem");
        std::fs::write(&path, self.pem()).expect("write CA certificate");
        path
    }

    /// A server certificate for `name` (a DNS name or an IP address), signed by this CA.
    pub fn server_identity(&self, name: &str) -> ServerIdentity {
        let key = KeyPair::generate().expect("server key");
        let params = CertificateParams::new(vec![name.to_owned()]).expect("server parameters");
        let cert = params
            .signed_by(&key, &self.issuer)
            .expect("server certificate");
        ServerIdentity {
            chain: vec![cert.der().clone()],
            key: key.serialize_der(),
        }
    }
}

impl Default for TestCa {
    fn default() -> Self {
        Self::new()
    }
}

/// A server's certificate chain and private key.
#[derive(Clone)]
pub struct ServerIdentity {
    chain: Vec<CertificateDer<'static>>,
    key: Vec<u8>,
}

impl ServerIdentity {
    pub fn acceptor(&self) -> TlsAcceptor {
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key.clone()));
        let config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(self.chain.clone(), key)
            .expect("server certificate and key");
        TlsAcceptor::from(Arc::new(config))
    }
}
