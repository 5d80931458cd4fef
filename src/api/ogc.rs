//! OGC API – Features over the five layers (being written).

use axum::Router;

use super::AppState;

/// The OGC API – Features routes.
pub fn routes() -> Router<AppState> {
    Router::new()
}
