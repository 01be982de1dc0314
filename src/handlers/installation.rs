//! `installation` and `installation_repositories` events: which repositories the App can see.

use chrono::Utc;
use tracing::info;

use super::Handlers;
use crate::github::webhook::{InstallationEvent, InstallationRepositoriesEvent};

pub async fn on_installation(handlers: &Handlers, event: &InstallationEvent) -> anyhow::Result<()> {
    let store = &handlers.store;
    match event.action.as_str() {
        "deleted" => {
            store.delete_installation(event.installation).await?;
            info!(installation = %event.installation, "uninstalled: its data is deleted");
        }
        "created" | "new_permissions_accepted" | "unsuspend" => {
            store
                .upsert_installation(event.installation, &event.account, Utc::now())
                .await?;
            store
                .add_repositories(event.installation, &event.repositories)
                .await?;
        }
        _ => {}
    }
    Ok(())
}

pub async fn on_installation_repositories(
    handlers: &Handlers,
    event: &InstallationRepositoriesEvent,
) -> anyhow::Result<()> {
    let store = &handlers.store;
    store
        .upsert_installation(event.installation, &event.account, Utc::now())
        .await?;
    store
        .add_repositories(event.installation, &event.added)
        .await?;
    store
        .remove_repositories(event.installation, &event.removed)
        .await?;
    Ok(())
}
