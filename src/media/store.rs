//! Where media files live: a local directory (the default, `data/media`) or an S3-compatible
//! bucket (`NEWSROOM_MEDIA_STORE=s3://bucket/prefix` with the usual `AWS_*` variables), both
//! through `object_store`, whose writes are whole or absent (a local file is written aside and
//! renamed; an S3 object appears when its upload completes), so a failure or a kill never
//! leaves half a file under a served name.

use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;
use object_store::path::Path;
use object_store::{ObjectStore, PutPayload};

/// Removes what a killed process left half-written in a local store: `object_store` writes a
/// file aside as `<name>#<n>` and renames it when whole, so every `#` file is a write that
/// never finished (served names never hold one).
fn sweep_staged(dir: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            sweep_staged(&path);
        } else if entry.file_name().to_string_lossy().contains('#') {
            match std::fs::remove_file(&path) {
                Ok(()) => {
                    tracing::warn!(file = %path.display(), "removed a half-written media file")
                }
                Err(error) => {
                    tracing::warn!(file = %path.display(), %error, "cannot remove a half-written media file")
                }
            }
        }
    }
}

#[derive(Clone)]
pub struct MediaStore {
    inner: Arc<dyn ObjectStore>,
    /// `local:<dir>` or the S3 URL, for logs.
    pub describe: String,
}

/// A store that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("media store: {0}")]
pub struct StoreError(String);

impl From<object_store::Error> for StoreError {
    fn from(e: object_store::Error) -> Self {
        StoreError(e.to_string())
    }
}

/// A file read back: the bytes asked for and the file's whole size.
pub struct Fetched {
    pub bytes: Bytes,
    pub size: u64,
}

impl MediaStore {
    /// Opens `spec`: `s3://bucket/prefix` (credentials, region and endpoint from `AWS_*`), or
    /// a directory, created when missing.
    pub fn open(spec: &str) -> Result<MediaStore, StoreError> {
        if let Some(rest) = spec.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            let s3 = object_store::aws::AmazonS3Builder::from_env()
                .with_bucket_name(bucket)
                .build()?;
            let inner: Arc<dyn ObjectStore> = match prefix.trim_matches('/') {
                "" => Arc::new(s3),
                prefix => Arc::new(object_store::prefix::PrefixStore::new(s3, prefix)),
            };
            return Ok(MediaStore {
                inner,
                describe: spec.to_owned(),
            });
        }
        std::fs::create_dir_all(spec)
            .map_err(|e| StoreError(format!("cannot create {spec}: {e}")))?;
        sweep_staged(std::path::Path::new(spec));
        let local = object_store::local::LocalFileSystem::new_with_prefix(spec)?;
        Ok(MediaStore {
            inner: Arc::new(local),
            describe: format!("local:{spec}"),
        })
    }

    /// The URL a client fetches `file` from.
    pub fn url(&self, file: &str) -> String {
        super::url(file)
    }

    pub async fn put(&self, file: &str, bytes: Vec<u8>) -> Result<(), StoreError> {
        self.inner
            .put(&Path::from(file), PutPayload::from(bytes))
            .await?;
        Ok(())
    }

    /// The file, or the part of it in `range` (clamped to its end); `None` when there is none.
    pub async fn get(
        &self,
        file: &str,
        range: Option<Range<u64>>,
    ) -> Result<Option<Fetched>, StoreError> {
        let path = Path::from(file);
        let size = match self.inner.head(&path).await {
            Ok(meta) => meta.size,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let bytes = match range {
            Some(range) => {
                let end = range.end.min(size);
                if range.start >= end {
                    Bytes::new()
                } else {
                    self.inner.get_range(&path, range.start..end).await?
                }
            }
            None => match self.inner.get(&path).await {
                Ok(found) => found.bytes().await?,
                Err(object_store::Error::NotFound { .. }) => return Ok(None),
                Err(e) => return Err(e.into()),
            },
        };
        Ok(Some(Fetched { bytes, size }))
    }

    /// Removes the file; a missing file is already removed.
    pub async fn delete(&self, file: &str) -> Result<(), StoreError> {
        match self.inner.delete(&Path::from(file)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_local_store_opens_without_what_a_kill_left_half_written() {
        let dir = std::env::temp_dir().join(format!("newsroom-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(dir.join("0123abcd.jpg"), b"whole").expect("file");
        std::fs::write(dir.join("0123abcd-320.webp#3"), b"half").expect("staged");
        let store = MediaStore::open(&dir.display().to_string()).expect("opens");
        assert!(store.describe.starts_with("local:"));
        assert!(dir.join("0123abcd.jpg").exists());
        assert!(!dir.join("0123abcd-320.webp#3").exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
