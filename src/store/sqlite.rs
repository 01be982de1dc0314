//! SQLite backend of the store (the embedded default).
pub struct SqliteStore;
impl SqliteStore {
    pub async fn connect(_url: &str) -> super::StoreResult<Self> {
        todo!()
    }
}
