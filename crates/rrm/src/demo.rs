//! Demo data for `rrm serve --demo`: organisations, users, collections and objects under every
//! TLP level, and a political-advertising registry (an election, a platform, sponsors with a
//! control chain abroad, published ads and two foreign-interference incidents), a response case,
//! and a notice to the demo platform with its first decision, created once on first start.

use anyhow::Context;
use hub::Actor;
use serde_json::{json, Value};
use store::{Access, Role, Sector};
use uuid::Uuid;

/// The password of every demo user.
pub const PASSWORD: &str = "rrm-demo-password";

/// Demo organisations: slug, name, sector, country.
const ORGS: &[(&str, &str, Sector, &str)] = &[
    (
        "gov-ca",
        "Government of Canada - RRM Canada",
        Sector::Government,
        "CA",
    ),
    (
        "gov-de",
        "Germany - Federal election security task force",
        Sector::Government,
        "DE",
    ),
    (
        "gov-fr",
        "France - foreign digital interference watch",
        Sector::Government,
        "FR",
    ),
    (
        "chirp",
        "Chirp (social-media platform)",
        Sector::Platform,
        "US",
    ),
    (
        "northnet",
        "NorthNet (Internet service provider)",
        Sector::Isp,
        "CA",
    ),
    (
        "disinfo-lab",
        "Open Disinformation Lab",
        Sector::CivilSociety,
        "FR",
    ),
    (
        "elections-ca",
        "Elections Canada (election authority)",
        Sector::ElectionAuthority,
        "CA",
    ),
];

/// Demo users: username, organisation, role.
pub const USERS: &[(&str, &str, Role)] = &[
    ("ca-admin", "gov-ca", Role::Admin),
    ("ca-analyst", "gov-ca", Role::Analyst),
    ("de-analyst", "gov-de", Role::Analyst),
    ("fr-analyst", "gov-fr", Role::Analyst),
    ("chirp-analyst", "chirp", Role::Analyst),
    ("northnet-analyst", "northnet", Role::Analyst),
    ("lab-reader", "disinfo-lab", Role::Reader),
    ("ec-analyst", "elections-ca", Role::Analyst),
];

/// Creates the demo data unless it is already there. Returns whether it created it.
pub fn seed(services: &server::Services) -> anyhow::Result<bool> {
    let hub = &services.hub;
    if hub.org_by_slug("gov-ca")?.is_some() {
        return Ok(false);
    }
    for (slug, name, sector, country) in ORGS {
        hub.add_org(Actor::Operator, slug, name, *sector, country)
            .with_context(|| format!("demo organisation {slug}"))?;
    }
    for (user, org, role) in USERS {
        hub.add_user(Actor::Operator, org, user, *role, Some(PASSWORD))
            .with_context(|| format!("demo user {user}"))?;
    }
    let rw = Access {
        read: true,
        write: true,
    };
    let r = Access {
        read: true,
        write: false,
    };
    hub.add_collection(
        Actor::Operator,
        "g7-rrm",
        "G7 RRM shared analysis",
        "Analysis shared between G7 RRM units and their partners.",
        None,
    )?;
    hub.add_collection(
        Actor::Operator,
        "platform-signals",
        "Platform and ISP signals",
        "Coordinated inauthentic behaviour and infrastructure seen by platforms and ISPs.",
        None,
    )?;
    hub.add_collection(
        Actor::Operator,
        "ad-incidents",
        "Political-advertising incidents",
        "Foreign funding and foreign buyers found by the ad registry's rules.",
        None,
    )?;
    hub.add_collection(
        Actor::Operator,
        "public",
        "Public advisories",
        "Advisories cleared for publication.",
        Some(stix::Tlp::Clear),
    )?;
    for (org, coll, access) in [
        ("gov-ca", "g7-rrm", rw),
        ("gov-de", "g7-rrm", rw),
        ("gov-fr", "g7-rrm", rw),
        ("chirp", "g7-rrm", r),
        ("northnet", "g7-rrm", r),
        ("disinfo-lab", "g7-rrm", r),
        ("chirp", "platform-signals", rw),
        ("northnet", "platform-signals", rw),
        ("gov-ca", "platform-signals", r),
        ("gov-de", "platform-signals", r),
        ("gov-ca", "public", rw),
        ("gov-de", "public", r),
        ("chirp", "public", r),
        ("northnet", "public", r),
        ("disinfo-lab", "public", r),
        ("elections-ca", "ad-incidents", rw),
        ("gov-ca", "ad-incidents", r),
    ] {
        hub.grant(Actor::Operator, org, coll, access)?;
    }
    submit(hub, "ca-analyst", "g7-rrm", g7_objects())?;
    submit(hub, "chirp-analyst", "platform-signals", platform_objects())?;
    submit(hub, "ca-analyst", "public", public_objects())?;
    seed_ads(&services.ads).context("demo ad registry")?;
    seed_alert(services).context("demo alert")?;
    seed_case(services).context("demo response case")?;
    seed_breaches(services).context("demo breach reports")?;
    seed_notice(services).context("demo notice")?;
    Ok(true)
}

