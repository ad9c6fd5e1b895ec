//! The axum facade (in progress).
