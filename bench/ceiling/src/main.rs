//! The ceiling of the read benchmarks: answers each captured request path with the status,
//! headers and body bytes newsroom sent for it, straight from memory, with no middleware.
//! Usage: ceiling <manifest.json> <bind address>
//! The manifest is `[{"path": "/api/v1/articles", "status": 200, "headers": [["etag", "..."]],
//! "body": "<base64>"}]`, written by `bench/read.sh` from newsroom's own answers.

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(serde::Deserialize)]
struct Captured {
    path: String,
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

struct Answer {
    status: StatusCode,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: web::Bytes,
}

type Answers = Arc<HashMap<String, Answer>>;

async fn answer(req: HttpRequest, answers: web::Data<Answers>) -> HttpResponse {
    let key = match req.query_string() {
        "" => req.path().to_owned(),
        q => format!("{}?{q}", req.path()),
    };
    match answers.get(&key) {
        Some(found) => {
            let mut res = HttpResponse::build(found.status);
            for (name, value) in &found.headers {
                res.append_header((name.clone(), value.clone()));
            }
            res.body(found.body.clone())
        }
        None => HttpResponse::NotFound().finish(),
    }
}

fn load(path: &str) -> Result<Answers, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let captured: Vec<Captured> =
        serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
    let mut answers = HashMap::new();
    for c in captured {
        let mut headers = Vec::new();
        for (name, value) in c.headers {
            // Framing headers are the server's own business.
            if ["content-length", "transfer-encoding", "date", "connection"]
                .contains(&name.as_str())
            {
                continue;
            }
            let name = HeaderName::try_from(name.as_str()).map_err(|e| format!("{name}: {e}"))?;
            let value =
                HeaderValue::try_from(value.as_str()).map_err(|e| format!("{value}: {e}"))?;
            headers.push((name, value));
        }
        let body = STANDARD
            .decode(&c.body)
            .map_err(|e| format!("{}: {e}", c.path))?;
        let status = StatusCode::from_u16(c.status).map_err(|e| e.to_string())?;
        answers.insert(
            c.path,
            Answer {
                status,
                headers,
                body: web::Bytes::from(body),
            },
        );
    }
    Ok(Arc::new(answers))
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(manifest), Some(bind)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: ceiling <manifest.json> <bind address>");
        std::process::exit(2);
    };
    let answers = load(manifest).map_err(std::io::Error::other)?;
    let workers: usize = std::env::var("WORKERS")
        .ok()
        .and_then(|w| w.parse().ok())
        .unwrap_or(1);
    actix_web::rt::System::new().block_on(async move {
        HttpServer::new(move || {
            App::new()
                .app_data(web::Data::new(answers.clone()))
                .default_service(web::to(answer))
        })
        .workers(workers)
        .bind(bind.as_str())?
        .run()
        .await
    })
}
