//! Shared test code: corpus, toy embedding and the backend-neutral behavioural suite.
#![allow(dead_code)]

pub mod corpus;
pub mod qdrant;
pub mod suite;
