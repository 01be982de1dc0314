//! PostgreSQL backend of the store (several replicas on one database).
pub struct PostgresStore;
impl PostgresStore {
    pub async fn connect(url: &str) -> super::StoreResult<Self> {
        Err(super::StoreError::UnsupportedUrl(url.to_string()))
    }
}
