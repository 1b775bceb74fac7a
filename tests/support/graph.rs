//! A real Microsoft Graph double on 127.0.0.1: `POST /v1.0/users/{sender}/sendMail` and `GET
//! /v1.0/users/{sender}`, checked as Microsoft documents them (a bearer token the test's token endpoint issued,
//! a JSON body), answering from a script (202 once it runs out) and recording each accepted request.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::net::TcpListener;

/// One scripted answer.
#[derive(Clone, Debug)]
pub struct Answer {
    pub status: u16,
    pub retry_after: Option<&'static str>,
    pub body: &'static str,
    /// How long Graph takes to answer.
    pub delay: Duration,
}

impl Answer {
    pub fn status(status: u16) -> Answer {
        Answer {
            status,
            retry_after: None,
            body: "",
            delay: Duration::ZERO,
        }
    }

    pub fn after(mut self, delay: Duration) -> Answer {
        self.delay = delay;
        self
    }

    pub fn retry_after(mut self, value: &'static str) -> Answer {
        self.retry_after = Some(value);
        self
    }

    pub fn body(mut self, body: &'static str) -> Answer {
        self.body = body;
        self
    }
}

/// A `sendMail` request that came with a good token.
#[derive(Clone, Debug)]
pub struct SendMail {
    /// The `{sender}` of the path.
    pub sender: String,
    pub headers: HeaderMap,
    pub json: serde_json::Value,
}

type TokenCheck = Box<dyn Fn(&str) -> bool + Send + Sync>;

struct Shared {
    accepts: TokenCheck,
    sends: Mutex<VecDeque<Answer>>,
    reads: Mutex<VecDeque<Answer>>,
    sent: Mutex<Vec<SendMail>>,
    attempts: Mutex<usize>,
}

pub struct GraphServer {
    port: u16,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl GraphServer {
    /// Accepts a bearer token when `accepts` says so (e.g. [`super::token_endpoint::TokenEndpoint::is_current`]).
    pub async fn start(accepts: impl Fn(&str) -> bool + Send + Sync + 'static) -> GraphServer {
        Self::start_on(0, accepts).await
    }

    pub async fn start_on(
        port: u16,
        accepts: impl Fn(&str) -> bool + Send + Sync + 'static,
    ) -> GraphServer {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared {
            accepts: Box::new(accepts),
            sends: Mutex::new(VecDeque::new()),
            reads: Mutex::new(VecDeque::new()),
            sent: Mutex::new(Vec::new()),
            attempts: Mutex::new(0),
        });
        let app = Router::new()
            .route("/v1.0/users/{sender}/sendMail", post(send_mail))
            .route("/v1.0/users/{sender}", get(read_user))
            .with_state(Arc::clone(&shared));
        let task = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        GraphServer { port, shared, task }
    }

    /// `graph_url` for the settings.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/v1.0", self.port)
    }

    /// Answers the next `sendMail` requests that pass the checks so, in turn.
    pub fn script_sends(&self, answers: impl IntoIterator<Item = Answer>) {
        self.shared.sends.lock().unwrap().extend(answers);
    }

    /// Answers the next reads of a user so, in turn (200 with the user once they run out).
    pub fn script_reads(&self, answers: impl IntoIterator<Item = Answer>) {
        self.shared.reads.lock().unwrap().extend(answers);
    }

    /// The `sendMail` requests answered 202, in order.
    pub fn sent(&self) -> Vec<SendMail> {
        self.shared.sent.lock().unwrap().clone()
    }

    /// Every `sendMail` request, however answered.
    pub fn attempts(&self) -> usize {
        *self.shared.attempts.lock().unwrap()
    }
}

impl Drop for GraphServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn graph_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = serde_json::json!({ "error": { "code": code, "message": message } });
    (
        status,
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// Graph's answer to a missing, expired or unknown token.
fn token_refused() -> Response {
    graph_error(
        StatusCode::UNAUTHORIZED,
        "InvalidAuthenticationToken",
        "Access token has expired or is not yet valid.",
    )
}

fn scripted(answer: Answer) -> Response {
    let mut response = (StatusCode::from_u16(answer.status).unwrap(), answer.body).into_response();
    if let Some(value) = answer.retry_after {
        response
            .headers_mut()
            .insert("retry-after", value.parse().unwrap());
    }
    if !answer.body.is_empty() {
        response
            .headers_mut()
            .insert("content-type", "application/json".parse().unwrap());
    }
    response
}

/// `Authorization: Bearer {token}` with a token the endpoint accepts.
fn authorised(shared: &Shared, headers: &HeaderMap) -> bool {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|token| (shared.accepts)(token))
}

async fn send_mail(
    State(shared): State<Arc<Shared>>,
    Path(sender): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    *shared.attempts.lock().unwrap() += 1;
    if !authorised(&shared, &headers) {
        return token_refused();
    }
    if headers.get("content-type").and_then(|v| v.to_str().ok()) != Some("application/json") {
        return graph_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "RequestBodyRead",
            "Content-Type must be application/json.",
        );
    }
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return graph_error(
            StatusCode::BAD_REQUEST,
            "RequestBodyRead",
            "The body is not JSON.",
        );
    };
    let answer = shared
        .sends
        .lock()
        .unwrap()
        .pop_front()
        .unwrap_or(Answer::status(202));
    tokio::time::sleep(answer.delay).await;
    if answer.status == 202 {
        shared.sent.lock().unwrap().push(SendMail {
            sender,
            headers,
            json,
        });
    }
    scripted(answer)
}

async fn read_user(
    State(shared): State<Arc<Shared>>,
    Path(sender): Path<String>,
    headers: HeaderMap,
) -> Response {
    if !authorised(&shared, &headers) {
        return token_refused();
    }
    match shared.reads.lock().unwrap().pop_front() {
        Some(answer) => scripted(answer),
        None => {
            let body = serde_json::json!({ "id": "7f3a0c1e", "mail": sender });
            ([("content-type", "application/json")], body.to_string()).into_response()
        }
    }
}
