//! The pieces every page is made of: links that keep a list's filters, pagers, counts, times,
//! TLP banners, form fields with their errors, the CSRF field and small SVG charts.

use maud::{html, Markup, PreEscaped};

use crate::{t, Lang};

/// A link to `path` with query parameters, percent-encoded (`Href::new("/objects")
/// .param("type", "indicator")`). Empty values are left out, so a list's filter form and its
/// pager links build the same URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Href {
    path: String,
    params: Vec<(String, String)>,
}

impl Href {
    /// A link to a path of this server (it must start with `/`).
    pub fn new(path: impl Into<String>) -> Href {
        Href {
            path: path.into(),
            params: Vec::new(),
        }
    }

    /// Adds a parameter unless its value is empty.
    pub fn param(mut self, key: &str, value: impl AsRef<str>) -> Href {
        let v = value.as_ref();
        if !v.is_empty() {
            self.params.push((key.to_string(), v.to_string()));
        }
        self
    }

    /// Adds a parameter when there is a value.
    pub fn opt(self, key: &str, value: Option<impl AsRef<str>>) -> Href {
        match value {
            Some(v) => self.param(key, v),
            None => self,
        }
    }

    /// Replaces (or removes, with an empty value) a parameter.
    pub fn set(mut self, key: &str, value: impl AsRef<str>) -> Href {
        self.params.retain(|(k, _)| k != key);
        self.param(key, value)
    }

    /// The link text, e.g. `/objects?type=indicator&q=a%20b`.
    pub fn to_url(&self) -> String {
        if self.params.is_empty() {
            return self.path.clone();
        }
        let mut ser = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.params {
            ser.append_pair(k, v);
        }
        format!("{}?{}", self.path, ser.finish())
    }
}

impl std::fmt::Display for Href {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_url())
    }
}

/// How many items a list holds, as far as the reader may know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    /// Exactly this many.
    Exact(u64),
    /// At least this many (counting stopped there to stay fast).
    AtLeast(u64),
}

impl Count {
    /// The count as text: `1,234` or `more than 1,000`.
    pub fn text(self, lang: Lang) -> String {
        match self {
            Count::Exact(n) => lang.number(n),
            Count::AtLeast(n) => format!("{} {}", t!(lang, "more than", "plus de"), lang.number(n)),
        }
    }
}

/// A list's pager: links to the first page and the next one (keyset pages have no page
/// numbers), with how many items the list holds when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pager {
    /// The link to the first page, when this is not the first page.
    pub first: Option<Href>,
    /// The link to the next page, when there is one.
    pub next: Option<Href>,
    /// The number of items shown on this page.
    pub shown: usize,
    /// The number of items in the whole list, when known.
    pub total: Option<Count>,
}

impl Pager {
    /// A pager of one page of `shown` items with nothing before or after it.
    pub fn single(shown: usize) -> Pager {
        Pager {
            first: None,
            next: None,
            shown,
            total: Some(Count::Exact(shown as u64)),
        }
    }
}

/// Renders a pager as a labelled navigation landmark; `label` names the list it pages.
pub fn pager(lang: Lang, label: &str, p: &Pager) -> Markup {
    html! {
        nav.pager aria-label=(format!("{} — {}", label, t!(lang, "pages", "pages"))) {
            span.pager-count {
                @match p.total {
                    Some(total) => {
                        (t!(lang, "Showing", "Affichés :")) " " (lang.number(p.shown as u64)) " "
                        (t!(lang, "of", "sur")) " " (total.text(lang))
                    }
                    None => { (t!(lang, "Showing", "Affichés :")) " " (lang.number(p.shown as u64)) }
                }
            }
            @if let Some(first) = &p.first {
                a.button href=(first) { (t!(lang, "First page", "Première page")) }
            }
            @if let Some(next) = &p.next {
                a.button rel="next" href=(next) { (t!(lang, "Next page", "Page suivante")) }
            }
        }
    }
}

/// A count badge next to a heading, e.g. "Relationships (12)".
pub fn count_badge(lang: Lang, count: Count) -> Markup {
    html! { span.count { "(" (count.text(lang)) ")" } }
}

/// Microseconds since the epoch as RFC 3339 UTC (`2026-12-02T18:46:00Z`), or `None` out of range.
pub fn rfc3339_micros(micros: i64) -> Option<String> {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000).ok()?;
    let t = t.replace_nanosecond(0).ok()?;
    t.format(&time::format_description::well_known::Rfc3339)
        .ok()
}

