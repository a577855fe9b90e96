//! The dashboard, and the example every console page follows: read as the viewer inside
//! `blocking`, fill the page's view struct, render it with the viewer's frame.

use axum::extract::State;
use axum::response::Response;
use web::pages::dashboard::{AlertLine, CaseLine, Dashboard, DeadlineLine, NoticeLine};

use super::Viewer;
use crate::error::blocking;
use crate::AppState;

/// How many lines each box of the dashboard shows.
const LINES: usize = 5;

/// Seconds since the epoch as RFC 3339.
pub(crate) fn rfc3339_secs(secs: i64) -> String {
    web::components::rfc3339_micros(secs.saturating_mul(1_000_000)).unwrap_or_default()
}

/// `GET /`: the dashboard.
pub(crate) async fn show(State(state): State<AppState>, viewer: Viewer) -> Response {
    let p = viewer.principal();
    let lang = viewer.lang();
    let now = clock::now_secs();

    let alerts = state.alerts.clone();
    let pp = p.clone();
    let inbox = blocking(move || {
        alerts
            .inbox(&pp, Some(LINES + 1), None)
            .map_err(|e| hub::HubError::internal("alert inbox", e))
    })
    .await;
    let cases = state.cases.clone();
    let pp = p.clone();
    let case_page = blocking(move || {
        cases
            .case_page(
                &pp,
                &cases::CaseListQuery {
                    role: store::CaseRole::All,
                    limit: Some(LINES + 1),
                    next: None,
                },
            )
            .map_err(|e| hub::HubError::internal("case list", e))
    })
    .await;
    let notices = state.notices.clone();
    let pp = p.clone();
    let outbox = blocking(move || {
        notices
            .outbox(&pp, Some(LINES + 1), None)
            .map_err(|e| hub::HubError::internal("notice outbox", e))
    })
    .await;

    let mut d = Dashboard::default();
    let mut deadlines = Vec::new();
    match inbox {
        Ok(page) => {
            d.alerts_more = page.alerts.len() > LINES || page.next.is_some();
            for a in page.alerts.into_iter().take(LINES) {
                if let Some(by) = &a.respond_by {
                    deadlines.push(DeadlineLine {
                        what: a.title.clone(),
                        href: format!("/alerts/{}", a.id),
                        due: by.clone(),
                        overdue: time::OffsetDateTime::parse(
                            by,
                            &time::format_description::well_known::Rfc3339,
                        )
                        .is_ok_and(|t| t.unix_timestamp() < now),
                    });
                }
                d.alerts.push(AlertLine {
                    tlp: web::components::parse_tlp(&a.tlp),
                    id: a.id,
                    title: a.title,
                    sender: a.sender,
                    created: a.created,
                    respond_by: a.respond_by,
                    status: a.state.unwrap_or_default(),
                });
            }
        }
        Err(e) => return viewer.fail(e),
    }
    match case_page {
        Ok(page) => {
            d.cases_more = page.cases.len() > LINES || page.next.is_some();
            for c in page.cases.into_iter().take(LINES) {
                d.cases.push(CaseLine {
                    id: c.id,
                    title: c.title,
                    status: c.status.as_str().to_string(),
                    updated: rfc3339_secs(c.updated),
                });
            }
        }
        Err(e) => return viewer.fail(e),
    }
    match outbox {
        Ok(page) => {
            d.notices_more = page.notices.len() > LINES || page.next.is_some();
            for n in page.notices.into_iter().take(LINES) {
                let due = n.respond_by.map(rfc3339_secs);
                if let Some(by) = &due {
                    if n.decided_at.is_none() {
                        deadlines.push(DeadlineLine {
                            what: format!("{} → {}", n.content.kind.as_str(), n.recipient),
                            href: format!("/notices/{}", n.id),
                            due: by.clone(),
                            overdue: n.respond_by.is_some_and(|t| t < now),
                        });
                    }
                }
                d.notices.push(NoticeLine {
                    title: format!(
                        "{} · {} {}",
                        n.content.kind.as_str(),
                        n.content.items.len(),
                        web::t!(lang, "items", "éléments")
                    ),
                    party: n.recipient,
                    status: n.status.as_str().to_string(),
                    due,
                    id: n.id,
                });
            }
        }
        Err(e) => return viewer.fail(e),
    }
    deadlines.sort_by(|a, b| a.due.cmp(&b.due));
    d.deadlines = deadlines;
    viewer.page(web::pages::dashboard::dashboard(viewer.frame(), &d))
}