/// Two GDPR breach reports from chirp: one to gov-de inside its 72 hours (submitted, the
/// likely consequences left to a later phase), and one to gov-fr past them, submitted with
/// the reasons for the delay and attributed to the threat actor storm-demo.
fn seed_breaches(services: &server::Services) -> anyhow::Result<()> {
    let reporter = services.hub.principal_for("chirp-analyst")?;
    let now = hub::now_secs();
    let contents = breaches::BreachContents {
        nature: Some("credential-stuffing against the login service".to_string()),
        subject_categories: vec!["account holders".to_string()],
        approx_subjects: Some(1_200),
        record_categories: vec![
            "e-mail addresses".to_string(),
            "password hashes".to_string(),
        ],
        approx_records: Some(2_400),
        contact: Some("Chirp privacy office, privacy@chirp.example".to_string()),
        consequences: Some("targeted phishing of the account holders".to_string()),
        measures: Some("forced password resets; rate limits on login".to_string()),
        ..breaches::BreachContents::default()
    };
    let aware = |secs_ago: i64| stix::format_timestamp((now - secs_ago) * 1_000_000);
    services.breaches.create(
        &reporter,
        &breaches::NewReport {
            title: "Login service credential stuffing".to_string(),
            regime: "gdpr-art33".to_string(),
            recipient: "gov-de".to_string(),
            aware_at: aware(10 * 3600),
            contents: breaches::BreachContents {
                consequences: None,
                ..contents.clone()
            },
            deferred: vec!["consequences".to_string()],
            submit: true,
            ..breaches::NewReport::default()
        },
    )?;
    services.breaches.create(
        &reporter,
        &breaches::NewReport {
            title: "Advertiser console data exposure".to_string(),
            regime: "gdpr-art33".to_string(),
            recipient: "gov-fr".to_string(),
            aware_at: aware(4 * 86_400),
            contents,
            delay_reasons: Some(
                "the forensic review needed to count the records took four days".to_string(),
            ),
            actors: vec![breaches::ActorRef {
                collection: "g7-rrm".to_string(),
                id: id("threat-actor", "storm-demo"),
            }],
            submit: true,
            ..breaches::NewReport::default()
        },
    )?;
    Ok(())
}

/// The group "G7 RRM" of the three governments and an alert from Canada to the other two
/// about the demo campaign, with a respond-by time a week ahead.
fn seed_alert(services: &server::Services) -> anyhow::Result<()> {
    let alerts = &services.alerts;
    alerts.create_group(
        Actor::Operator,
        &alerts::NewGroup {
            name: "G7 RRM".to_string(),
            members: ["gov-ca", "gov-de", "gov-fr"].map(String::from).to_vec(),
        },
    )?;
    let sender = services.hub.principal_for("ca-analyst")?;
    let week = hub::now_secs() + 7 * 86_400;
    alerts.raise(
        &sender,
        &alerts::RaiseAlert {
            title: "Mirror Lake: coordinated amplification ahead of the vote".to_string(),
            summary: "Accounts tied to storm-demo amplify a forged document; see the campaign \
                      in g7-rrm. Please share indicators you hold and any takedowns."
                .to_string(),
            priority: Some("alert".to_string()),
            tlp: Some("AMBER".to_string()),
            objects: vec![alerts::ObjectRef {
                collection: "g7-rrm".to_string(),
                id: id("campaign", "mirror-lake"),
            }],
            groups: vec!["G7 RRM".to_string()],
            responses: vec![
                "share related indicators".to_string(),
                "report platform takedowns".to_string(),
            ],
            respond_by: Some(stix::format_timestamp(week * 1_000_000)),
            ..alerts::RaiseAlert::default()
        },
    )?;
    Ok(())
}