/// A point in time: the text in UTC, which the console's script rewrites into the reader's
/// time zone, with the UTC time kept in the tooltip. `rfc3339` is any RFC 3339 timestamp;
/// text that is not one is shown as it is.
pub fn time_at(rfc3339: &str) -> Markup {
    match time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339) {
        Ok(t) => {
            let utc = t.to_offset(time::UtcOffset::UTC);
            let machine = utc
                .replace_nanosecond(0)
                .ok()
                .and_then(|u| {
                    u.format(&time::format_description::well_known::Rfc3339)
                        .ok()
                })
                .unwrap_or_else(|| rfc3339.to_string());
            let shown = format!(
                "{:04}-{:02}-{:02} {:02}:{:02} UTC",
                utc.year(),
                u8::from(utc.month()),
                utc.day(),
                utc.hour(),
                utc.minute()
            );
            html! { time datetime=(machine) title=(shown) { (shown) } }
        }
        Err(_) => html! { span { (rfc3339) } },
    }
}

/// A point in time given in microseconds since the epoch (see [`time_at`]).
pub fn time_micros(micros: i64) -> Markup {
    match rfc3339_micros(micros) {
        Some(s) => time_at(&s),
        None => html! { span { "—" } },
    }
}

/// The CSS class of a TLP level (`tlp-red`, `tlp-amber-strict`, ...).
pub fn tlp_class(tlp: stix::Tlp) -> &'static str {
    match tlp {
        stix::Tlp::Clear => "tlp-clear",
        stix::Tlp::Green => "tlp-green",
        stix::Tlp::Amber => "tlp-amber",
        stix::Tlp::AmberStrict => "tlp-amber-strict",
        stix::Tlp::Red => "tlp-red",
    }
}

/// The TLP label as TLP 2.0 writes it (`TLP:AMBER+STRICT`).
pub fn tlp_label(tlp: stix::Tlp) -> &'static str {
    match tlp {
        stix::Tlp::Clear => "TLP:CLEAR",
        stix::Tlp::Green => "TLP:GREEN",
        stix::Tlp::Amber => "TLP:AMBER",
        stix::Tlp::AmberStrict => "TLP:AMBER+STRICT",
        stix::Tlp::Red => "TLP:RED",
    }
}

/// Reads a TLP level as the API writes it (`CLEAR`, `AMBER+STRICT`, `TLP:RED`, any case).
pub fn parse_tlp(text: &str) -> Option<stix::Tlp> {
    let t = text.trim().to_ascii_uppercase();
    let t = t.strip_prefix("TLP:").unwrap_or(&t);
    Some(match t {
        "CLEAR" | "WHITE" => stix::Tlp::Clear,
        "GREEN" => stix::Tlp::Green,
        "AMBER" => stix::Tlp::Amber,
        "AMBER+STRICT" => stix::Tlp::AmberStrict,
        "RED" => stix::Tlp::Red,
        _ => return None,
    })
}

/// What each TLP level means for the reader, in one sentence.
pub fn tlp_meaning(lang: Lang, tlp: stix::Tlp) -> &'static str {
    match tlp {
        stix::Tlp::Clear => t!(lang, "No limit on disclosure.", "Aucune limite de diffusion."),
        stix::Tlp::Green => t!(
            lang,
            "Share within your community, not publicly.",
            "Diffusion limitée à votre communauté, pas au public."
        ),
        stix::Tlp::Amber => t!(
            lang,
            "Share within your organisation and its clients only, on a need-to-know basis.",
            "Diffusion limitée à votre organisation et à ses clients, selon le besoin d’en connaître."
        ),
        stix::Tlp::AmberStrict => t!(
            lang,
            "Share within your organisation only.",
            "Diffusion limitée à votre seule organisation."
        ),
        stix::Tlp::Red => t!(
            lang,
            "For the named recipients only: do not share.",
            "Réservé aux destinataires nommés : ne pas diffuser."
        ),
    }
}

/// A TLP banner: the level, in its colours, with what it means.
pub fn tlp_banner(lang: Lang, tlp: Option<stix::Tlp>) -> Markup {
    match tlp {
        Some(level) => html! {
            p.tlp-banner.(tlp_class(level)) role="note" {
                strong { (tlp_label(level)) } " — " (tlp_meaning(lang, level))
            }
        },
        None => html! {
            p.tlp-banner.tlp-none role="note" {
                strong { (t!(lang, "No TLP marking", "Aucun marquage TLP")) }
            }
        },
    }
}

/// A small TLP label for a list's cell.
pub fn tlp_tag(tlp: Option<stix::Tlp>) -> Markup {
    match tlp {
        Some(level) => html! { span.tlp.(tlp_class(level)) { (tlp_label(level)) } },
        None => html! { span.tlp.tlp-none { "—" } },
    }
}

