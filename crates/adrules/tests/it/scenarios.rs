//! Table-driven legal scenarios: each one cites the rule it exercises, mostly at its boundaries
//! (the day before, on and after each window edge; thresholds met and missed; control chains;
//! payers different from sponsors), and says whether that rule fires and what the verdict is.

use crate::common;

use adrules::{Engine, Outcome};
use common::{ca, drop_field, eu, put, run, sponsor};
use serde_json::{json, Value};

/// One scenario.
struct Scenario {
    /// What the scenario shows.
    name: &'static str,
    /// Id of the rule it exercises.
    rule: &'static str,
    /// The submission.
    doc: Value,
    /// Whether `rule` must fire.
    fires: bool,
    /// The expected verdict.
    verdict: Outcome,
}

fn sc(
    name: &'static str,
    rule: &'static str,
    doc: Value,
    fires: bool,
    verdict: Outcome,
) -> Scenario {
    Scenario {
        name,
        rule,
        doc,
        fires,
        verdict,
    }
}

/// The Canadian base with one edit.
fn ca_with(f: impl FnOnce(&mut Value)) -> Value {
    let mut v = ca();
    f(&mut v);
    v
}

/// The EU base with one edit.
fn eu_with(f: impl FnOnce(&mut Value)) -> Value {
    let mut v = eu();
    f(&mut v);
    v
}

/// Sets the platform's Canadian reach to one language.
fn reach(v: &mut Value, lang: &str, n: u64) {
    put(
        v,
        "/platform/monthly_reach_ca",
        json!([{"language": lang, "visitors": n}]),
    );
}

/// Sets the platform's Canadian reach in several languages, with an optional main language.
fn reach_by(v: &mut Value, langs: &[(&str, u64)], main: Option<&str>) {
    let list: Vec<Value> = langs
        .iter()
        .map(|(l, n)| json!({"language": l, "visitors": n}))
        .collect();
    put(v, "/platform/monthly_reach_ca", json!(list));
    if let Some(m) = main {
        put(v, "/platform/main_language", json!(m));
    }
}

/// Shows the ad only in the Pacific district (Abbotsford, polls close 19:00 at -07:00).
fn pacific(v: &mut Value) {
    put(v, "/ad/districts", json!(["59001"]));
}

/// A one-day Canadian dissemination on `day` (noon Eastern).
fn ca_day(v: &mut Value, day: &str) {
    run(
        v,
        &format!("{day}T12:00:00-04:00"),
        &format!("{day}T13:00:00-04:00"),
    );
}

/// A foreign payer (a US corporation) different from the sponsor.
fn us_payer(v: &mut Value) {
    let arr = v["sponsors"].as_array_mut().expect("sponsors");
    arr.push(sponsor(
        "uscorp",
        "corporation",
        json!({"established_in": "US"}),
    ));
    put(v, "/ad/payer", json!("uscorp"));
}

/// An EU dissemination from `start` to `end` (days, UTC noon).
fn eu_days(v: &mut Value, start: &str, end: &str) {
    run(
        v,
        &format!("{start}T12:00:00Z"),
        &format!("{end}T12:00:00Z"),
    );
    put(v, "/ad/notice/period", json!({"start": start, "end": end}));
}

/// Makes the EU sponsor a US corporation.
fn eu_us_sponsor(v: &mut Value) {
    put(v, "/sponsors/0/established_in", json!("US"));
}

