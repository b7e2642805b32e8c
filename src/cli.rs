//! The subcommands: serve (default), migrate, seed, openapi.

use actix_web::HttpServer;
use std::sync::Arc;
use std::time::Duration;

use crate::api::caching::{CacheSettings, ResponseCache};
use crate::api::AppState;
use crate::config::{Command, SeedDemo, Settings, TokenCommand};
use crate::db::{self, seed, Backend};
use crate::domain::time::{Clock, PortalTz};
use crate::startup::{app, AppSettings, StateSettings};
use crate::visits::{flush_now, spawn_flusher, VisitSettings};

type CliResult = Result<(), Box<dyn std::error::Error>>;

pub fn run(command: Option<Command>, settings: Settings) -> CliResult {
    match command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings),
        Command::Migrate => {
            let applied = db::migrate_once(&settings.database_url)?;
            println!("{applied} migration(s) applied");
            Ok(())
        }
        Command::Relink => {
            let pool = db::build_pool(&settings.database_url, 1)?;
            let mut conn = pool.get()?;
            let started = std::time::Instant::now();
            let (scanned, changed) = db::mentions::relink_all(&mut conn, Clock::System.now())?;
            println!(
                "scanned {scanned} articles for mentions, {changed} changed, in {:.1} s",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Export { output } => {
            let pool = db::build_pool(&settings.database_url, 1)?;
            let mut conn = pool.get()?;
            let lines = match output {
                Some(path) => {
                    // Written beside and renamed: a failed export leaves no partial file.
                    let partial = path.with_extension("partial");
                    let mut file = std::io::BufWriter::new(std::fs::File::create(&partial)?);
                    let lines = db::export::export(&mut conn, &mut file)?;
                    std::io::Write::flush(&mut file)?;
                    file.get_ref().sync_all()?;
                    std::fs::rename(&partial, &path)?;
                    lines
                }
                None => {
                    let stdout = std::io::stdout();
                    let mut out = std::io::BufWriter::new(stdout.lock());
                    let lines = db::export::export(&mut conn, &mut out)?;
                    std::io::Write::flush(&mut out)?;
                    lines
                }
            };
            eprintln!("exported {lines} lines");
            Ok(())
        }
        Command::Import { file } => {
            let _alone = in_use_refusal(&settings.database_url, "import into")?;
            let pool = db::build_pool(&settings.database_url, 1)?;
            let mut conn = pool.get()?;
            let mut input = std::io::BufReader::new(std::fs::File::open(&file)?);
            let rows = db::export::import(&mut conn, &mut input)?;
            let indexed = db::search::reindex_all_now(&mut conn, Clock::System.now())?;
            println!("imported {rows} rows; indexed {indexed} items for search");
            Ok(())
        }
        Command::Reindex => {
            let pool = db::build_pool(&settings.database_url, 1)?;
            let mut conn = pool.get()?;
            let started = std::time::Instant::now();
            let indexed = db::search::reindex_all_now(&mut conn, Clock::System.now())?;
            // Stored representations are rendered again: on first read, and ahead of reads by
            // the server's fill.
            db::renditions::clear(&mut conn)?;
            println!(
                "indexed {indexed} items for search in {:.1} s; stored representations cleared",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Seed { file } => {
            let json = match file {
                Some(path) => std::fs::read_to_string(path)?,
                None => seed::DEMO.to_owned(),
            };
            let pool = db::build_pool(&settings.database_url, 1)?;
            let mut conn = pool.get()?;
            match seed::load(&mut conn, &json, Clock::System.now())? {
                seed::SeedOutcome::Loaded { articles, events, people, organizations } => println!(
                    "seeded {articles} articles, {events} events, {people} people, {organizations} organizations"
                ),
                seed::SeedOutcome::AlreadySeeded => {
                    println!("the database already has content; nothing loaded")
                }
            }
            Ok(())
        }
        Command::Token(command) => token(command, &settings),
        Command::Backup { output } => {
            let copied = db::backup::backup(&settings.database_url, &output)?;
            println!(
                "backed up {} articles ({} bytes) to {}",
                copied.articles,
                copied.bytes,
                output.display()
            );
            Ok(())
        }
        Command::Restore { input } => {
            let _alone = in_use_refusal(&settings.database_url, "restore")?;
            let copied = db::backup::restore(&input, &settings.database_url)?;
            println!(
                "restored {} articles ({} bytes) from {}",
                copied.articles,
                copied.bytes,
                input.display()
            );
            Ok(())
        }
        Command::Openapi { output } => {
            let json = crate::openapi::spec_json();
            match output {
                Some(path) => std::fs::write(path, json)?,
                None => print!("{json}"),
            }
            Ok(())
        }
    }
}

/// The database to this command alone, or the refusal to give while a server has it open.
fn in_use_refusal(url: &str, what: &str) -> Result<db::locks::Held, Box<dyn std::error::Error>> {
    db::locks::take_over(url)?.ok_or_else(|| {
        format!(
            "a newsroom server has this database open: stop it before you {what} it (a running server would go on acknowledging writes that the {what} then discards)"
        )
        .into()
    })
}

fn serve(settings: Settings) -> CliResult {
    let tz = PortalTz::parse(&settings.time_zone)?;
    let languages =
        crate::domain::languages::Languages::new(&settings.default_language, &settings.languages)?;
    let seed_demo = match settings.seed_demo {
        SeedDemo::Always => true,
        SeedDemo::Never => false,
        SeedDemo::Auto => Backend::of(&settings.database_url) == Backend::Sqlite,
    };
    // Held until the process ends: `restore` and `import` refuse while it is (decision 0019).
    let _occupied = db::locks::occupy(&settings.database_url)?;
    let change_poll = Duration::from_millis(settings.change_poll_ms.clamp(10, 60_000));
    if settings.read_database_url.is_some()
        && Backend::of(&settings.database_url) != Backend::Postgres
    {
        return Err("NEWSROOM_READ_DATABASE_URL needs a PostgreSQL primary in DATABASE_URL: a replica streams from one".into());
    }
    let state = AppState::build(
        StateSettings {
            database_url: settings.database_url.clone(),
            pool_size: settings.pool_size,
            editorial_pool_size: settings.editorial_pool_size,
            search_fill_inline: settings.search_fill_inline,
            tz,
            languages,
            visits: VisitSettings {
                window: chrono::Duration::minutes(settings.visit_window.max(1)),
                budget_per_minute: settings.visit_budget,
                trusted_proxies: settings.trusted_proxies.clone(),
                baseline: settings.visit_baseline,
            },
            cache: CacheSettings {
                max_bytes: settings.cache_bytes,
                ttl: settings.cache_ttl,
                max_age: settings.max_age,
                s_maxage: settings.s_maxage,
                stale_while_revalidate: settings.stale_while_revalidate,
            },
            media_store: settings.media_store.clone(),
            media_public_url: settings.media_public_url.clone(),
            media: crate::media::MediaSettings {
                max_bytes: settings.media_max_bytes,
                max_pixels: settings.media_max_pixels,
                max_decode_bytes: settings.media_max_decode_bytes,
            },
            limits: crate::api::limits::LimitSettings {
                connections_per_client: settings.connections_per_client,
                auth_failures_per_minute: settings.auth_failures_per_minute,
                writes_per_minute: settings.writes_per_minute,
                trusted_proxies: settings.trusted_proxies.clone(),
            },
            webhooks: crate::webhooks::WebhookSettings {
                allow_private: settings.webhook_allow_private,
                proxy: settings.webhook_proxy.clone(),
                timeout: Duration::from_secs(settings.webhook_timeout.clamp(1, 300)),
                api_base: settings
                    .api_url
                    .clone()
                    .unwrap_or_else(|| format!("http://{}", settings.bind))
                    .trim_end_matches('/')
                    .to_owned(),
            },
            reads: db::replica::ReadSettings {
                replica_pool_size: settings.read_pool_size,
                max_lag: Duration::try_from_secs_f64(settings.read_max_lag.clamp(0.1, 3600.0))
                    .unwrap_or(Duration::from_secs(5)),
                announce_delay: Duration::from_millis(settings.announce_delay_ms.unwrap_or(
                    match settings.read_database_url {
                        Some(_) => 2 * change_poll.as_millis() as u64,
                        None => 0,
                    },
                )),
                replica_url: settings.read_database_url.clone(),
            },
        },
        Clock::System,
        |conn| {
            if seed_demo {
                if let seed::SeedOutcome::Loaded { articles, .. } =
                    seed::load(conn, seed::DEMO, Clock::System.now())?
                {
                    tracing::info!(articles, "loaded the demo content into the empty database");
                }
            }
            Ok(())
        },
    )
    .map_err(|e| e as Box<dyn std::error::Error>)?;
    tracing::info!(store = %state.media.store.describe, "media store");
    let (pool, recorder, cache, media, webhooks, limits) = (
        state.pool.clone(),
        state.visits.clone(),
        state.cache.clone(),
        state.media.clone(),
        state.webhooks.clone(),
        state.limits.clone(),
    );
    let app_settings = AppSettings {
        cors_origins: settings.cors_origins.clone(),
        visit_origins: settings.visit_origins.clone(),
        body: crate::api::write::BodyRules {
            max_bytes: settings.body_limit,
            min_bytes: settings.body_min_bytes.max(1),
            window: Duration::from_secs(settings.body_window.max(1)),
        },
        metrics_elsewhere: settings.metrics_bind.is_some(),
        site: crate::api::feeds::SiteSettings {
            url: settings.site_url.clone(),
            article_path: settings.article_path.clone(),
            name: settings.site_name.clone(),
        },
    };
    tracing::info!(bind = %settings.bind, backend = ?Backend::of(&settings.database_url), "serving");
    let flush_every = Duration::from_millis(settings.visit_flush_ms.max(10));
    let bind = settings.bind.clone();
    let metrics_bind = settings.metrics_bind.clone();
    let metrics_state = state.clone();
    let follower_state = state.clone();
    let reads = state.reads.clone();
    let workers = settings.workers;
    actix_web::rt::System::new().block_on(async move {
        let mut server = HttpServer::new(move || app(state.clone(), &app_settings))
            .on_connect(limits.on_connect())
            .shutdown_timeout(5)
            .client_request_timeout(Duration::from_secs(10));
        if let Some(workers) = workers {
            server = server.workers(workers);
        }
        let server = server.bind(&bind)?.run();
        if let Some(metrics_bind) = &metrics_bind {
            let state = metrics_state.clone();
            let metrics_server =
                HttpServer::new(move || crate::startup::metrics_app(state.clone()))
                    .workers(1)
                    .shutdown_timeout(1)
                    .bind(metrics_bind)?
                    .run();
            tracing::info!(bind = %metrics_bind, "serving /metrics");
            actix_web::rt::spawn(metrics_server);
        }
        spawn_flusher(recorder.clone(), flush_every);
        spawn_relinker(pool.clone(), cache.clone(), reads.clone());
        crate::media::spawn_worker(media, pool.clone(), Clock::System);
        crate::webhooks::spawn_worker(webhooks.clone());
        spawn_publication_watch(pool.clone(), cache, webhooks, reads);
        spawn_rendition_fill(pool.clone(), settings.renditions_ahead, tz, languages);
        crate::api::follow::spawn_follower(follower_state, change_poll);
        spawn_refused_reporter();
        server.await?;
        // A graceful stop (SIGTERM, Ctrl-C) flushes what was accepted before exiting.
        match flush_now(recorder.clone()).await {
            Ok(flushed) => tracing::info!(beacons = flushed.beacons, "final visit flush"),
            Err(error) => {
                tracing::error!(%error, pending = recorder.pending(), "final visit flush failed")
            }
        }
        Ok::<(), std::io::Error>(())
    })?;
    Ok(())
}

fn token(command: TokenCommand, settings: &Settings) -> CliResult {
    let pool = db::build_pool(&settings.database_url, 1)?;
    let mut conn = pool.get()?;
    let tz = PortalTz::parse(&settings.time_zone)?;
    let now = Clock::System.now();
    match command {
        TokenCommand::Create {
            name,
            scopes,
            expires_in,
        } => {
            let input = crate::api::tokens::NewToken {
                // Stored NFC, as every name a request carries.
                name: crate::domain::text::nfc(&name),
                scopes,
                expires_in_days: expires_in,
            };
            let (scopes, days) =
                crate::api::tokens::validate(&input).map_err(|e| e.problem().detail)?;
            let (row, secret) =
                crate::api::tokens::issue(&mut conn, &input.name, &scopes, days, now)
                    .map_err(|e| e.problem().detail)?;
            eprintln!(
                "token {} `{}` created; it is shown once:",
                row.id,
                row.name.escape_debug()
            );
            println!("{secret}");
        }
        TokenCommand::List => {
            println!(
                "{:<5} {:<28} {:<36} {:<26} {:<26} {:<26} revoked",
                "id", "name", "scopes", "created", "last used", "expires"
            );
            for row in db::tokens::list(&mut conn)? {
                let t = crate::api::tokens::describe(&row, tz);
                let show = |v: Option<chrono::DateTime<chrono::FixedOffset>>| {
                    v.map(|t| t.to_rfc3339()).unwrap_or_else(|| "-".into())
                };
                println!(
                    "{:<5} {:<28} {:<36} {:<26} {:<26} {:<26} {}",
                    t.id,
                    // Stored before names had to be one line: shown escaped, never raw.
                    t.name.escape_debug().to_string(),
                    t.scopes.join(" "),
                    t.created_at.to_rfc3339(),
                    show(t.last_used_at),
                    show(t.expires_at),
                    t.revoked_at
                        .map(|r| r.to_rfc3339())
                        .unwrap_or_else(|| "no".into()),
                );
            }
        }
        TokenCommand::Revoke { id } => {
            if db::tokens::revoke(&mut conn, id, now)? {
                println!("token {id} revoked");
            } else {
                return Err(format!("no token {id}").into());
            }
        }
    }
    Ok(())
}

/// Scans articles again when a name changed (decision 0014). The requests are rows written by
/// the writes themselves, so work asked for before a restart is done after it.
fn spawn_relinker(pool: db::DbPool, cache: Arc<ResponseCache>, reads: Arc<db::replica::Reads>) {
    actix_web::rt::spawn(async move {
        let mut ticks = actix_web::rt::time::interval(Duration::from_secs(1));
        loop {
            ticks.tick().await;
            let with_position = reads.has_replica();
            let relinked = db::run(&pool, move |conn| {
                let done = db::mentions::relink_pending(conn, Clock::System.now())?;
                let position = match done.is_some_and(|(_, changed)| changed > 0) && with_position {
                    true => db::replica::position(conn)?,
                    false => None,
                };
                Ok(done.map(|done| (done, position)))
            })
            .await;
            match relinked {
                Ok(Some(((scanned, changed), position))) => {
                    if changed > 0 {
                        reads.wrote(None, position);
                        cache.invalidate();
                    }
                    tracing::info!(scanned, changed, "relinked mentions after a name changed");
                }
                Ok(None) => {}
                Err(error) => tracing::warn!(%error, "cannot relink mentions; will retry"),
            }
        }
    });
}

/// Each second, logs the scheduled publications whose moment came (decision 0016): the change
/// feed and webhooks learn of them without any job an operator runs. Every instance looks; the
/// change log's lock and the check in `log_due_publications` log each once.
fn spawn_publication_watch(
    pool: db::DbPool,
    cache: Arc<ResponseCache>,
    webhooks: Arc<crate::webhooks::Dispatcher>,
    reads: Arc<db::replica::Reads>,
) {
    actix_web::rt::spawn(async move {
        let mut ticks = actix_web::rt::time::interval(Duration::from_secs(1));
        loop {
            ticks.tick().await;
            let with_position = reads.has_replica();
            let logged = db::run(&pool, move |conn| {
                let now = Clock::System.now();
                if db::changes::next_due_publication(conn)?.is_none_or(|at| at > now) {
                    return Ok((0, None, None));
                }
                let published = db::content_transaction(conn, |conn| {
                    Ok(db::changes::log_due_publications(conn, now)?)
                })?;
                let position = match with_position && published > 0 {
                    true => db::replica::position(conn)?,
                    false => None,
                };
                Ok((published, Some(db::changes::head(conn)?), position))
            })
            .await;
            match logged {
                Ok((0, _, _)) => {}
                Ok((published, head, position)) => {
                    reads.wrote(head, position);
                    cache.invalidate();
                    webhooks.wake();
                    tracing::info!(published, "scheduled articles went out");
                }
                Err(error) => tracing::warn!(%error, "cannot log due publications; will retry"),
            }
        }
    });
}

/// Once a minute, how many requests the HTTP layer refused before the app (malformed or
/// oversized request lines and heads): one WARN line instead of an ERROR line each.
fn spawn_refused_reporter() {
    actix_web::rt::spawn(async move {
        let mut ticks = actix_web::rt::time::interval(Duration::from_secs(60));
        loop {
            ticks.tick().await;
            let refused = crate::telemetry::take_refused();
            if refused > 0 {
                tracing::warn!(
                    refused,
                    "requests refused by the HTTP layer in the last minute (malformed request \
                     line, URI or head too large, head too slow)"
                );
            }
        }
    });
}

/// Renders the stored representations the newest `ahead` public articles lack (after an
/// upgrade, an import, a reindex, or a change that made them stale), a page at a time with a
/// pause between pages so that readers keep the connections; starts over each minute.
fn spawn_rendition_fill(
    pool: db::DbPool,
    ahead: u64,
    tz: crate::domain::time::PortalTz,
    languages: &'static crate::domain::languages::Languages,
) {
    const PAGE: i64 = 50;
    if ahead == 0 {
        return;
    }
    actix_web::rt::spawn(async move {
        let mut offset = 0;
        loop {
            let ctx = crate::views::Ctx {
                tz,
                now: Clock::System.now(),
                lang: languages.default_lang(),
            };
            let step = db::run(&pool, move |conn| {
                crate::api::articles::fill_renditions(conn, offset, PAGE, ctx)
            })
            .await;
            let pause = match step {
                Ok((seen, _)) if seen as i64 == PAGE && offset + PAGE < ahead as i64 => {
                    offset += PAGE;
                    Duration::from_millis(100)
                }
                Ok(_) => {
                    offset = 0;
                    Duration::from_secs(60)
                }
                Err(error) => {
                    tracing::warn!(%error, "cannot render stored representations; will retry");
                    Duration::from_secs(10)
                }
            };
            actix_web::rt::time::sleep(pause).await;
        }
    });
}
