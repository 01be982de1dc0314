//! Starting without credentials: the setup page, GitHub's App-manifest flow, and `.env`.

mod support;

use axum::http::StatusCode;
use postmortem_bot::app::App;
use postmortem_bot::fake_github::{FakeConfig, FakeGitHub, ManifestConversion};
use support::{MAINTAINER, TEST_KEY_PEM, repo};

#[tokio::test]
async fn without_credentials_the_setup_page_registers_the_app_and_work_starts() {
    let fake = FakeGitHub::start(FakeConfig::for_tests()).await.unwrap();
    fake.add_installation(support::INSTALLATION, repo().owner());
    fake.add_repo(support::INSTALLATION, &repo());
    fake.set_permission(&repo(), MAINTAINER, "write");
    let dir = tempfile::tempdir().unwrap();
    let mut settings = support::settings(&fake, &dir.path().join("bot.db"), 1);
    settings.credentials = None;
    settings.webhook_secret = None;
    let env_file = settings.env_file.clone();
    let app = App::start(settings)
        .await
        .expect("starts without credentials");
    let h = support::Harness::from_app(fake, app, dir);

    // Deliveries are refused until a secret exists.
    let (status, _) = h.deliver("ping", &serde_json::json!({"zen": "hi"})).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(h.get("/healthz").await.0, StatusCode::OK);

    let (status, page) = h.get("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Register this App on GitHub"), "{page}");
    assert!(page.contains("GITHUB_WEBHOOK_SECRET"), "{page}");
    let action = format!("{}/settings/apps/new?state=", h.fake.url());
    let start = page.find(&action).expect("the form posts to GITHUB_URL") + action.len();
    let state: String = page[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    assert!(page.contains("name=\"manifest\""));
    assert!(
        page.contains("&quot;default_events&quot;"),
        "the manifest is embedded: {page}"
    );

    // A forged or replayed state is refused.
    let (status, _) = h.get("/setup/callback?code=abc&state=forged").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let mut conversion = ManifestConversion::new(1, "postmortem-bot", TEST_KEY_PEM);
    conversion.webhook_secret = Some(support::SECRET.to_string());
    h.fake.register_manifest_code("code-123", conversion);
    let (status, page) = h
        .get(&format!("/setup/callback?code=code-123&state={state}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("/apps/postmortem-bot/installations/new"),
        "{page}"
    );
    let written = std::fs::read_to_string(&env_file).unwrap();
    assert!(written.contains("GITHUB_APP_ID=\"1\""), "{written}");
    assert!(written.contains("GITHUB_PRIVATE_KEY=\"-----BEGIN RSA PRIVATE KEY-----\\n"));
    assert!(written.contains(&format!("GITHUB_WEBHOOK_SECRET=\"{}\"", support::SECRET)));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&env_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let (_, page) = h
        .get(&format!("/setup/callback?code=code-123&state={state}"))
        .await;
    assert!(
        page.contains("does not belong"),
        "a state works once: {page}"
    );

    // The credentials took effect without a restart.
    let (_, home) = h.get("/").await;
    assert!(home.contains("postmortem-bot is running"), "{home}");
    let postmortem = h.open_issue(
        "Post-mortem",
        "## Action items\n\n- [ ] Add an alert on disk usage\n",
    );
    h.comment(postmortem, MAINTAINER, "/postmortem").await;
    h.settle().await;
    assert_eq!(h.follow_up_issues().len(), 1);
}
