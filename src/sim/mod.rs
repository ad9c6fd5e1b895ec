//! The ESP well simulator (in progress).