fn scenarios() -> Vec<Scenario> {
    use Outcome::*;
    vec![
        // --- CA-325.1-1: registry duty by reach threshold (at or above the threshold) ---
        sc("English reach exactly 3,000,000", "CA-325.1-1", ca(), true, Accept),
        sc("English reach 2,999,999", "CA-325.1-1", ca_with(|v| reach(v, "en", 2_999_999)), false, Accept),
        sc("French reach exactly 1,000,000", "CA-325.1-1", ca_with(|v| reach(v, "fr", 1_000_000)), true, Accept),
        sc("French reach 999,999", "CA-325.1-1", ca_with(|v| reach(v, "fr", 999_999)), false, Accept),
        sc("Punjabi reach exactly 100,000", "CA-325.1-1", ca_with(|v| reach(v, "pa", 100_000)), true, Accept),
        sc("Punjabi reach 99,999", "CA-325.1-1", ca_with(|v| reach(v, "pa", 99_999)), false, Accept),
        sc("English 2,000,000 does not meet the English threshold even though it is over the other-language one",
            "CA-325.1-1", ca_with(|v| reach(v, "en", 2_000_000)), false, Accept),
        // --- CA-325.1-1: visitors of every language against the main language's threshold ---
        sc("mainly English: 2.5M English and 0.6M French visitors make 3.1M, over the English threshold",
            "CA-325.1-1", ca_with(|v| reach_by(v, &[("en", 2_500_000), ("fr", 600_000)], None)), true, Accept),
        sc("mainly English: 2.3M English and 0.6M French make 2.9M, under the English threshold",
            "CA-325.1-1", ca_with(|v| reach_by(v, &[("en", 2_300_000), ("fr", 600_000)], None)), false, Accept),
        sc("stated mainly English: 1.2M French visitors do not apply the French threshold",
            "CA-325.1-1", ca_with(|v| reach_by(v, &[("en", 1_000_000), ("fr", 1_200_000)], Some("en"))), false, Accept),
        sc("stated mainly French: 0.7M French and 0.35M English make 1.05M, over the French threshold",
            "CA-325.1-1", ca_with(|v| reach_by(v, &[("en", 350_000), ("fr", 700_000)], Some("fr"))), true, Accept),
        sc("mainly Punjabi: 60,000 Punjabi and 50,000 English make 110,000, over the other-language threshold",
            "CA-325.1-1", ca_with(|v| reach_by(v, &[("pa", 60_000), ("en", 50_000)], None)), true, Accept),
        sc("English and French tied: the lower (French) threshold applies to 1.2M visitors",
            "CA-325.1-1", ca_with(|v| reach_by(v, &[("en", 600_000), ("fr", 600_000)], None)), true, Accept),
        // --- CA-325.1-3: required registry content ---
        sc("no electronic copy of the ad", "CA-325.1-3", ca_with(|v| drop_field(v, "/ad/creative")), true, Reject),
        sc("blank authorizing person", "CA-325.1-3", ca_with(|v| put(v, "/ad/authorized_by", json!("  "))), true, Reject),
        sc("no copy, but the platform is under the threshold", "CA-325.1-3",
            ca_with(|v| { drop_field(v, "/ad/creative"); reach(v, "en", 2_999_999) }), false, Accept),
        // --- periods: election period edges (issue ads are election advertising only) ---
        sc("issue ad on the day before the writ", "CA-325.1-1",
            ca_with(|v| { put(v, "/ad/class", json!("issue")); ca_day(v, "2029-09-08") }), false, Accept),
        sc("issue ad on the day of the writ", "CA-325.1-1",
            ca_with(|v| { put(v, "/ad/class", json!("issue")); ca_day(v, "2029-09-09") }), true, Accept),
        sc("issue ad running unchanged from the day before into polling day", "CA-325.1-1",
            ca_with(|v| { put(v, "/ad/class", json!("issue")); run(v, "2029-10-14T12:00:00-04:00", "2029-10-15T13:00:00-04:00") }), true, Accept),
        sc("partisan ad on the day after polling day", "CA-325.1-1", ca_with(|v| ca_day(v, "2029-10-16")), false, Accept),
        // --- periods: pre-election period edges (June 30 to the day before the writ) ---
        sc("partisan ad on June 29", "CA-325.1-1", ca_with(|v| ca_day(v, "2029-06-29")), false, Accept),
        sc("partisan ad on June 30", "CA-325.1-1", ca_with(|v| ca_day(v, "2029-06-30")), true, Accept),
        sc("partisan ad on July 1", "CA-325.1-1", ca_with(|v| ca_day(v, "2029-07-01")), true, Accept),
        sc("partisan ad on the day before the writ", "CA-325.1-1", ca_with(|v| ca_day(v, "2029-09-08")), true, Accept),
        sc("no pre-election period for an election that is not fixed-date", "CA-325.1-1",
            ca_with(|v| { put(v, "/elections/0/fixed_date", json!(false)); ca_day(v, "2029-07-01") }), false, Accept),
        // --- CA-282.4-5: foreign buyer of election advertising ---
        sc("payer, not the sponsor, is a US corporation", "CA-282.4-5", ca_with(us_payer), true, Block),
        sc("US-formed payer that carries on business in Canada", "CA-282.4-5",
            ca_with(|v| { us_payer(v); put(v, "/sponsors/1/operates_in", json!(["CA"])) }), false, Accept),
        sc("individual sponsor, US citizen living in the US", "CA-282.4-5",
            ca_with(|v| put(v, "/sponsors/0", sponsor("ctp", "individual",
                json!({"citizenship": ["US"], "residence": "US", "canadian_role": "third_party"})))), true, Block),
        sc("individual sponsor, US citizen and Canadian permanent resident", "CA-282.4-5",
            ca_with(|v| put(v, "/sponsors/0", sponsor("ctp", "individual",
                json!({"citizenship": ["US"], "permanent_resident_of": ["CA"], "residence": "US", "disclosed_name": "Citizens for Transit"})))), false, Accept),
        sc("individual sponsor, US citizen residing in Canada", "CA-282.4-5",
            ca_with(|v| put(v, "/sponsors/0", sponsor("ctp", "individual",
                json!({"citizenship": ["US"], "residence": "CA", "disclosed_name": "Citizens for Transit"})))), false, Accept),
        sc("foreign payer on the day before the writ (partisan, not election advertising)", "CA-282.4-5",
            ca_with(|v| { us_payer(v); ca_day(v, "2029-09-08") }), false, Accept),
        sc("foreign payer on the day of the writ", "CA-282.4-5",
            ca_with(|v| { us_payer(v); ca_day(v, "2029-09-09") }), true, Block),
        sc("foreign government as payer", "CA-282.4-5",
            ca_with(|v| {
                v["sponsors"].as_array_mut().expect("sponsors")
                    .push(sponsor("gov", "government", json!({"established_in": "RU"})));
                put(v, "/ad/payer", json!("gov"));
            }), true, Block),
        sc("trade union without bargaining rights in Canada", "CA-282.4-5",
            ca_with(|v| put(v, "/sponsors/0", sponsor("ctp", "trade_union",
                json!({"established_in": "CA", "operates_in": ["US"]})))), true, Block),
        // --- CA-349.02: third parties may not use foreign funds ---
        sc("third party funded from the US", "CA-349.02",
            ca_with(|v| put(v, "/sponsors/0/funding/1",
                json!({"amount": {"minor": 1000, "currency": "USD"}, "origin": "US", "source": "private"}))), true, Reject),
        sc("registered party (not a third party) with US funding", "CA-349.02",
            ca_with(|v| {
                put(v, "/sponsors/0/canadian_role", json!("registered_party"));
                put(v, "/sponsors/0/funding/1",
                    json!({"amount": {"minor": 1000, "currency": "USD"}, "origin": "US", "source": "private"}));
            }), false, Accept),
        sc("candidate sponsor, third-party payer funded from the UK", "CA-349.02",
            ca_with(|v| {
                put(v, "/sponsors/0/canadian_role", json!("candidate"));
                v["sponsors"].as_array_mut().expect("sponsors").push(sponsor("tp2", "association", json!({
                    "established_in": "CA", "canadian_role": "third_party",
                    "funding": [{"amount": {"minor": 50000, "currency": "GBP"}, "origin": "GB", "source": "private"}]
                })));
                put(v, "/ad/payer", json!("tp2"));
            }), true, Reject),
        // --- taglines ---
        sc("tagline present", "CA-TAGLINE-PRESENT", ca(), false, Accept),
        sc("non-political ad without a tagline", "CA-TAGLINE-PRESENT",
            ca_with(|v| { put(v, "/ad/class", json!("non_political")); drop_field(v, "/ad/tagline") }), false, Accept),
        sc("no tagline", "CA-TAGLINE-PRESENT", ca_with(|v| drop_field(v, "/ad/tagline")), true, Reject),
        sc("tagline names someone else", "CA-TAGLINE-NAME",
            ca_with(|v| put(v, "/ad/tagline", json!("Authorized by the Transit Fund"))), true, Flag),
        sc("French tagline naming the authorized agent", "CA-TAGLINE-NAME",
            ca_with(|v| put(v, "/ad/tagline", json!("Autorisé par l'agente officielle Jane Roe"))), false, Accept),
        sc("tagline without the word authorized", "CA-TAGLINE-AUTH",
            ca_with(|v| put(v, "/ad/tagline", json!("Paid for by Citizens for Transit"))), true, Flag),
        sc("British spelling: Authorised by", "CA-TAGLINE-AUTH",
            ca_with(|v| put(v, "/ad/tagline", json!("Authorised by Citizens for Transit"))), false, Accept),
        // --- CA-323: polling-day blackout ---
        sc("new ad one second before the Ajax polls close", "CA-323",
            ca_with(|v| run(v, "2029-10-15T21:29:59-04:00", "2029-10-15T23:00:00-04:00")), true, Block),
        sc("new ad in Ajax exactly when its polls close", "CA-323",
            ca_with(|v| { put(v, "/ad/districts", json!(["35001"])); run(v, "2029-10-15T21:30:00-04:00", "2029-10-15T23:00:00-04:00") }), false, Accept),
        sc("new ad everywhere at 21:30 Eastern: Abbotsford (19:00 Pacific) is still open", "CA-323",
            ca_with(|v| run(v, "2029-10-15T21:30:00-04:00", "2029-10-15T23:00:00-04:00")), true, Block),
        sc("new ad at the last second of the day before polling day", "CA-323",
            ca_with(|v| run(v, "2029-10-14T23:59:59-04:00", "2029-10-15T23:00:00-04:00")), false, Accept),
        sc("new ad at local midnight of polling day", "CA-323",
            ca_with(|v| run(v, "2029-10-15T00:00:00-04:00", "2029-10-15T23:00:00-04:00")), true, Block),
        sc("unchanged ad online since before polling day, changed on polling day", "CA-323",
            ca_with(|v| put(v, "/ad/versions/1",
                json!({"version": 2, "first_shown": "2029-10-15T10:00:00-04:00"}))), true, Block),
        sc("Pacific district only: 21:45 Eastern is before its 19:00 Pacific close", "CA-323",
            ca_with(|v| { put(v, "/ad/districts", json!(["59001"])); run(v, "2029-10-15T21:45:00-04:00", "2029-10-15T23:30:00-04:00") }), true, Block),
        sc("Ontario district only: 21:45 Eastern is after its close", "CA-323",
            ca_with(|v| { put(v, "/ad/districts", json!(["35001"])); run(v, "2029-10-15T21:45:00-04:00", "2029-10-15T23:30:00-04:00") }), false, Accept),
        // --- periods counted in the district's time zone, whatever offset an instant is written in ---
        sc("first shown 2029-10-16T01:40Z, 18:40 in Abbotsford on polling day: election period", "CA-325.1-1",
            ca_with(|v| { pacific(v); run(v, "2029-10-16T01:40:00Z", "2029-10-16T01:55:00Z") }), true, Block),
        sc("same instant: the Abbotsford polls are still open, so the blackout applies", "CA-323",
            ca_with(|v| { pacific(v); run(v, "2029-10-16T01:40:00Z", "2029-10-16T01:55:00Z") }), true, Block),
        sc("same instant without a tagline: the tagline rule fires in the election period", "CA-TAGLINE-PRESENT",
            ca_with(|v| { pacific(v); drop_field(v, "/ad/tagline"); run(v, "2029-10-16T01:40:00Z", "2029-10-16T01:55:00Z") }), true, Block),
        sc("same instant written at +02:00 (03:40 on 16 October there): still polling day in Abbotsford", "CA-325.1-1",
            ca_with(|v| { pacific(v); run(v, "2029-10-16T03:40:00+02:00", "2029-10-16T03:55:00+02:00") }), true, Block),
        sc("2029-10-16T06:30Z, 23:30 in Abbotsford on polling day, after its polls closed", "CA-325.1-1",
            ca_with(|v| { pacific(v); run(v, "2029-10-16T06:30:00Z", "2029-10-16T06:45:00Z") }), true, Accept),
        sc("2029-10-16T07:00Z, midnight in Abbotsford: the day after polling day", "CA-325.1-1",
            ca_with(|v| { pacific(v); run(v, "2029-10-16T07:00:00Z", "2029-10-16T08:00:00Z") }), false, Accept),
        sc("2029-10-16T04:30Z in Ajax is 00:30 on the day after polling day", "CA-325.1-1",
            ca_with(|v| { put(v, "/ad/districts", json!(["35001"])); run(v, "2029-10-16T04:30:00Z", "2029-10-16T05:00:00Z") }), false, Accept),
        sc("2029-10-16T04:30Z in every district: still polling day in Abbotsford", "CA-325.1-1",
            ca_with(|v| run(v, "2029-10-16T04:30:00Z", "2029-10-16T05:00:00Z")), true, Accept),
        sc("issue ad 2029-09-09T03:30Z in Ajax is 23:30 the day before the writ", "CA-325.1-1",
            ca_with(|v| { put(v, "/ad/class", json!("issue")); put(v, "/ad/districts", json!(["35001"])); run(v, "2029-09-09T03:30:00Z", "2029-09-09T03:50:00Z") }), false, Accept),
        sc("issue ad 2029-09-09T04:00Z in Ajax is midnight of the writ day", "CA-325.1-1",
            ca_with(|v| { put(v, "/ad/class", json!("issue")); put(v, "/ad/districts", json!(["35001"])); run(v, "2029-09-09T04:00:00Z", "2029-09-09T04:20:00Z") }), true, Accept),
        sc("partisan ad 2029-06-30T03:00Z in Abbotsford is 20:00 on June 29, before the pre-election period", "CA-325.1-1",
            ca_with(|v| { pacific(v); run(v, "2029-06-30T03:00:00Z", "2029-06-30T04:00:00Z") }), false, Accept),
        sc("partisan ad 2029-06-30T07:00Z in Abbotsford is midnight of June 30", "CA-325.1-1",
            ca_with(|v| { pacific(v); run(v, "2029-06-30T07:00:00Z", "2029-06-30T08:00:00Z") }), true, Accept),
        sc("election without districts: an instant counts on the day of its own offset", "CA-325.1-1",
            ca_with(|v| { put(v, "/elections/0/districts", json!([])); run(v, "2029-10-16T01:40:00Z", "2029-10-16T01:55:00Z") }), false, Accept),
        // --- EU-ART5-2-SPONSOR: third-country sponsors in the three months before the vote ---
        sc("EU sponsor controlled through two entities by a US company", "EU-ART5-2-SPONSOR",
            eu_with(|v| {
                put(v, "/sponsors/0/controlled_by", json!("holding-nl"));
                let arr = v["sponsors"].as_array_mut().expect("sponsors");
                arr.push(sponsor("holding-nl", "corporation", json!({"established_in": "NL", "controlled_by": "parent-us"})));
                arr.push(sponsor("parent-us", "corporation", json!({"established_in": "US"})));
                put(v, "/ad/label/controlling_entity", json!("parent-us legal name"));
                put(v, "/ad/notice/controlling_entity", json!("parent-us legal name"));
            }), true, Block),
        sc("EU sponsor controlled through two entities, all in the EU", "EU-ART5-2-SPONSOR",
            eu_with(|v| {
                put(v, "/sponsors/0/controlled_by", json!("holding-nl"));
                let arr = v["sponsors"].as_array_mut().expect("sponsors");
                arr.push(sponsor("holding-nl", "corporation", json!({"established_in": "NL", "controlled_by": "parent-fr"})));
                arr.push(sponsor("parent-fr", "corporation", json!({"established_in": "FR"})));
                put(v, "/ad/label/controlling_entity", json!("parent-fr legal name"));
                put(v, "/ad/notice/controlling_entity", json!("parent-fr legal name"));
            }), false, Accept),
        sc("EU sponsor controlled by a US national", "EU-ART5-2-SPONSOR",
            eu_with(|v| {
                put(v, "/sponsors/0/controlled_by", json!("owner"));
                v["sponsors"].as_array_mut().expect("sponsors").push(sponsor("owner", "individual",
                    json!({"citizenship": ["US"], "residence": "DE"})));
                put(v, "/ad/label/controlling_entity", json!("owner legal name"));
                put(v, "/ad/notice/controlling_entity", json!("owner legal name"));
            }), true, Block),
        sc("US sponsor, last day shown the day before the window opens", "EU-ART5-2-SPONSOR",
            eu_with(|v| { eu_us_sponsor(v); eu_days(v, "2026-06-01", "2026-06-26") }), false, Accept),
        sc("US sponsor, last day shown the day the window opens", "EU-ART5-2-SPONSOR",
            eu_with(|v| { eu_us_sponsor(v); eu_days(v, "2026-06-01", "2026-06-27") }), true, Block),
        sc("US sponsor, first shown on polling day", "EU-ART5-2-SPONSOR",
            eu_with(|v| { eu_us_sponsor(v); eu_days(v, "2026-09-27", "2026-09-30") }), true, Block),
        sc("US sponsor, first shown the day after polling day", "EU-ART5-2-SPONSOR",
            eu_with(|v| { eu_us_sponsor(v); eu_days(v, "2026-09-28", "2026-09-30") }), false, Accept),
        sc("window opening clamps to 28 February for polling day 31 May (27 Feb: outside)", "EU-ART5-2-SPONSOR",
            eu_with(|v| {
                eu_us_sponsor(v);
                put(v, "/elections/0/polling_day", json!("2026-05-31"));
                eu_days(v, "2026-02-01", "2026-02-27");
            }), false, Accept),
        sc("window opening clamps to 28 February for polling day 31 May (28 Feb: inside)", "EU-ART5-2-SPONSOR",
            eu_with(|v| {
                eu_us_sponsor(v);
                put(v, "/elections/0/polling_day", json!("2026-05-31"));
                eu_days(v, "2026-02-01", "2026-02-28");
            }), true, Block),
        sc("third-country national resident in the EU who declares the right to vote", "EU-ART5-2-SPONSOR",
            eu_with(|v| put(v, "/sponsors/0", sponsor("verein", "individual", json!({
                "citizenship": ["US"], "residence": "DE",
                "eu_declaration": {"basis": "resident_voter", "declared_on": "2026-07-01"}})))), false, Accept),
        sc("third-country national living outside the EU", "EU-ART5-2-SPONSOR",
            eu_with(|v| put(v, "/sponsors/0", sponsor("verein", "individual", json!({
                "citizenship": ["US"], "residence": "US",
                "eu_declaration": {"basis": "resident_voter", "declared_on": "2026-07-01"}})))), true, Block),
        sc("the Regulation is not yet applicable on 9 October 2025", "EU-ART5-2-SPONSOR",
            eu_with(|v| {
                eu_us_sponsor(v);
                put(v, "/elections/0/polling_day", json!("2025-11-30"));
                eu_days(v, "2025-10-01", "2025-10-09");
            }), false, Accept),
        sc("the Regulation applies from 10 October 2025", "EU-ART5-2-SPONSOR",
            eu_with(|v| {
                eu_us_sponsor(v);
                put(v, "/elections/0/polling_day", json!("2025-11-30"));
                eu_days(v, "2025-10-01", "2025-10-10");
            }), true, Block),
        // --- EU-ART5-2-DECLARATION and EU-ART5-2-PAYER ---
        sc("no self-declaration inside the window", "EU-ART5-2-DECLARATION",
            eu_with(|v| drop_field(v, "/sponsors/0/eu_declaration")), true, Reject),
        sc("no self-declaration, ad ends the day before the window", "EU-ART5-2-DECLARATION",
            eu_with(|v| { drop_field(v, "/sponsors/0/eu_declaration"); eu_days(v, "2026-06-01", "2026-06-26") }), false, Accept),
        sc("EU sponsor, payer a US company", "EU-ART5-2-PAYER",
            eu_with(|v| {
                v["sponsors"].as_array_mut().expect("sponsors").push(sponsor("uspay", "corporation", json!({"established_in": "US"})));
                put(v, "/ad/payer", json!("uspay"));
            }), true, Flag),
        sc("EU sponsor, payer an Irish company", "EU-ART5-2-PAYER",
            eu_with(|v| {
                v["sponsors"].as_array_mut().expect("sponsors").push(sponsor("iepay", "corporation", json!({"established_in": "IE"})));
                put(v, "/ad/payer", json!("iepay"));
            }), false, Accept),
        // --- EU-ART11-LABEL ---
        sc("no label", "EU-ART11-LABEL", eu_with(|v| drop_field(v, "/ad/label")), true, Reject),
        sc("label without the link to the notice", "EU-ART11-LABEL",
            eu_with(|v| drop_field(v, "/ad/label/notice_url")), true, Reject),
        sc("controlled sponsor, label lacks the controlling entity", "EU-ART11-LABEL",
            eu_with(|v| {
                put(v, "/sponsors/0/controlled_by", json!("parent-fr"));
                v["sponsors"].as_array_mut().expect("sponsors").push(sponsor("parent-fr", "corporation", json!({"established_in": "FR"})));
                put(v, "/ad/notice/controlling_entity", json!("parent-fr legal name"));
            }), true, Reject),
        sc("complete label", "EU-ART11-LABEL", eu(), false, Accept),
        sc("personal-data targeting, label lacks the targeting statement", "EU-ART11-LABEL",
            eu_with(|v| put(v, "/ad/targeting/1", json!({"kind": "interest", "values": ["cycling"],
                "personal_data": true, "data_categories": ["interests"],
                "data_source": "data_subject", "consent_basis": "explicit_consent"}))), true, Reject),
        // --- EU-ART12 ---
        sc("complete notice", "EU-ART12-NOTICE", eu(), false, Accept),
        sc("notice truthfully declares US funds (no mismatch), ad before the window", "EU-ART12-ORIGIN",
            eu_with(|v| {
                put(v, "/sponsors/0/funding/1",
                    json!({"amount": {"minor": 10000, "currency": "USD"}, "origin": "US", "source": "private"}));
                put(v, "/ad/notice/amount_origin/outside_eu", json!(true));
                eu_days(v, "2026-06-01", "2026-06-26");
            }), false, Accept),
        sc("notice without the payer", "EU-ART12-NOTICE", eu_with(|v| drop_field(v, "/ad/notice/payer")), true, Reject),
        sc("notice not naming the linked election", "EU-ART12-NOTICE",
            eu_with(|v| put(v, "/ad/notice/linked_elections", json!([]))), true, Reject),
        sc("notice says inside the EU but the sponsor has US funds", "EU-ART12-ORIGIN",
            eu_with(|v| put(v, "/sponsors/0/funding/1",
                json!({"amount": {"minor": 10000, "currency": "USD"}, "origin": "US", "source": "private"}))), true, Reject),
        sc("US funds declared in the notice, inside the window", "EU-ART12-FOREIGN-FUNDS",
            eu_with(|v| {
                put(v, "/sponsors/0/funding/1",
                    json!({"amount": {"minor": 10000, "currency": "USD"}, "origin": "US", "source": "private"}));
                put(v, "/ad/notice/amount_origin/outside_eu", json!(true));
            }), true, Flag),
        sc("US funds declared in the notice, ad ends before the window", "EU-ART12-FOREIGN-FUNDS",
            eu_with(|v| {
                put(v, "/sponsors/0/funding/1",
                    json!({"amount": {"minor": 10000, "currency": "USD"}, "origin": "US", "source": "private"}));
                put(v, "/ad/notice/amount_origin/outside_eu", json!(true));
                eu_days(v, "2026-06-01", "2026-06-26");
            }), false, Accept),
        // --- EU-ART18 ---
        sc("targeting on political opinions", "EU-ART18-1-SPECIAL",
            eu_with(|v| {
                put(v, "/ad/targeting/0/data_categories", json!(["location", "political_opinions"]));
            }), true, Block),
        sc("personal-data targeting on a legitimate-interest basis", "EU-ART18-1-CONSENT",
            eu_with(|v| {
                put(v, "/ad/targeting/0", json!({"kind": "interest", "personal_data": true,
                    "data_categories": ["interests"], "data_source": "data_subject", "consent_basis": "other"}));
                put(v, "/ad/label/targeting_statement", json!("Targeted by interest"));
            }), true, Block),
        sc("location targeting without personal data", "EU-ART18-1-SPECIAL", eu(), false, Accept),
        sc("interest targeting with explicit consent, data from the subject", "EU-ART18-1-CONSENT",
            eu_with(|v| {
                put(v, "/ad/targeting/0", json!({"kind": "interest", "personal_data": true,
                    "data_categories": ["interests"], "data_source": "data_subject", "consent_basis": "explicit_consent"}));
                put(v, "/ad/label/targeting_statement", json!("Targeted by interest"));
            }), false, Accept),
        sc("interest targeting with data collected from the subject", "EU-ART18-1-SOURCE",
            eu_with(|v| {
                put(v, "/ad/targeting/0", json!({"kind": "interest", "personal_data": true,
                    "data_categories": ["interests"], "data_source": "data_subject", "consent_basis": "explicit_consent"}));
                put(v, "/ad/label/targeting_statement", json!("Targeted by interest"));
            }), false, Accept),
        sc("personal data bought from a broker", "EU-ART18-1-SOURCE",
            eu_with(|v| {
                put(v, "/ad/targeting/0", json!({"kind": "custom_audience", "personal_data": true,
                    "data_categories": ["contact_list"], "data_source": "third_party", "consent_basis": "explicit_consent"}));
                put(v, "/ad/label/targeting_statement", json!("Targeted by contact list"));
            }), true, Block),
        sc("age 16+ for voting age 18 (two years under)", "EU-ART18-2-MINORS",
            eu_with(|v| put(v, "/ad/targeting/1", json!({"kind": "age", "age_min": 16}))), true, Block),
        sc("age 17+ for voting age 18 (under one year under)", "EU-ART18-2-MINORS",
            eu_with(|v| put(v, "/ad/targeting/1", json!({"kind": "age", "age_min": 17}))), false, Accept),
        sc("age 18+ for voting age 18", "EU-ART18-2-MINORS",
            eu_with(|v| put(v, "/ad/targeting/1", json!({"kind": "age", "age_min": 18}))), false, Accept),
        sc("age 15+ for voting age 16", "EU-ART18-2-MINORS",
            eu_with(|v| { put(v, "/elections/0/voting_age", json!(16)); put(v, "/ad/targeting/1", json!({"kind": "age", "age_min": 15})) }), false, Accept),
        sc("age 14+ for voting age 16", "EU-ART18-2-MINORS",
            eu_with(|v| { put(v, "/elections/0/voting_age", json!(16)); put(v, "/ad/targeting/1", json!({"kind": "age", "age_min": 14})) }), true, Block),
        // --- EU-ART9 and scope ---
        sc("political ad: seven-year retention", "EU-ART9-RETENTION", eu(), true, Accept),
        sc("non-political ad: no EU rule applies", "EU-ART9-RETENTION",
            eu_with(|v| { put(v, "/ad/class", json!("non_political")); drop_field(v, "/ad/label"); eu_us_sponsor(v) }), false, Accept),
        sc("member-state rule set reaches an Austrian election", "EU-ART11-LABEL",
            eu_with(|v| { put(v, "/elections/0/jurisdiction", json!("AT")); drop_field(v, "/ad/label") }), true, Reject),
        sc("European Parliament election", "EU-ART11-LABEL",
            eu_with(|v| { put(v, "/elections/0/jurisdiction", json!("EU")); drop_field(v, "/ad/label") }), true, Reject),
        sc("several rules: foreign sponsor and no label gives the most severe", "EU-ART5-2-SPONSOR",
            eu_with(|v| { eu_us_sponsor(v); drop_field(v, "/ad/label") }), true, Block),
    ]
}

