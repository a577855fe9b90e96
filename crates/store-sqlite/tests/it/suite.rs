//! Runs the shared store test suite (`store-testsuite`) against SQLite, each case on a
//! fresh database file in its own temporary directory.

use store_sqlite::SqliteStore;
use store_testsuite::Backend;

fn with_store(case: fn(&dyn Backend)) {
    let dir = tempfile::tempdir().expect("create a temporary directory");
    let store = SqliteStore::open(&dir.path().join("rrm.db")).expect("open a fresh database");
    case(&store);
}

store_testsuite::store_testsuite!(with_store);

/// `run_all` runs every case too, each on its own fresh file.
#[test]
fn run_all_on_fresh_files() {
    let dir = tempfile::tempdir().expect("create a temporary directory");
    let counter = std::cell::Cell::new(0);
    store_testsuite::run_all(&|| {
        counter.set(counter.get() + 1);
        let path = dir.path().join(format!("case-{}.db", counter.get()));
        Box::new(SqliteStore::open(&path).expect("open a fresh database"))
    });
    assert_eq!(counter.get(), store_testsuite::CASES.len());
}
