//! Store implementations (in progress).