/// A real 1x1 PNG, the creative of the demo ads.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53,
    0xde, 0x00, 0x00, 0x00, 0x0c, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x38, 0x21, 0xa0, 0x07,
    0x00, 0x02, 0xaa, 0x01, 0x07, 0x82, 0x25, 0x9a, 0xee, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e,
    0x44, 0xae, 0x42, 0x60, 0x82,
];

/// The compliant Canadian sample of `crates/adrules/samples`.
const CA_SAMPLE: &str = include_str!("../../adrules/samples/ca-compliant.json");

/// The registry: election ca-2029, platform chirp, sponsors, six published ads and two
/// refused ones whose foreign funding and foreign buyer become incidents.
fn seed_ads(registry: &ads::Ads) -> anyhow::Result<()> {
    let hub = registry.hub();
    let authority = hub.principal_for("ec-analyst")?;
    let platform = hub.principal_for("chirp-analyst")?;
    let sample: Value = serde_json::from_str(CA_SAMPLE).context("the Canadian ad sample")?;
    let election: ads::Election = serde_json::from_value(sample["elections"][0].clone())?;
    let election_id = election.id.clone();
    registry.put_election(&authority, &election_id, election.into())?;
    registry.set_incident_collection(&authority, "ad-incidents", None)?;
    registry.put_platform(
        &platform,
        "chirp",
        serde_json::from_value(json!({"name": "Chirp", "monthly_reach_ca": [
            {"language": "en", "visitors": 3_200_000}, {"language": "fr", "visitors": 1_100_000}]}))?,
    )?;
    let mut sponsors = vec![sample["sponsors"][0].clone()];
    sponsors.extend([
        json!({"id": "northstar-parent", "legal_name": "Northstar Parent LLC", "kind": "corporation",
               "established_in": "US", "operates_in": ["US"]}),
        json!({"id": "maple-shell", "legal_name": "Maple Shell Inc.", "kind": "corporation",
               "established_in": "CA", "operates_in": ["CA"], "controlled_by": "northstar-parent"}),
        json!({"id": "voters-for-renewal", "legal_name": "Voters for Renewal",
               "kind": "association", "established_in": "CA", "operates_in": ["CA"],
               "controlled_by": "maple-shell", "canadian_role": "registered_third_party",
               "authorized_agent": "John Doe",
               "funding": [{"amount": {"minor": 2_500_000, "currency": "USD"}, "origin": "US",
                            "source": "private"}]}),
        json!({"id": "liberty-media", "legal_name": "Liberty Media Holdings LLC",
               "kind": "corporation", "established_in": "US", "operates_in": ["US"]}),
    ]);
    for sp in sponsors {
        let sp: ads::Sponsor = serde_json::from_value(sp)?;
        let id = sp.id.clone();
        registry.put_sponsor(&platform, &id, sp.into())?;
    }
    let ads = [
        (
            "chirp-1001",
            "Vote for better transit in Ontario",
            "ctp",
            None,
            "CA-ON",
        ),
        (
            "chirp-1002",
            "More buses, fewer traffic jams",
            "ctp",
            None,
            "CA-ON",
        ),
        (
            "chirp-1003",
            "Un meilleur transport en commun",
            "ctp",
            None,
            "CA-QC",
        ),
        (
            "chirp-1004",
            "Transit for every rural town",
            "ctp",
            None,
            "CA-BC",
        ),
        (
            "chirp-1005",
            "Cleaner air with electric buses",
            "ctp",
            None,
            "CA-AB",
        ),
        (
            "chirp-1006",
            "Night buses for shift workers",
            "ctp",
            None,
            "CA-NS",
        ),
        (
            "chirp-2001",
            "Renewal now: change the government",
            "voters-for-renewal",
            None,
            "CA-ON",
        ),
        (
            "chirp-2002",
            "Time for a new direction",
            "ctp",
            Some("liberty-media"),
            "CA-ON",
        ),
    ];
    let base = sample["ad"].clone();
    for (ad_id, text, sponsor, payer, region) in ads {
        let mut ad = base.clone();
        if let Some(a) = ad.as_object_mut() {
            a.remove("creative");
            a.remove("versions");
            a.remove("platform");
            a.insert("id".into(), json!(ad_id));
            a.insert("platform_ad_id".into(), json!(ad_id));
            a.insert("text".into(), json!(text));
            a.insert("sponsor".into(), json!(sponsor));
            if let Some(p) = payer {
                a.insert("payer".into(), json!(p));
            }
            a.insert(
                "distribution".into(),
                json!([{"region": region, "share": 1.0}]),
            );
            if text.starts_with("Un ") {
                a.insert("languages".into(), json!(["fr"]));
            }
        }
        let creative = ads::CreativeUpload {
            bytes: PNG.to_vec(),
            media_type: "image/png".into(),
        };
        registry
            .submit_ad(
                &platform,
                ads::SubmissionRequest::of(serde_json::from_value(ad)?),
                Some(creative),
            )
            .with_context(|| format!("demo ad {ad_id}"))?;
    }
    Ok(())
}

