//! Public routes of the political-advertising registry (no account): search with stable
//! cursor paging, one ad, its version history and creatives, elections with their periods,
//! sponsors with their control chains, platforms with their reach, and bulk downloads of an
//! election as CSV and JSON Lines (streamed page by page, with bounded concurrency). Every public route is rate limited per client IP with a token bucket
//! (20 requests per second, burst 60 by default; [`PublicRate`], set by `serve --public-rate`,
//! `RRM_PUBLIC_RATE` or `server.public_rate`, changes it, `0` disables it); over the limit the answer is
//! 429 with `Retry-After`. Without the peer address (no connect info), all clients share
//! one bucket.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use ads::{
    ad_csv_record, ad_document, ad_json_line, PublicAdVersion, PublicElection, PublicPlatform,
    PublicSearch, PublicSponsor, AD_CSV_COLUMNS,
};
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Path, RawQuery, Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Extension;
use axum::{Json, Router};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::{registry, registry_work};
use crate::codes::Code;
use crate::error::{long_work_step, ApiError};
use crate::filters::query_pairs;
use crate::slots::{ClientSlot, PerClient};
use crate::AppState;

/// How many rows one chunk of a streamed export holds (one page, one short read).
const EXPORT_PAGE: usize = store::EXPORT_PAGE;

/// A per-IP token bucket limiter.
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<Option<IpAddr>, (f64, Instant)>>,
}

impl RateLimiter {
    /// A limiter refilling `rate` tokens per second up to `burst`; a rate of 0 disables it.
    pub fn new(rate: f64, burst: f64) -> RateLimiter {
        RateLimiter {
            rate,
            burst: burst.max(1.0),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// The limiter of a configured rate.
    pub fn from_rate(rate: PublicRate) -> RateLimiter {
        RateLimiter::new(rate.rate, rate.burst)
    }

    /// Takes a token for `ip`; `Err(seconds)` says when the next one is available.
    pub fn take(&self, ip: Option<IpAddr>, now: Instant) -> Result<(), u64> {
        if self.rate <= 0.0 {
            return Ok(());
        }
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > 100_000 {
            let (rate, burst) = (self.rate, self.burst);
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * rate < burst
            });
        }
        let (tokens, at) = buckets.entry(ip).or_insert((self.burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * self.rate).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *tokens) / self.rate).ceil().max(1.0) as u64)
        }
    }
}

async fn limit(State(limiter): State<Arc<RateLimiter>>, req: Request, next: Next) -> Response {
    let ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    match limiter.take(ip, Instant::now()) {
        Ok(()) => next.run(req).await,
        Err(secs) => {
            let mut resp = ApiError::new(
                Code::RateLimited,
                format!("too many requests; retry in {secs} s"),
            )
            .into_response();
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
            resp
        }
    }
}

/// The public routes with the configured rate limit and export bounds.
pub(crate) fn routes(rate: PublicRate, exports: ExportLimits) -> Router<AppState> {
    routes_with(Arc::new(RateLimiter::from_rate(rate)), exports)
}

/// The rate limit of the public routes, per client address: `rate` requests per second with
/// bursts of `burst`; a rate of 0 turns it off. Written `RATE/BURST`, `RATE` (a burst of three
/// times the rate) or `0`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PublicRate {
    /// Requests per second (0: no limit).
    pub rate: f64,
    /// The most requests at once.
    pub burst: f64,
}

impl Default for PublicRate {
    fn default() -> Self {
        PublicRate {
            rate: 20.0,
            burst: 60.0,
        }
    }
}

impl std::fmt::Display for PublicRate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.rate, self.burst)
    }
}

impl std::str::FromStr for PublicRate {
    type Err = String;

    fn from_str(s: &str) -> Result<PublicRate, String> {
        let number = |t: &str| match t.trim().parse::<f64>() {
            Ok(n) if n.is_finite() && n >= 0.0 => Ok(n),
            _ => Err(format!(
                "{s:?}: expected RATE/BURST with non-negative numbers, such as 20/60, or 0"
            )),
        };
        let (rate, burst) = match s.split_once('/') {
            Some((r, b)) => (number(r)?, number(b)?),
            None => {
                let r = number(s)?;
                (r, r * 3.0)
            }
        };
        Ok(PublicRate { rate, burst })
    }
}