/// The hidden CSRF field every form carries.
pub fn csrf_field(token: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(token); }
}

/// A problem with one field of a submitted form, shown next to that field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field's `name`, as the form and the API call it.
    pub field: String,
    /// What is wrong, for the reader.
    pub message: String,
}

/// The problems of a submitted form, if any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormErrors(pub Vec<FieldError>);

impl FormErrors {
    /// No problem.
    pub fn none() -> FormErrors {
        FormErrors(Vec::new())
    }

    /// One problem.
    pub fn one(field: impl Into<String>, message: impl Into<String>) -> FormErrors {
        FormErrors(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// The problem of `field`, if any.
    pub fn of(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    /// Whether there is no problem.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The summary of a form's problems at its top, linking each to its field.
pub fn error_summary(lang: Lang, errors: &FormErrors) -> Markup {
    html! {
        @if !errors.is_empty() {
            div.error-summary role="alert" tabindex="-1" {
                h2 { (t!(lang, "There is a problem", "Il y a un problème")) }
                ul {
                    @for e in &errors.0 {
                        li { a href=(format!("#f-{}", e.field)) { (e.field) ": " (e.message) } }
                    }
                }
            }
        }
    }
}

/// The kind of an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// One line of text.
    Text,
    /// A password.
    Password,
    /// A number.
    Number,
    /// A date and time (`datetime-local`).
    DateTime,
    /// A date.
    Date,
    /// A search box.
    Search,
    /// A URL.
    Url,
    /// An e-mail address.
    Email,
}

impl InputKind {
    fn as_str(self) -> &'static str {
        match self {
            InputKind::Text => "text",
            InputKind::Password => "password",
            InputKind::Number => "number",
            InputKind::DateTime => "datetime-local",
            InputKind::Date => "date",
            InputKind::Search => "search",
            InputKind::Url => "url",
            InputKind::Email => "email",
        }
    }
}

/// A labelled input with its hint and its error (the input's id is `f-<name>`).
pub struct Field<'a> {
    /// The input's `name`.
    pub name: &'a str,
    /// The label, in the reader's language.
    pub label: &'a str,
    /// The kind of input.
    pub kind: InputKind,
    /// The current value.
    pub value: &'a str,
    /// A hint shown under the label.
    pub hint: Option<&'a str>,
    /// Whether the field is required.
    pub required: bool,
    /// The `autocomplete` token, if any.
    pub autocomplete: Option<&'a str>,
}

impl<'a> Field<'a> {
    /// An optional text field.
    pub fn text(name: &'a str, label: &'a str, value: &'a str) -> Field<'a> {
        Field {
            name,
            label,
            kind: InputKind::Text,
            value,
            hint: None,
            required: false,
            autocomplete: None,
        }
    }
}

/// Renders a [`Field`] with its error from `errors`.
pub fn field(f: &Field<'_>, errors: &FormErrors) -> Markup {
    let id = format!("f-{}", f.name);
    let hint_id = format!("{id}-hint");
    let err_id = format!("{id}-error");
    let err = errors.of(f.name);
    let mut described = Vec::new();
    if f.hint.is_some() {
        described.push(hint_id.clone());
    }
    if err.is_some() {
        described.push(err_id.clone());
    }
    let described = described.join(" ");
    html! {
        div.field.has-error[err.is_some()] {
            label for=(id) { (f.label) @if f.required { span.req aria-hidden="true" { " *" } } }
            @if let Some(h) = f.hint { p.hint id=(hint_id) { (h) } }
            @if let Some(e) = err { p.field-error id=(err_id) { (e) } }
            input id=(id) name=(f.name) type=(f.kind.as_str()) value=(f.value)
                required[f.required]
                autocomplete=[f.autocomplete]
                aria-invalid=[err.map(|_| "true")]
                aria-describedby=[(!described.is_empty()).then_some(described.as_str())];
        }
    }
}

/// A labelled `<select>` of `(value, label)` options with `selected` chosen.
pub fn select(
    name: &str,
    label: &str,
    options: &[(String, String)],
    selected: &str,
    errors: &FormErrors,
) -> Markup {
    let id = format!("f-{name}");
    let err = errors.of(name);
    html! {
        div.field.has-error[err.is_some()] {
            label for=(id) { (label) }
            @if let Some(e) = err { p.field-error id=(format!("{id}-error")) { (e) } }
            select id=(id) name=(name) aria-invalid=[err.map(|_| "true")] {
                @for (value, text) in options {
                    option value=(value) selected[value == selected] { (text) }
                }
            }
        }
    }
}

/// One bar of a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// The bar's label.
    pub label: String,
    /// Its value.
    pub value: u64,
    /// An extra CSS class (for a TLP colour, say).
    pub class: Option<&'static str>,
}

/// A horizontal bar chart as SVG with the same numbers as a table for screen readers and
/// for anyone who prefers to read them (`caption` names it).
pub fn bar_chart(lang: Lang, caption: &str, bars: &[Bar]) -> Markup {
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let row_h = 22u64;
    let height = row_h * bars.len().max(1) as u64;
    html! {
        figure.chart {
            figcaption { (caption) }
            @if bars.is_empty() {
                p.empty { (t!(lang, "Nothing to show yet.", "Rien à afficher pour l’instant.")) }
            } @else {
                svg viewBox=(format!("0 0 400 {height}")) role="img" aria-label=(caption)
                    xmlns="http://www.w3.org/2000/svg" class="bars" {
                    @for (i, b) in bars.iter().enumerate() {
                        @let y = i as u64 * row_h;
                        @let w = (b.value * 240).div_ceil(max);
                        text x="0" y=(y + 15) class="bar-label" { (truncate(&b.label, 22)) }
                        rect x="150" y=(y + 3) width=(w) height="16" class=(format!("bar {}", b.class.unwrap_or(""))) {}
                        text x=(155 + w) y=(y + 15) class="bar-value" { (lang.number(b.value)) }
                    }
                }
                details.chart-data {
                    summary { (t!(lang, "Data table", "Tableau des données")) }
                    table {
                        thead { tr { th scope="col" { (t!(lang, "Label", "Libellé")) } th scope="col" { (t!(lang, "Value", "Valeur")) } } }
                        tbody {
                            @for b in bars { tr { td { (b.label) } td.num { (lang.number(b.value)) } } }
                        }
                    }
                }
            }
        }
    }
}

/// Cuts text to `max` characters with an ellipsis.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// A notice at the top of a page after an action ("Alert acknowledged").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flash {
    /// Something was done.
    Done(String),
    /// Something could not be done.
    Problem(String),
}

