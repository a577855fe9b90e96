//! Typed requests of the ad registry: a submission as platforms send it, the record form of
//! API bodies and bulk imports (with a base64 creative), and registry records (elections,
//! sponsors, platforms) whose `id` the path may give instead of the body.

use std::fmt;
use std::marker::PhantomData;

use adrules::model::{Ad, Election, Platform, Sponsor};
use serde::de::{self, DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::{CreativeUpload, Error};

/// A submission as a platform sends it: the ad, the sponsors it carries itself, and its
/// platform record. Whatever is left out comes from the registries: the platform registered
/// by the submitting organisation, the registered sponsors the ad, its payer or a control
/// chain names, and always the linked elections.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmissionRequest {
    /// The ad.
    pub ad: Ad,
    /// Sponsors, payers and controlling entities carried in the submission; they take
    /// precedence over registered ones.
    #[serde(default)]
    pub sponsors: Vec<Sponsor>,
    /// The platform; the submitting organisation's registered one when absent.
    #[serde(default)]
    pub platform: Option<Platform>,
    /// Accepted and ignored: elections always come from the registry.
    #[serde(default, rename = "elections")]
    pub ignored_elections: Option<IgnoredAny>,
}

impl SubmissionRequest {
    /// A submission of `ad` with nothing else: sponsors and platform come from the registry.
    pub fn of(ad: Ad) -> SubmissionRequest {
        SubmissionRequest {
            ad,
            sponsors: Vec::new(),
            platform: None,
            ignored_elections: None,
        }
    }
}

/// A creative sent inside a JSON record, its bytes in base64.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreativeData {
    /// The declared media type (`image/png`, ...).
    pub media_type: String,
    /// The bytes, base64 (standard alphabet, padded).
    pub data: String,
}

impl CreativeData {
    /// The decoded creative; `creative.data` is named when it is not base64.
    pub fn decode(self) -> Result<CreativeUpload, Error> {
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(self.data.trim())
            .map_err(|e| Error::invalid("creative.data", format!("not valid base64: {e}")))?;
        Ok(CreativeUpload {
            bytes,
            media_type: self.media_type,
        })
    }
}

/// The JSON body of `POST /api/v1/ads`: `{"submission": ..., "creative": {"media_type",
/// "data"}}`, the creative optional.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmitBody {
    /// The submission.
    pub submission: SubmissionRequest,
    /// The creative, in base64.
    #[serde(default)]
    pub creative: Option<CreativeData>,
}

impl SubmitBody {
    /// The submission and its decoded creative.
    pub fn split(self) -> Result<(SubmissionRequest, Option<CreativeUpload>), Error> {
        let creative = self.creative.map(CreativeData::decode).transpose()?;
        Ok((self.submission, creative))
    }
}

/// One record of a bulk import (`rrm ads import`): either a bare submission (`{"ad", "sponsors",
/// "platform"}`) or a [`SubmitBody`] (`{"submission", "creative"}`). The fields of both forms
/// are read; [`ImportRecord::split`] refuses a mix of the two.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportRecord {
    /// The submission of the wrapped form.
    #[serde(default)]
    pub submission: Option<SubmissionRequest>,
    /// The creative of the wrapped form, in base64.
    #[serde(default)]
    pub creative: Option<CreativeData>,
    /// The ad of the bare form.
    #[serde(default)]
    pub ad: Option<Ad>,
    /// The sponsors of the bare form.
    #[serde(default)]
    pub sponsors: Option<Vec<Sponsor>>,
    /// The platform of the bare form.
    #[serde(default)]
    pub platform: Option<Platform>,
    /// The (ignored) elections of the bare form.
    #[serde(default)]
    pub elections: Option<IgnoredAny>,
}