/// The public routes with a given limiter.
pub(crate) fn routes_with(limiter: Arc<RateLimiter>, exports: ExportLimits) -> Router<AppState> {
    let slots = Arc::new(ExportSlots::new(exports));
    Router::new()
        .route("/public/ads", get(search))
        .route("/public/ads/{id}", get(one))
        .route("/public/ads/{id}/creative", get(creative))
        .route("/public/ads/{id}/versions", get(versions))
        .route(
            "/public/ads/{id}/versions/{version}/creative",
            get(version_creative),
        )
        .route("/public/elections", get(elections))
        .route("/public/elections/{id}", get(election))
        .route(
            "/public/elections/{id}/{file}",
            get(export).layer(Extension(slots)),
        )
        .route("/public/sponsors", get(sponsors))
        .route("/public/sponsors/{id}", get(sponsor))
        .route("/public/platforms", get(platforms))
        .route_layer(from_fn_with_state(limiter, limit))
}

fn opt_int(field: &str, v: &str) -> Result<i64, ApiError> {
    v.trim()
        .parse()
        .map_err(|_| ApiError::invalid(field, format!("{v:?} is not an integer")))
}

async fn search(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let pairs =
        query_pairs(q.as_deref()).map_err(|e| ApiError::invalid(&e.parameter, e.message))?;
    let mut s = PublicSearch::default();
    let mut cursor = None;
    let mut limit = None;
    for (k, v) in pairs {
        let slot = match k.as_str() {
            "sponsor" => &mut s.sponsor,
            "payer" => &mut s.payer,
            "platform" => &mut s.platform,
            "election" => &mut s.election,
            "from" => &mut s.from,
            "to" => &mut s.to,
            "region" => &mut s.region,
            "language" => &mut s.language,
            "q" => &mut s.q,
            "cursor" => &mut cursor,
            "spend_min" => {
                s.spend_min = Some(opt_int("spend_min", &v)?);
                continue;
            }
            "spend_max" => {
                s.spend_max = Some(opt_int("spend_max", &v)?);
                continue;
            }
            "limit" => {
                let l = opt_int("limit", &v)?;
                limit = Some(
                    usize::try_from(l)
                        .map_err(|_| ApiError::invalid("limit", "must be between 1 and 200"))?,
                );
                continue;
            }
            other => {
                return Err(ApiError::invalid(
                    other,
                    format!("unknown parameter {other:?}"),
                ))
            }
        };
        *slot = Some(v);
    }
    let ads = state.ads.clone();
    let page = registry(move || ads.search_ads(&s, cursor.as_deref(), limit)).await?;
    Ok(Json(page).into_response())
}

/// The body of `GET /public/ads/{id}/versions`.
#[derive(serde::Serialize)]
struct AdVersions {
    id: i64,
    versions: Vec<PublicAdVersion>,
}

/// The body of `GET /public/elections`.
#[derive(serde::Serialize)]
struct Elections {
    elections: Vec<PublicElection>,
}

/// The body of `GET /public/sponsors`.
#[derive(serde::Serialize)]
struct Sponsors {
    sponsors: Vec<PublicSponsor>,
    next_after: Option<String>,
}

/// The body of `GET /public/platforms`.
#[derive(serde::Serialize)]
struct Platforms {
    platforms: Vec<PublicPlatform>,
}

fn parse_id(id: &str) -> Result<i64, ApiError> {
    id.parse::<i64>()
        .ok()
        .filter(|i| *i > 0)
        .ok_or_else(|| ApiError::invalid("id", format!("{id:?} is not an ad id")))
}

async fn one(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let ads = state.ads.clone();
    let row = registry(move || ads.public_ad(id)).await?;
    Ok(Json(ad_document(&row)).into_response())
}

async fn creative(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let ads = state.ads.clone();
    let (media, bytes) = registry(move || ads.public_creative(id)).await?;
    Ok(creative_response(media, bytes))
}

async fn versions(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let ads = state.ads.clone();
    let versions = registry(move || ads.public_ad_versions(id)).await?;
    Ok(Json(AdVersions { id, versions }).into_response())
}