fn submit(hub: &hub::Hub, user: &str, collection: &str, objects: Vec<Value>) -> anyhow::Result<()> {
    let principal = hub.principal_for(user)?;
    let id = crate::cli::objects::resolve_collection(hub, collection)?;
    let status = hub.add_objects(&principal, &id, objects)?;
    anyhow::ensure!(
        status.failure_count == 0,
        "demo objects for {collection} were rejected: {}",
        serde_json::to_string(&status.failures)?
    );
    Ok(())
}

/// A stable id for a demo object.
fn id(stix_type: &str, name: &str) -> String {
    let ns = Uuid::from_u128(0x6f1c_3a52_8d1e_4b7a_9c0d_2e5f_7a8b_9c0d);
    format!("{stix_type}--{}", Uuid::new_v5(&ns, name.as_bytes()))
}

const T0: &str = "2026-10-01T09:00:00.000Z";

fn common(
    stix_type: &str,
    name: &str,
    org: &str,
    tlp: stix::Tlp,
) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    m.insert("type".into(), json!(stix_type));
    m.insert("spec_version".into(), json!("2.1"));
    m.insert("id".into(), json!(id(stix_type, name)));
    m.insert("created".into(), json!(T0));
    m.insert("modified".into(), json!(T0));
    m.insert("created_by_ref".into(), json!(stix::org_identity_id(org)));
    m.insert("object_marking_refs".into(), json!([tlp.marking_id()]));
    m
}

fn with(mut m: serde_json::Map<String, Value>, extra: Value) -> Value {
    if let Value::Object(extra) = extra {
        m.extend(extra);
    }
    Value::Object(m)
}

fn g7_objects() -> Vec<Value> {
    use stix::Tlp::*;
    let actor = id("threat-actor", "storm-demo");
    let campaign = id("campaign", "mirror-lake");
    vec![
        with(
            common("threat-actor", "storm-demo", "gov-ca", Green),
            json!({"name": "Storm-Demo", "threat_actor_types": ["nation-state"],
                   "description": "A fictional state-backed influence actor used in the rrm demo."}),
        ),
        with(
            common("campaign", "mirror-lake", "gov-ca", Amber),
            json!({"name": "Operation Mirror Lake",
                   "description": "Look-alike news sites amplified by coordinated accounts ahead of a national election.",
                   "first_seen": "2026-09-12T00:00:00.000Z"}),
        ),
        with(
            common("relationship", "mirror-lake-attributed", "gov-ca", Green),
            json!({"relationship_type": "attributed-to", "source_ref": campaign, "target_ref": actor}),
        ),
        with(
            common("indicator", "mirror-lake-domain", "gov-ca", AmberStrict),
            json!({"name": "Mirror Lake look-alike news domain", "pattern_type": "stix",
                   "pattern": "[domain-name:value = 'mirror-lake-news.example']",
                   "valid_from": T0, "indicator_types": ["malicious-activity"]}),
        ),
        with(
            common("indicator", "mirror-lake-source", "gov-ca", Red),
            json!({"name": "Mirror Lake operator infrastructure (source-sensitive)", "pattern_type": "stix",
                   "pattern": "[ipv4-addr:value = '198.51.100.23']", "valid_from": T0,
                   "extensions": {stix::RECIPIENTS_EXTENSION_ID: {
                       "extension_type": "property-extension",
                       "recipient_refs": [stix::org_identity_id("gov-de")]}}}),
        ),
        with(
            common("report", "mirror-lake-report", "gov-ca", Green),
            json!({"name": "Mirror Lake: situation report", "published": T0,
                   "report_types": ["campaign"], "object_refs": [campaign, actor],
                   "description": "Source details: a liaison officer's reporting (kept to TLP:RED recipients).",
                   "granular_markings": [{"marking_ref": stix::Tlp::Red.marking_id(), "selectors": ["description"]}]}),
        ),
    ]
}

