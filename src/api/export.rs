//! `GET /api/v1/export` (admin): the same NDJSON as `newsroom export`, streamed while it is
//! read from one consistent snapshot (decision 0016).

use actix_web::web::Bytes;
use actix_web::{get, HttpResponse};

use super::auth::Caller;
use super::query::{NoParams, QueryParams};
use super::State;
use crate::domain::token::Scope;
use crate::error::{ApiError, Problem};

/// What the export writes into: chunks of about 64 KiB sent to the response as they fill. A
/// caller that went away makes the next send fail, which stops the export.
struct ChunkWriter {
    sender: tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
    buffer: Vec<u8>,
}

const CHUNK: usize = 64 * 1024;

impl std::io::Write for ChunkWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= CHUNK {
            self.flush()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::take(&mut self.buffer));
        self.sender
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the caller left"))
    }
}

/// Export everything (admin) as NDJSON.
///
/// The first line is `{"format":"newsroom-export","version":1}`; each next one is a stored row,
/// `{"table": ..., "row": {...}}`, parents before children, each table in key order: content,
/// relations, aliases, positions, revisions, slug history, mentions, media metadata (not the
/// files), visit totals and the change log. Never tokens, webhooks or other secrets. Times are
/// UTC with microseconds. `newsroom import` loads it into an empty database of either backend.
#[utoipa::path(
    tag = "service",
    security(("bearer" = ["admin"])),
    params(NoParams),
    responses(
        (status = 200, description = "The export, streamed", content_type = "application/x-ndjson", body = String,
            example = "{\"format\":\"newsroom-export\",\"version\":1}\n{\"table\":\"organizations\",\"row\":{\"id\":1,\"slug\":\"asean\",\"name\":\"ASEAN\"}}\n"),
        (status = 400, description = "A query parameter was given (there are none)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or a bad one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token is not admin", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/export")]
pub async fn export_all(
    state: State,
    caller: Caller,
    _params: QueryParams<NoParams>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::Admin)?;
    let pool = state.editorial_pool.clone();
    // The connection first: a database that is down is a 503, not a stream that breaks.
    let mut conn = actix_web::web::block(move || pool.get())
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|_| ApiError::Unavailable)?;
    let (sender, mut receiver) = tokio::sync::mpsc::channel(4);
    std::thread::spawn(move || {
        let mut writer = ChunkWriter {
            sender: sender.clone(),
            buffer: Vec::with_capacity(CHUNK),
        };
        let written = crate::db::export::export(&mut conn, &mut writer);
        let flushed = std::io::Write::flush(&mut writer);
        if let Err(error) = written.map(|_| ()).and(flushed.map_err(Into::into)) {
            tracing::warn!(%error, "the export stopped");
            let _ = sender.blocking_send(Err(std::io::Error::other(error.to_string())));
        }
    });
    let stream = futures_util::stream::poll_fn(move |cx| receiver.poll_recv(cx));
    Ok(HttpResponse::Ok()
        .content_type("application/x-ndjson")
        .insert_header(("Cache-Control", "private, no-store"))
        .streaming(stream))
}