#[test]
fn every_scenario_gives_the_expected_firing_and_verdict() {
    let engine = Engine::shipped().expect("shipped rule sets load");
    let all = scenarios();
    assert!(all.len() >= 40, "only {} scenarios", all.len());
    let mut failures = Vec::new();
    for s in &all {
        assert!(
            engine
                .rule_sets()
                .iter()
                .any(|set| set.rules.iter().any(|r| r.id == s.rule)),
            "scenario {:?} cites unknown rule {}",
            s.name,
            s.rule
        );
        let result = match engine.check_json(s.name, &s.doc.to_string()) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{}: error {e}", s.name));
                continue;
            }
        };
        let fired = result.fired.iter().any(|f| &*f.rule_id == s.rule);
        let most = result
            .fired
            .iter()
            .map(|f| f.outcome)
            .max()
            .unwrap_or(Outcome::Accept);
        if fired != s.fires || result.verdict != s.verdict || most != result.verdict {
            failures.push(format!(
                "{} [{}]: expected fires={} verdict={}, got fires={} verdict={}; fired: {:?}",
                s.name,
                s.rule,
                s.fires,
                s.verdict,
                fired,
                result.verdict,
                result
                    .fired
                    .iter()
                    .map(|f| format!("{} {} {:?}", f.rule_id, f.outcome, f.details))
                    .collect::<Vec<_>>()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failing:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_shipped_rule_is_exercised_firing_and_not_firing() {
    let engine = Engine::shipped().expect("shipped rule sets load");
    let all = scenarios();
    for set in engine.rule_sets() {
        for rule in &set.rules {
            let cited: Vec<_> = all.iter().filter(|s| s.rule == rule.id).collect();
            let informational = rule.outcome == Outcome::Accept;
            // Retention rules fire alongside the duty rule; the others need both sides.
            if informational && cited.is_empty() {
                continue;
            }
            assert!(
                cited.iter().any(|s| s.fires),
                "no scenario where {} fires",
                rule.id
            );
            assert!(
                cited.iter().any(|s| !s.fires),
                "no scenario where {} stays quiet",
                rule.id
            );
        }
    }
}

#[test]
fn canadian_publication_and_retention_dates() {
    let engine = Engine::shipped().expect("rules");
    let r = engine.check_json("ca", &ca().to_string()).expect("valid");
    assert_eq!(
        r.retention.publish_until.map(|d| d.to_string()).as_deref(),
        Some("2031-10-15")
    );
    assert_eq!(
        r.retention.keep_until.map(|d| d.to_string()).as_deref(),
        Some("2036-10-15")
    );
    // A withdrawn writ ends the election period on the day of withdrawal.
    let v = ca_with(|v| put(v, "/elections/0/writ_withdrawn", json!("2029-09-30")));
    let r = engine.check_json("ca", &v.to_string()).expect("valid");
    assert_eq!(
        r.retention.publish_until.map(|d| d.to_string()).as_deref(),
        Some("2031-09-30")
    );
    // 29 February plus two years is 28 February.
    let v = ca_with(|v| {
        put(v, "/elections/0/polling_day", json!("2028-02-29"));
        put(v, "/elections/0/kind", json!("by_election"));
        put(v, "/elections/0/fixed_date", json!(false));
        put(v, "/elections/0/writ_issued", json!("2028-01-20"));
        put(v, "/elections/0/districts", json!([]));
        run(v, "2028-02-01T12:00:00-05:00", "2028-02-10T12:00:00-05:00");
    });
    let r = engine.check_json("ca", &v.to_string()).expect("valid");
    assert_eq!(
        r.retention.publish_until.map(|d| d.to_string()).as_deref(),
        Some("2030-02-28")
    );
    assert_eq!(
        r.retention.keep_until.map(|d| d.to_string()).as_deref(),
        Some("2035-02-28")
    );
}

#[test]
fn eu_retention_counts_from_the_last_dissemination() {
    let engine = Engine::shipped().expect("rules");
    let r = engine.check_json("eu", &eu().to_string()).expect("valid");
    assert_eq!(
        r.retention.keep_until.map(|d| d.to_string()).as_deref(),
        Some("2033-09-20")
    );
    assert!(!r.retention.awaiting_dissemination_end);
    let v = eu_with(|v| drop_field(v, "/ad/intended_dissemination/end"));
    let r = engine.check_json("eu", &v.to_string()).expect("valid");
    assert_eq!(r.retention.keep_until, None);
    assert!(r.retention.awaiting_dissemination_end);
}

#[test]
fn fired_rules_explain_the_control_chain() {
    let engine = Engine::shipped().expect("rules");
    let v = eu_with(|v| {
        put(v, "/sponsors/0/controlled_by", json!("holding-nl"));
        let arr = v["sponsors"].as_array_mut().expect("sponsors");
        arr.push(sponsor(
            "holding-nl",
            "corporation",
            json!({"established_in": "NL", "controlled_by": "parent-us"}),
        ));
        arr.push(sponsor(
            "parent-us",
            "corporation",
            json!({"established_in": "US"}),
        ));
    });
    let r = engine.check_json("eu", &v.to_string()).expect("valid");
    let f = r
        .fired
        .iter()
        .find(|f| &*f.rule_id == "EU-ART5-2-SPONSOR")
        .expect("fires");
    let text = f.details.join("\n");
    assert!(text.contains("verein -> holding-nl -> parent-us"), "{text}");
    assert_eq!(f.elections, vec!["de-2026".to_string()]);
    assert_eq!(&*f.citation, "Regulation (EU) 2024/900, Art. 5(2)");
}

#[test]
fn an_ad_linked_to_two_elections_is_checked_against_both() {
    let engine = Engine::shipped().expect("rules");
    let v = eu_with(|v| {
        put(
            v,
            "/elections/1",
            json!({"id": "fr-2026", "jurisdiction": "FR", "kind": "local", "polling_day": "2026-12-06"}),
        );
        put(v, "/ad/linked_elections", json!(["de-2026", "fr-2026"]));
        drop_field(v, "/ad/label");
    });
    let r = engine.check_json("eu", &v.to_string()).expect("valid");
    let label = r
        .fired
        .iter()
        .find(|f| &*f.rule_id == "EU-ART11-LABEL")
        .expect("fires");
    assert_eq!(
        label.elections,
        vec!["de-2026".to_string(), "fr-2026".to_string()]
    );
    // The notice names only de-2026, so the notice rule fires for fr-2026 alone.
    let notice = r
        .fired
        .iter()
        .find(|f| &*f.rule_id == "EU-ART12-NOTICE")
        .expect("fires");
    assert_eq!(notice.elections, vec!["fr-2026".to_string()]);
}

#[test]
fn foreign_funding_firings_carry_their_tag() {
    let engine = Engine::shipped().expect("rules");
    let v = ca_with(|v| {
        put(
            v,
            "/sponsors/0/funding/1",
            json!({"amount": {"minor": 1000, "currency": "USD"}, "origin": "US", "source": "private"}),
        )
    });
    let r = engine.check_json("ca", &v.to_string()).expect("valid");
    let f = r
        .fired
        .iter()
        .find(|f| &*f.rule_id == "CA-349.02")
        .expect("fires");
    assert_eq!(&*f.tags, ["foreign_funding".to_string()]);
    // Rules without tags fire with none.
    let g = r
        .fired
        .iter()
        .find(|f| &*f.rule_id == "CA-325.1-1")
        .expect("fires");
    assert!(g.tags.is_empty());
}

#[test]
fn elections_without_a_rule_set_are_noted() {
    let engine = Engine::shipped().expect("rules");
    let v = eu_with(|v| {
        put(v, "/elections/0/jurisdiction", json!("US"));
        eu_us_sponsor(v)
    });
    let r = engine.check_json("us", &v.to_string()).expect("valid");
    assert_eq!(r.verdict, Outcome::Accept);
    assert!(r.fired.is_empty());
    assert!(r.rule_sets.is_empty());
    assert!(
        r.notes.iter().any(|n| n.contains("de-2026")),
        "{:?}",
        r.notes
    );
}
