//! test-data: where rrm's tests and benchmarks find the read-only `shared/` data folder
//! (dev-only, no dependencies, so engine crates can use it too).
//!
//! The folder sits beside the repository (`../shared/` from the project root) or wherever
//! `RRM_SHARED` points. A test that needs it and does not find it fails at once with a message
//! naming the path it looked at and how to fix it, instead of a bare "No such file".
//!
//! ```no_run
//! let disarm = test_data::shared("data/disarm/DISARM.json");
//! assert!(disarm.ends_with("DISARM.json"));
//! ```

use std::path::PathBuf;

/// The path of `rel` inside the shared data folder. Panics, naming the folder, `RRM_SHARED`
/// and README.md's "Test data" section, when the folder or the file is absent.
pub fn shared(rel: &str) -> String {
    let root = match std::env::var_os("RRM_SHARED") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")),
    };
    let path = root.join(rel);
    if !path.exists() {
        panic!(
            "this test reads {rel} from rrm's shared data folder, but {} does not exist: \
             clone rrm beside shared/ or set RRM_SHARED to the folder (README.md, \"Test data\")",
            path.display()
        );
    }
    path.to_string_lossy().into_owned()
}
