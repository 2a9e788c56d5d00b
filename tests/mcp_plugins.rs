//! Plugin end-to-end tests (being written).