impl ImportRecord {
    /// The submission and its decoded creative. A wrapped record may hold nothing but
    /// `submission` and `creative`; a bare one needs `ad` and carries no creative.
    pub fn split(self) -> Result<(SubmissionRequest, Option<CreativeUpload>), Error> {
        let bare = [
            ("ad", self.ad.is_some()),
            ("sponsors", self.sponsors.is_some()),
            ("platform", self.platform.is_some()),
            ("elections", self.elections.is_some()),
        ];
        match self.submission {
            Some(submission) => {
                if let Some((k, _)) = bare.iter().find(|(_, given)| *given) {
                    return Err(Error::invalid(k, format!("unknown field {k:?}")));
                }
                SubmitBody {
                    submission,
                    creative: self.creative,
                }
                .split()
            }
            None => {
                if self.creative.is_some() {
                    return Err(Error::invalid(
                        "creative",
                        "a creative goes with the {\"submission\", \"creative\"} form",
                    ));
                }
                let ad = self
                    .ad
                    .ok_or_else(|| Error::invalid("ad", "missing field `ad`"))?;
                Ok((
                    SubmissionRequest {
                        ad,
                        sponsors: self.sponsors.unwrap_or_default(),
                        platform: self.platform,
                        ignored_elections: self.elections,
                    },
                    None,
                ))
            }
        }
    }
}

/// A registry record with an `id`: elections, sponsors and platforms.
pub trait Keyed: DeserializeOwned {
    /// The record's id.
    fn id_mut(&mut self) -> &mut String;
}

impl Keyed for Election {
    fn id_mut(&mut self) -> &mut String {
        &mut self.id
    }
}

impl Keyed for Sponsor {
    fn id_mut(&mut self) -> &mut String {
        &mut self.id
    }
}

impl Keyed for Platform {
    fn id_mut(&mut self) -> &mut String {
        &mut self.id
    }
}

/// A registry record as a request body (`PUT /api/v1/elections/{id}`, `sponsors/{id}`,
/// `platforms/{id}`): the record with its `id` optional, since the path names it. It reads
/// as `T` reads, every other field checked by `T`'s own rules and named by its path.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordBody<T> {
    record: T,
    id_given: bool,
}

impl<T: Keyed> RecordBody<T> {
    /// The record of `id`: an absent `id` is filled in, a different one refused (naming
    /// `id`).
    pub fn into_record(mut self, id: &str) -> Result<T, Error> {
        let own = self.record.id_mut();
        if !self.id_given {
            *own = id.to_string();
        } else if own != id {
            return Err(Error::invalid(
                "id",
                format!("{own:?} is not the id in the path ({id:?})"),
            ));
        }
        Ok(self.record)
    }
}