fn platform_objects() -> Vec<Value> {
    use stix::Tlp::*;
    vec![
        with(
            common("indicator", "chirp-cib-url", "chirp", Green),
            json!({"name": "URL pushed by a coordinated account network", "pattern_type": "stix",
                   "pattern": "[url:value = 'https://mirror-lake-news.example/story/42']",
                   "valid_from": T0, "indicator_types": ["malicious-activity"]}),
        ),
        with(
            common("note", "chirp-takedown", "chirp", Amber),
            json!({"abstract": "Takedown", "content": "Chirp removed 312 accounts of this network on 2026-10-02.",
                   "object_refs": [id("indicator", "chirp-cib-url")]}),
        ),
    ]
}

fn public_objects() -> Vec<Value> {
    vec![with(
        common("report", "public-advisory", "gov-ca", stix::Tlp::Clear),
        json!({"name": "Advisory: look-alike news sites ahead of the election", "published": T0,
               "report_types": ["threat-report"], "object_refs": [id("campaign", "mirror-lake")]}),
    )]
}

/// The banner printed once the demo server listens.
pub fn banner(base: &str, metrics: bool) -> String {
    let health = if metrics {
        format!("{base}/healthz  {base}/metrics")
    } else {
        format!("{base}/healthz  (metrics: serve --metrics)")
    };
    let users: Vec<String> = USERS
        .iter()
        .map(|(u, o, r)| format!("    {u:<18} {o:<12} {r}"))
        .collect();
    format!(
        "\nrrm demo hub: {base}/\n\
         \x20 web console      {base}/  (sign in with a demo user below)\n\
         \x20 public site      {base}/transparency  (ad archive, advisories; no account)\n\
         \x20 TAXII discovery  {base}/taxii2/\n\
         \x20 TAXII API root   {base}/taxii2/hub/\n\
         \x20 REST API         {base}/api/v1/  (OpenAPI: {base}/api/v1/openapi.json)\n\
         \x20 health, metrics  {health}\n\
         \x20 ad archive       {base}/public/ads  {base}/public/elections  (no account)\n\
         \n  Demo users (password {PASSWORD}):\n{}\n\
         \n  Try:\n\
         \x20   curl -u de-analyst:{PASSWORD} -H 'Accept: application/taxii+json;version=2.1' {base}/taxii2/hub/collections/\n\
         \x20   python3 -c \"from taxii2client.v21 import Server; s = Server('{base}/taxii2/', user='de-analyst', password='{PASSWORD}'); \
         c = s.api_roots[0].collections[0]; print(c.title, len(c.get_objects().get('objects', [])))\"\n",
        users.join("\n")
    )
}

/// DISARM techniques the demo campaign uses: id, name.
const DEMO_TECHNIQUES: &[(&str, &str)] = &[
    ("T0049", "Flood Information Space"),
    ("T0085", "Develop Text-Based Content"),
    ("T0023", "Distort Facts"),
];

