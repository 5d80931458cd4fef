//! Signing in and out, and users changed while the service runs.

mod common;

use common::{PASSWORD, Req, copy_fixture, disk_state};
use drainplan::auth::{Auth, Role};
use serde_json::json;

async fn sign_in(state: &drainplan::api::AppState, name: &str, password: &str) -> (u16, String) {
    let r = Req::post("/api/session")
        .json(&json!({"name": name, "password": password}))
        .send(state)
        .await;
    let token = r.json()["token"].as_str().unwrap_or("").to_owned();
    (r.status.as_u16(), token)
}

async fn whoami(state: &drainplan::api::AppState, auth: &str) -> (u16, String) {
    let r = Req::get("/api/session")
        .header("authorization", auth)
        .send(state)
        .await;
    (
        r.status.as_u16(),
        r.json()["name"].as_str().unwrap_or("").to_owned(),
    )
}

#[tokio::test]
async fn sign_out_takes_the_scheme_in_any_case() {
    let dir = copy_fixture("small", "sign-out");
    let state = disk_state(&dir);
    for scheme in ["bearer", "BEARER", "Bearer"] {
        let (status, token) = sign_in(&state, "officer", PASSWORD).await;
        assert_eq!(status, 201);
        let auth = format!("{scheme} {token}");
        assert_eq!(whoami(&state, &auth).await, (200, "officer".into()));
        let r = Req::new("DELETE", "/api/session")
            .header("authorization", &auth)
            .send(&state)
            .await;
        assert_eq!(r.status, 204);
        assert_eq!(
            whoami(&state, &auth).await.0,
            401,
            "{scheme}: the token still works"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn users_added_or_removed_from_the_shell_count_without_a_restart() {
    let dir = copy_fixture("small", "users-live");
    let state = disk_state(&dir);
    assert_eq!(sign_in(&state, "thu", "mật khẩu của Thu").await.0, 401);
    // `drainplan user add` is another process writing users.json.
    Auth::open(&dir)
        .unwrap()
        .set_user("thu", Role::Viewer, "mật khẩu của Thu")
        .unwrap();
    let (status, token) = sign_in(&state, "thu", "mật khẩu của Thu").await;
    assert_eq!(status, 201);
    let bearer = format!("Bearer {token}");
    assert_eq!(whoami(&state, &bearer).await, (200, "thu".into()));
    // `drainplan user remove thu`: the session ends at its next request.
    Auth::open(&dir).unwrap().remove_user("thu").unwrap();
    assert_eq!(whoami(&state, &bearer).await.0, 401);
    assert_eq!(sign_in(&state, "thu", "mật khẩu của Thu").await.0, 401);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn an_admin_removes_a_user_over_http() {
    let dir = copy_fixture("small", "users-remove");
    let state = disk_state(&dir);
    let (_, token) = sign_in(&state, "viewer", PASSWORD).await;
    let r = Req::new("DELETE", "/api/users/viewer")
        .user("officer")
        .send(&state)
        .await;
    assert_eq!(r.status, 403, "{}", r.text());
    let r = Req::new("DELETE", "/api/users/viewer")
        .user("admin")
        .send(&state)
        .await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert_eq!(whoami(&state, &format!("Bearer {token}")).await.0, 401);
    let r = Req::new("DELETE", "/api/users/viewer")
        .user("admin")
        .send(&state)
        .await;
    assert_eq!(r.status, 404, "{}", r.text());
    assert!(r.json()["error"].as_str().unwrap().contains("viewer"));
    let users = std::fs::read_to_string(dir.join("users.json")).unwrap();
    assert!(!users.contains("\"viewer\""), "{users}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_failed_save_of_the_users_leaves_no_temporary_file() {
    let dir = copy_fixture("small", "users-save-fails");
    let auth = Auth::open(&dir).unwrap();
    // users.json replaced by a directory: the rename over it fails.
    std::fs::remove_file(dir.join("users.json")).unwrap();
    std::fs::create_dir(dir.join("users.json")).unwrap();
    assert!(
        auth.set_user("thu", Role::Viewer, "mật khẩu của Thu")
            .is_err()
    );
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