async fn version_creative(
    State(state): State<AppState>,
    Path((id, version)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let version = version
        .parse::<i64>()
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(|| ApiError::invalid("version", format!("{version:?} is not a version")))?;
    let ads = state.ads.clone();
    let (media, bytes) = registry(move || ads.public_version_creative(id, version)).await?;
    Ok(creative_response(media, bytes))
}

async fn elections(State(state): State<AppState>) -> Result<Response, ApiError> {
    let ads = state.ads.clone();
    let list = registry(move || ads.public_elections()).await?;
    Ok(Json(Elections { elections: list }).into_response())
}

async fn election(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let ads = state.ads.clone();
    let doc = registry(move || ads.public_election(&id)).await?;
    Ok(Json(doc).into_response())
}

async fn sponsors(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let pairs =
        query_pairs(q.as_deref()).map_err(|e| ApiError::invalid(&e.parameter, e.message))?;
    let mut after = String::new();
    let mut limit = ads::DEFAULT_PUBLIC_PAGE;
    for (k, v) in pairs {
        match k.as_str() {
            "after" => after = v,
            "limit" => {
                limit = usize::try_from(opt_int("limit", &v)?)
                    .map_err(|_| ApiError::invalid("limit", "must be between 1 and 200"))?
            }
            other => {
                return Err(ApiError::invalid(
                    other,
                    format!("unknown parameter {other:?}"),
                ))
            }
        }
    }
    let ads = state.ads.clone();
    let list = registry(move || ads.public_sponsors(&after, limit)).await?;
    let next = (list.len() == limit)
        .then(|| list.last().map(|s| s.id.clone()))
        .flatten();
    Ok(Json(Sponsors {
        sponsors: list,
        next_after: next,
    })
    .into_response())
}

async fn sponsor(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let ads = state.ads.clone();
    let doc = registry(move || ads.public_sponsor(&id)).await?;
    Ok(Json(doc).into_response())
}

async fn platforms(State(state): State<AppState>) -> Result<Response, ApiError> {
    let ads = state.ads.clone();
    let list = registry(move || ads.public_platforms()).await?;
    Ok(Json(Platforms { platforms: list }).into_response())
}

/// A creative's bytes with their media type, shown inline and cached (it never changes).
fn creative_response(media: String, bytes: Vec<u8>) -> Response {
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&media)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("inline"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400, immutable"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    resp
}

/// Bounds on concurrent streamed election exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportLimits {
    /// Exports in progress at most, over all clients (0: no limit).
    pub max: usize,
    /// Exports in progress at most from one client address (IPv6: one /64; 0: no limit).
    pub per_ip: usize,
}

impl Default for ExportLimits {
    fn default() -> Self {
        ExportLimits { max: 64, per_ip: 4 }
    }
}

/// What `Retry-After` says when every export slot is taken, in seconds.
const EXPORT_RETRY_AFTER: u64 = 5;

/// The export slots: a total and a count per client.
pub(crate) struct ExportSlots {
    total: Arc<Semaphore>,
    per_client: Arc<PerClient>,
}

/// A held export slot; dropped with the response body.
struct ExportSlot {
    _total: OwnedSemaphorePermit,
    _client: ClientSlot,
}

impl ExportSlots {
    fn new(limits: ExportLimits) -> ExportSlots {
        let total = if limits.max == 0 {
            Semaphore::MAX_PERMITS
        } else {
            limits.max.min(Semaphore::MAX_PERMITS)
        };
        ExportSlots {
            total: Arc::new(Semaphore::new(total)),
            per_client: PerClient::new(limits.per_ip),
        }
    }

    fn take(&self, ip: Option<IpAddr>) -> Result<ExportSlot, ApiError> {
        let busy = |message: &str| {
            ApiError::new(
                Code::TooManyExports,
                format!("{message}; retry in {EXPORT_RETRY_AFTER} s"),
            )
        };
        let client = self
            .per_client
            .try_take(ip)
            .ok_or_else(|| busy("too many exports in progress from this address"))?;
        let total = Arc::clone(&self.total)
            .try_acquire_owned()
            .map_err(|_| busy("too many exports in progress"))?;
        Ok(ExportSlot {
            _total: total,
            _client: client,
        })
    }
}

/// An export being produced: the next page is read (on the blocking pool, in its own short
/// read) only when the response body asks for more.
struct Producer {
    ads: ads::Ads,
    export: ads::ElectionExport,
    csv: bool,
    started: bool,
    _slot: ExportSlot,
}

impl Producer {
    /// The bytes of the next page (the CSV header before the first), `None` at the end.
    fn next_chunk(&mut self) -> Result<Option<Bytes>, ads::Error> {
        let rows = self.ads.next_export_page(&mut self.export, EXPORT_PAGE)?;
        let header = !std::mem::replace(&mut self.started, true);
        if self.csv {
            let mut records: Vec<[String; 17]> = Vec::with_capacity(rows.len() + 1);
            if header {
                records.push(AD_CSV_COLUMNS.map(str::to_string));
            }
            records.extend(rows.iter().map(ad_csv_record));
            let buf = hub::csv_dialect::to_string(records);
            return Ok((!buf.is_empty()).then(|| Bytes::from(buf)));
        }
        let mut buf = String::with_capacity(rows.len() * 512);
        for row in &rows {
            ad_json_line(row, &mut buf);
            buf.push('\n');
        }
        Ok((!buf.is_empty()).then(|| Bytes::from(buf)))
    }
}