/// A response case on Operation Mirror Lake, owned by gov-ca with gov-de taking part: the
/// campaign `uses` three DISARM techniques (so the case lists suggested counters when the
/// galaxy is configured), one action proposed by ca-analyst and approved by ca-admin, and an
/// open vote on a joint statement.
fn seed_case(services: &server::Services) -> anyhow::Result<()> {
    let hub = &services.hub;
    let campaign = id("campaign", "mirror-lake");
    let mut objects = Vec::new();
    for (tid, name) in DEMO_TECHNIQUES {
        let ap = id("attack-pattern", tid);
        objects.push(with(
            common("attack-pattern", tid, "gov-ca", stix::Tlp::Green),
            json!({"name": name, "external_references": [{"source_name": "DISARM", "external_id": tid}]}),
        ));
        objects.push(with(
            common(
                "relationship",
                &format!("mirror-lake-uses-{tid}"),
                "gov-ca",
                stix::Tlp::Amber,
            ),
            json!({"relationship_type": "uses", "source_ref": campaign, "target_ref": ap}),
        ));
    }
    submit(hub, "ca-analyst", "g7-rrm", objects)?;
    let analyst = hub.principal_for("ca-analyst")?;
    let admin = hub.principal_for("ca-admin")?;
    let cases = &services.cases;
    let case = cases.create_case(
        &analyst,
        &cases::NewCase {
            title: "Operation Mirror Lake: coordinated response".into(),
            description: "Look-alike news sites amplified ahead of the election; agree on counters with partners.".into(),
            participants: vec!["gov-de".into()],
            objects: vec![cases::ObjectRef {
                collection: "g7-rrm".into(),
                id: campaign,
            }],
            alert: None,
        },
    )?;
    cases.change_status(&analyst, &case.id, response::case::CaseAction::Open, None)?;
    // The first suggested counter when the galaxy is configured.
    let counter = if cases.has_galaxy() {
        cases
            .options(&analyst, &case.id)?
            .into_iter()
            .next()
            .map(|o| o.counter_id)
    } else {
        None
    };
    let action = cases.draft_action(
        &analyst,
        &case.id,
        &cases::NewAction {
            title: "Ask Chirp to label the amplifying accounts".into(),
            description: "Share the account list with Chirp's trust and safety team.".into(),
            counter_id: counter,
            performing_org: "gov-ca".into(),
            target_org: Some("chirp".into()),
            due: Some(hub::now_secs() + 14 * 24 * 3600),
        },
    )?;
    cases.step_action(
        &analyst,
        &case.id,
        &action.id,
        response::action::ActionStep::Propose,
    )?;
    cases.step_action(
        &admin,
        &case.id,
        &action.id,
        response::action::ActionStep::Approve,
    )?;
    cases.open_proposal(
        &analyst,
        &case.id,
        &cases::NewProposal {
            text: "Canada and Germany call out Operation Mirror Lake as a foreign information manipulation campaign.".into(),
            rule: response::vote::DecisionRule::Consensus,
            deadline: None,
        },
    )?;
    Ok(())
}

/// The amplifying accounts of Operation Mirror Lake on Chirp (login, platform user id), found
/// by the demo's coordination detection.
const DEMO_ACCOUNTS: &[(&str, &str)] = &[
    ("mirrorlake_daily", "chirp-70011"),
    ("lakeside_truth", "chirp-70012"),
    ("north_voice_24", "chirp-70013"),
];

/// A post set from Chirp in which [`DEMO_ACCOUNTS`] post the same message within seconds of
/// each other twelve times, among thirty accounts posting on their own.
fn demo_posts() -> String {
    let mut rows =
        vec!["message_id,user_id,username,repost_id,reply_id,message,timestamp,urls".to_string()];
    let mut n = 0;
    for k in 0..12i64 {
        let t0 = 1_764_000_000 + k * 7200;
        for (j, (login, uid)) in DEMO_ACCOUNTS.iter().enumerate() {
            n += 1;
            rows.push(format!(
                "p{n},{uid},{login},,,The polling date has moved to Tuesday (notice {k}),{},https://mirror-lake-news.example/{k}",
                t0 + 3 * j as i64
            ));
        }
    }
    for u in 0..30i64 {
        for k in 0..4i64 {
            n += 1;
            rows.push(format!(
                "p{n},chirp-{},reader_{u},,,Thoughts on day {k} from reader {u},{},",
                80_000 + u,
                1_764_000_000 + u * 977 + k * 5003
            ));
        }
    }
    rows.join("\n") + "\n"
}

/// Runs the demo's coordination detection on [`demo_posts`] as `analyst` and publishes its group
/// of [`DEMO_ACCOUNTS`] to `g7-rrm` at TLP:AMBER; returns the grouping's and the note's ids.
fn seed_detection(
    services: &server::Services,
    analyst: &hub::Principal,
) -> anyhow::Result<(String, String)> {
    let det = detect::Detections::new(
        services.hub.clone(),
        services.detect_store.clone(),
        detect::DetectLimits::default(),
    );
    let ds = det.upload(
        analyst,
        "mirror-lake-chirp.csv",
        demo_posts().as_bytes(),
        None,
        false,
        Some("chirp".into()),
    )?;
    let job = det.create_job(
        analyst,
        &detect::DetectRequest {
            dataset: ds.id,
            networks: vec!["co_tweet".into()],
            window: Some(60.0),
            min_weight: 3,
            similarity: 0.8,
        },
    )?;
    det.run(&job);
    let view = serde_json::to_value(det.job(analyst, &job)?)?;
    let want: std::collections::BTreeSet<&str> = DEMO_ACCOUNTS.iter().map(|(_, id)| *id).collect();
    let group = view["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|g| {
            let members: std::collections::BTreeSet<&str> = g["members"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|m| m["user_id"].as_str())
                .collect();
            members == want
        })
        .and_then(|g| g["id"].as_str())
        .map(str::to_string)
        .with_context(|| format!("the demo detection did not find the three accounts: {view}"))?;
    let outcome = det.publish(
        analyst,
        &job,
        &detect::PublishRequest {
            groups: vec![group],
            collection: "g7-rrm".into(),
            tlp: store::Tlp::Amber,
        },
    )?;
    let published = outcome
        .published
        .into_iter()
        .next()
        .context("the demo detection published no group")?;
    Ok((published.grouping, published.note))
}

