//! The TTRPG MCP server's host: storage, dice, campaign tools and MCP transports.
//!
//! Start at [`cli`] (the binary's commands) or [`mcp`] (the MCP server). See
//! ARCHITECTURE.md at the repository root for the map.

pub mod access;
pub mod app;
pub mod backup;
pub mod cache;
pub mod cli;
pub mod config;
pub mod digest;
pub mod embed;
pub mod images;
pub mod library;
pub mod mcp;
pub mod plugins;
pub mod portable;
pub mod records;
pub mod storage;
pub mod telemetry;
pub mod tools;