/// Renders a flash message.
pub fn flash(f: Option<&Flash>) -> Markup {
    match f {
        Some(Flash::Done(m)) => html! { p.flash.flash-done role="status" { (m) } },
        Some(Flash::Problem(m)) => html! { p.flash.flash-problem role="alert" { (m) } },
        None => html! {},
    }
}

/// Pretty JSON for a `<pre>` (already escaped by maud).
pub fn json_block(json: &str) -> Markup {
    html! { pre.json { code { (json) } } }
}

/// Marks text as already-escaped HTML. Only for markup this crate built itself (never for
/// data): the SVG a layout writer produced, for example.
pub fn trusted(markup: String) -> Markup {
    PreEscaped(markup)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hrefs_keep_filters_and_drop_empty_values() {
        let h = Href::new("/objects")
            .param("type", "indicator")
            .param("q", "a b&c")
            .param("tlp", "");
        assert_eq!(h.to_url(), "/objects?type=indicator&q=a+b%26c");
        assert_eq!(h.clone().set("type", "").to_url(), "/objects?q=a+b%26c");
    }

    #[test]
    fn times_show_utc_and_carry_the_machine_form() {
        let m = time_at("2026-12-02T19:46:00+01:00").into_string();
        assert!(m.contains(r#"datetime="2026-12-02T18:46:00Z""#), "{m}");
        assert!(m.contains("2026-12-02 18:46 UTC"), "{m}");
        assert_eq!(time_at("<b>").into_string(), "<span>&lt;b&gt;</span>");
    }

    #[test]
    fn fields_escape_hostile_values_and_name_their_error() {
        let f = Field::text("title", "Title", "\"><script>alert(1)</script>");
        let m = field(&f, &FormErrors::one("title", "<img src=x>")).into_string();
        assert!(!m.contains("<script>"), "{m}");
        assert!(!m.contains("<img"), "{m}");
        assert!(m.contains(r#"aria-invalid="true""#));
        assert!(m.contains(r#"aria-describedby="f-title-error""#));
    }

    #[test]
    fn charts_escape_labels() {
        let bars = [Bar {
            label: "<script>x</script>".into(),
            value: 3,
            class: None,
        }];
        let m = bar_chart(Lang::En, "<t>", &bars).into_string();
        assert!(!m.contains("<script>"));
        assert!(!m.contains("<t>"));
    }
}