/// A statement of reasons in the DSA Transparency Database schema for the demo decision,
/// complete under the Database's rules (checked by `sor::parse`).
fn demo_statement(puid: &str) -> anyhow::Result<sor::Statement> {
    let v = json!({
        "decision_visibility": ["DECISION_VISIBILITY_CONTENT_REMOVED"],
        "decision_account": "DECISION_ACCOUNT_SUSPENDED",
        "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
        "incompatible_content_ground": "Chirp rules, platform manipulation and spam, section 2",
        "incompatible_content_explanation": "The account is part of a network amplifying look-alike news sites.",
        "category": "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
        "content_type": ["CONTENT_TYPE_TEXT"],
        "automated_detection": "No",
        "automated_decision": "AUTOMATED_DECISION_NOT_AUTOMATED",
        "application_date": "2026-11-30",
        "decision_facts": "Suspended after review of the notice from RRM Canada and of the account's activity.",
        "source_type": "SOURCE_ARTICLE_16",
        "puid": puid,
        "territorial_scope": ["BE", "FR"],
        "content_date": "2026-11-29",
        "content_language": "EN"
    });
    sor::parse(&v.to_string(), clock::now_secs())
        .map_err(|e| anyhow::anyhow!("demo statement of reasons: {e}"))
}

/// A DSA Art. 16 notice from gov-ca to Chirp about the accounts of Operation Mirror Lake, as
/// the action of the demo case: written by ca-analyst, approved by ca-admin, sent,
/// acknowledged by Chirp, and its first account decided (suspended, with a statement of
/// reasons).
fn seed_notice(services: &server::Services) -> anyhow::Result<()> {
    let hub = &services.hub;
    let analyst = hub.principal_for("ca-analyst")?;
    let admin = hub.principal_for("ca-admin")?;
    let chirp = hub.principal_for("chirp-analyst")?;
    let case = services
        .cases
        .case_page(
            &analyst,
            &cases::CaseListQuery {
                role: cases::CaseRole::Mine,
                limit: Some(1),
                next: None,
            },
        )?
        .cases
        .into_iter()
        .next();
    let action = match &case {
        Some(c) => services
            .cases
            .actions(&analyst, &c.id)?
            .into_iter()
            .next()
            .map(|a| a.id),
        None => None,
    };
    let (grouping, note) = seed_detection(services, &analyst).context("demo detection")?;
    let content: response::notice::NoticeContent = serde_json::from_value(json!({
        "kind": "dsa-art16",
        "explanation": "The three accounts amplify the look-alike news sites of Operation Mirror Lake with coordinated posts announcing a false change of the polling date.",
        "ground": "Canada Elections Act, s. 91(1) (false statements to affect election results)",
        "territorial_scope": ["CA"],
        "contact": {"name": "RRM Canada", "email": "rrm-mrr@example.gc.ca"},
        "bona_fide": true
    }))?;
    let notices = &services.notices;
    let n = notices.draft_from_detection(
        &analyst,
        &notices::FromDetection {
            collection: "g7-rrm".into(),
            grouping,
            note: Some(note),
            notice: notices::NewNotice {
                recipient: "chirp".into(),
                tlp: Some(stix::Tlp::Amber),
                content,
                case_id: case.map(|c| c.id),
                action_id: action,
                respond_by: Some(hub::now_secs() + 7 * 24 * 3600),
            },
        },
    )?;
    notices.approve(&admin, &n.id)?;
    notices.send(&analyst, &n.id)?;
    notices.acknowledge(&chirp, &n.id)?;
    notices.decide(
        &chirp,
        &n.id,
        &[notices::NewDecision {
            item: 0,
            outcome: response::notice::ItemOutcome::Actioned,
            statement: Some(demo_statement(DEMO_ACCOUNTS[0].1)?),
        }],
    )?;
    Ok(())
}