/// `GET /public/elections/{id}/ads.csv` and `ads.jsonl`: the election's published ads,
/// streamed page by page as the client reads. At most [`ExportLimits`] exports run at once
/// (429 `too_many_exports` with `Retry-After` beyond); a client that stops reading is
/// dropped after the server's write timeout, and holds no database read meanwhile.
async fn export(
    State(state): State<AppState>,
    Extension(slots): Extension<Arc<ExportSlots>>,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    Path((election, file)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let csv = match file.as_str() {
        "ads.csv" => true,
        "ads.jsonl" => false,
        _ => {
            return Err(ApiError::new(
                Code::NotFound,
                format!("no resource {file:?}: use ads.csv or ads.jsonl"),
            ))
        }
    };
    let slot = match slots.take(connect.map(|Extension(ConnectInfo(peer))| peer.ip())) {
        Ok(slot) => slot,
        Err(e) => {
            let mut resp = e.into_response();
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(EXPORT_RETRY_AFTER));
            return Ok(resp);
        }
    };
    let ads = state.ads.clone();
    let work = state.work.clone();
    // The export's first read goes through the worker facility (a full queue answers 503
    // busy); each next chunk waits for a worker instead of failing the stream.
    let export = {
        let ads = ads.clone();
        registry_work(&work, move || ads.start_election_export(&election)).await?
    };
    let producer = Producer {
        ads,
        export,
        csv,
        started: false,
        _slot: slot,
    };
    let chunks = futures_util::stream::unfold(Some(producer), move |producer| {
        let work = work.clone();
        async move {
            let mut producer = producer?;
            let step = long_work_step(&work, move || {
                let r = producer.next_chunk();
                (producer, r)
            })
            .await;
            match step {
                Ok((producer, Ok(Some(chunk)))) => Some((Ok(chunk), Some(producer))),
                Ok((_, Ok(None))) => None,
                Ok((_, Err(e))) => {
                    tracing::error!(error = %e, "election export failed");
                    Some((
                        Err(std::io::Error::other("the election export failed")),
                        None,
                    ))
                }
                Err(e) => {
                    tracing::error!(error = %e, "election export task failed");
                    Some((
                        Err(std::io::Error::other("the election export failed")),
                        None,
                    ))
                }
            }
        }
    });
    let mut resp = Response::new(Body::from_stream(chunks));
    let ct = if csv {
        "text/csv; charset=utf-8"
    } else {
        "application/x-ndjson"
    };
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

    #[test]
    fn public_rates_parse_and_refuse_nonsense() {
        let r: PublicRate = "1/3".parse().unwrap();
        assert_eq!((r.rate, r.burst), (1.0, 3.0));
        let r: PublicRate = "5".parse().unwrap();
        assert_eq!((r.rate, r.burst), (5.0, 15.0));
        assert_eq!("0".parse::<PublicRate>().unwrap().rate, 0.0);
        for bad in ["", "fast", "-1/2", "1/x", "inf"] {
            assert!(bad.parse::<PublicRate>().is_err(), "{bad}");
        }
        assert_eq!(PublicRate::default().to_string(), "20/60");
    }

    #[test]
    fn export_slots_are_bounded_per_client_and_in_all_and_given_back() {
        let slots = ExportSlots::new(ExportLimits { max: 3, per_ip: 2 });
        let a = Some("192.0.2.1".parse().unwrap());
        let b = Some("192.0.2.2".parse().unwrap());
        let a1 = slots.take(a).unwrap();
        let _a2 = slots.take(a).unwrap();
        let e = slots.take(a).err().unwrap();
        assert_eq!(
            (e.status(), e.code.as_str()),
            (StatusCode::TOO_MANY_REQUESTS, "too_many_exports")
        );
        let _b1 = slots.take(b).unwrap();
        // Three in all: b's second is refused by the total, and its client slot given back.
        assert!(slots.take(b).is_err());
        assert_eq!(slots.per_client.held(b), 1);
        drop(a1);
        assert!(slots.take(b).is_ok());
    }
}