impl<T> From<T> for RecordBody<T> {
    /// A body that gives the record's id.
    fn from(record: T) -> RecordBody<T> {
        RecordBody {
            record,
            id_given: true,
        }
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for RecordBody<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<RecordBody<T>, D::Error> {
        d.deserialize_map(RecordVisitor(PhantomData))
    }
}

struct RecordVisitor<T>(PhantomData<T>);

impl<'de, T: DeserializeOwned> Visitor<'de> for RecordVisitor<T> {
    type Value = RecordBody<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RecordBody<T>, A::Error> {
        let mut id_given = false;
        let fill = IdFill {
            inner: map,
            id_given: &mut id_given,
            state: Fill::Reading,
        };
        let record = T::deserialize(de::value::MapAccessDeserializer::new(fill))?;
        Ok(RecordBody { record, id_given })
    }
}

/// Where [`IdFill`] is: reading the body's entries, about to give the placeholder id's value,
/// or done.
enum Fill {
    Reading,
    IdValue,
    Done,
}

/// The entries of a body, then an empty `id` when the body has none (the path's id replaces
/// it). Keys are read as strings and values straight from the body, so a wrapping
/// deserializer (serde_path_to_error) still sees every path.
struct IdFill<'a, A> {
    inner: A,
    id_given: &'a mut bool,
    state: Fill,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for IdFill<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        use serde::de::IntoDeserializer;
        if !matches!(self.state, Fill::Reading) {
            return Ok(None);
        }
        match self.inner.next_key::<String>()? {
            Some(key) => {
                if key == "id" {
                    *self.id_given = true;
                }
                seed.deserialize(key.into_deserializer()).map(Some)
            }
            None if *self.id_given => {
                self.state = Fill::Done;
                Ok(None)
            }
            None => {
                self.state = Fill::IdValue;
                seed.deserialize("id".into_deserializer()).map(Some)
            }
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        use serde::de::IntoDeserializer;
        match self.state {
            Fill::IdValue => {
                self.state = Fill::Done;
                seed.deserialize("".into_deserializer())
            }
            _ => self.inner.next_value_seed(seed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn platform(text: &str) -> Result<RecordBody<Platform>, String> {
        let mut de = serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize(&mut de)
            .map_err(|e| format!("{} | {}", e.path(), e.inner()))
    }

    #[test]
    fn an_absent_id_comes_from_the_path_and_a_different_one_is_refused() {
        let p = platform(r#"{"name": "Chirp"}"#).unwrap();
        let p = p.into_record("chirp").unwrap();
        assert_eq!((p.id.as_str(), p.name.as_str()), ("chirp", "Chirp"));
        let p = platform(r#"{"id": "chirp", "name": "Chirp"}"#).unwrap();
        assert_eq!(p.into_record("chirp").unwrap().id, "chirp");
        let p = platform(r#"{"id": "other"}"#).unwrap();
        match p.into_record("chirp") {
            Err(Error::Invalid { field, .. }) => assert_eq!(field, "id"),
            other => panic!("{other:?}"),
        }
        let p = platform(r#"{"id": ""}"#).unwrap();
        assert!(p.into_record("chirp").is_err(), "an empty id is not absent");
    }

    #[test]
    fn bad_fields_keep_their_paths() {
        let e =
            platform(r#"{"monthly_reach_ca": [{"language": "en", "visitors": -1}]}"#).unwrap_err();
        assert!(e.starts_with("monthly_reach_ca[0].visitors |"), "{e}");
        let e = platform(r#"{"name": "x", "colour": "red"}"#).unwrap_err();
        assert!(e.contains("unknown field `colour`"), "{e}");
        let e = platform(r#"{"id": 5}"#).unwrap_err();
        assert!(e.starts_with("id |"), "{e}");
        let e = platform(r#"[1]"#).unwrap_err();
        assert!(e.contains("a JSON object"), "{e}");
    }

    #[test]
    fn import_records_take_either_form_but_not_a_mix() {
        let ad = r#"{"id": "a", "sponsor": "s", "class": "issue",
            "intended_dissemination": {"start": "2029-09-01T00:00:00Z"}}"#;
        let bare: ImportRecord = serde_json::from_str(&format!(r#"{{"ad": {ad}}}"#)).unwrap();
        let (sub, creative) = bare.split().unwrap();
        assert_eq!((sub.ad.id.as_str(), creative), ("a", None));
        let wrapped: ImportRecord = serde_json::from_str(&format!(
            r#"{{"submission": {{"ad": {ad}}}, "creative": {{"media_type": "image/png", "data": "aGk="}}}}"#
        ))
        .unwrap();
        let (_, creative) = wrapped.split().unwrap();
        assert_eq!(creative.unwrap().bytes, b"hi");
        let mixed: ImportRecord =
            serde_json::from_str(&format!(r#"{{"submission": {{"ad": {ad}}}, "ad": {ad}}}"#))
                .unwrap();
        assert!(matches!(mixed.split(), Err(Error::Invalid { field, .. }) if field == "ad"));
        let bad: ImportRecord = serde_json::from_str(&format!(
            r#"{{"submission": {{"ad": {ad}}}, "creative": {{"media_type": "image/png", "data": "***"}}}}"#
        ))
        .unwrap();
        assert!(
            matches!(bad.split(), Err(Error::Invalid { field, .. }) if field == "creative.data")
        );
    }
}
