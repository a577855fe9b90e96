//! Fuzzes notice content: the JSON body of `POST /api/v1/notices` (`response::notice::NoticeContent`)
//! and its check against each kind's rules, for every recipient sector and with and without the
//! competent-authority mark. Any input is refused naming fields or accepted with the elements
//! its kind requires, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use response::notice::{check, NoticeContent, NoticeKind, Parties};
use store::Sector;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(content) = serde_json::from_str::<NoticeContent>(text) else {
        return;
    };
    for sector in Sector::ALL {
        for authority in [false, true] {
            let parties = Parties {
                sender_is_authority: authority,
                recipient_sector: sector,
            };
            match check(&content, &parties) {
                Ok(()) => {
                    assert!(matches!(sector, Sector::Platform | Sector::Isp));
                    assert!(!content.items.is_empty());
                    if content.kind == NoticeKind::DsaArt9Order {
                        assert!(authority, "an order accepted from a non-authority");
                    }
                    if content.kind == NoticeKind::DsaArt16 {
                        assert!(content.bona_fide);
                    }
                    // The canonical form of accepted content parses back to it.
                    let v = serde_json::to_value(&content).unwrap();
                    let again: NoticeContent =
                        serde_json::from_str(&response::notice::canonical_json(&v)).unwrap();
                    assert_eq!(again, content);
                }
                Err(missing) => {
                    assert!(!missing.is_empty());
                    assert!(missing.iter().all(|m| !m.field.is_empty()));
                }
            }
        }
    }
});
