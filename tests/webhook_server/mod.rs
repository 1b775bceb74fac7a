//! A real HTTP server on 127.0.0.1 for webhook tests: records every request (headers and raw body) and answers
//! from a script, then `200 ok` once the script runs out.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use casewatch::channels::webhook::{WebhookKind, WebhookSettings};
use casewatch::channels::{Item, Message, MessageKind};
use casewatch::config::secret::SecretSource;
use tokio::net::TcpListener;

#[derive(Clone, Debug)]
pub struct Recorded {
    /// The client's address: the same for requests over one reused connection.
    pub peer: SocketAddr,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Recorded {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .unwrap_or_else(|| panic!("no {name} header"))
            .to_str()
            .expect("ASCII header")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

/// One scripted answer.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
    pub delay: Duration,
}

impl Reply {
    pub fn status(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: String::new(),
            delay: Duration::ZERO,
        }
    }

    pub fn header(mut self, name: &'static str, value: &str) -> Reply {
        self.headers.push((name, value.to_owned()));
        self
    }

    pub fn body(mut self, body: &str) -> Reply {
        self.body = body.to_owned();
        self
    }

    pub fn after(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }
}

#[derive(Default)]
struct Log {
    requests: Mutex<Vec<Recorded>>,
    script: Mutex<VecDeque<Reply>>,
}

pub struct Server {
    pub url: String,
    log: Arc<Log>,
}

impl Server {
    /// Starts a server answering `replies` in turn.
    pub async fn start(replies: impl IntoIterator<Item = Reply>) -> Server {
        let log = Arc::new(Log::default());
        log.script.lock().unwrap().extend(replies);
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().expect("address"));
        let app = Router::new().fallback(answer).with_state(log.clone());
        let app = app.into_make_service_with_connect_info::<SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Server { url, log }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.log.requests.lock().unwrap().clone()
    }

    pub fn only_request(&self) -> Recorded {
        let requests = self.requests();
        assert_eq!(requests.len(), 1, "expected exactly one request");
        requests.into_iter().next().unwrap()
    }
}

async fn answer(
    State(log): State<Arc<Log>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let recorded = Recorded {
        peer,
        headers,
        body,
    };
    log.requests.lock().unwrap().push(recorded);
    let reply = log.script.lock().unwrap().pop_front();
    let reply = reply.unwrap_or_else(|| Reply::status(200).body("ok"));
    tokio::time::sleep(reply.delay).await;
    let mut response = (StatusCode::from_u16(reply.status).unwrap(), reply.body).into_response();
    for (name, value) in reply.headers {
        response
            .headers_mut()
            .insert(name, value.parse().expect("header value"));
    }
    response
}

/// The signing key of the generic webhooks built by [`settings`].
pub const SIGNING_KEY: &str = "whsec-test-7b1f0c";

/// A webhook of `kind` posting to `url` (plain http to loopback allowed, no practical rate limit). A generic one
/// has its URL in the file and its signing key in `dir`; Teams and Slack read their URL from a file in `dir`.
pub fn settings(kind: WebhookKind, url: &str, dir: &std::path::Path) -> WebhookSettings {
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, format!("{text}\n")).expect("write secret file");
        SecretSource::File(path)
    };
    let generic = kind == WebhookKind::Generic;
    WebhookSettings {
        name: "test-hook".into(),
        kind,
        url: generic.then(|| url.to_owned()),
        url_secret: (!generic).then(|| write("url", url)),
        secret: generic.then(|| write("key", SIGNING_KEY)),
        timeout_seconds: 10.try_into().unwrap(),
        max_per_second: Some(1000.try_into().unwrap()),
        allow_plain_http_loopback: true,
    }
}

pub fn item(severity: &str, title: &str, child: &str, due_at: &str) -> Item {
    Item {
        rule: "cf-assessment-due".into(),
        title: title.into(),
        stage: "overdue".into(),
        severity: severity.into(),
        case_id: "C-1001".into(),
        subject_id: "C-1001".into(),
        child: child.into(),
        due_at: due_at.parse().expect("instant"),
        from: "2026-03-02T00:00:00Z".parse().expect("instant"),
        role: "team_manager".into(),
        stage_label: String::new(),
        facts: Vec::new(),
        history: Vec::new(),
        action: None,
        link: None,
        meant_for: Vec::new(),
    }
}

pub fn message(key: &str, items: Vec<Item>) -> Message {
    Message {
        key: key.into(),
        message_id: format!("<{key}@casewatch>"),
        kind: MessageKind::Digest,
        to: "cin-team".into(),
        to_name: Some("Priya Shah".into()),
        subject: "casewatch: 2 deadlines need attention".into(),
        text: "plain text body".into(),
        html: "<p>html body</p>".into(),
        listed: items.len(),
        items,
        summary: None,
    }
}
