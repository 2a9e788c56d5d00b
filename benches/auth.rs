//! What authentication costs a request: `access::token::authenticate` against a real SQLite
//! database (the SHA-256 of the token and one indexed read of `api_tokens`), next to the
//! tokenless path a loopback server takes (one read: does any live token exist?) and the
//! hash alone.
//!
//! Run with `cargo bench -p ttrpg-host --bench auth`.
#![allow(clippy::unwrap_used, missing_docs)] // a benchmark: criterion's macros write undocumented functions

use criterion::{Criterion, criterion_group, criterion_main};
use ttrpg_host::access::token;
use ttrpg_host::storage::{self, MigrateOnOpen, TokenRole};

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("auth.db").display());
    let with_token = runtime.block_on(storage::open(&url, MigrateOnOpen::Apply)).unwrap();
    let made = runtime.block_on(token::create(with_token.as_ref(), "bench", TokenRole::User, None)).unwrap();
    // A few hundred other tokens, so the lookup is an index read, not a scan of one row.
    for i in 0..300 {
        runtime
            .block_on(token::create(with_token.as_ref(), &format!("user{i}"), TokenRole::User, None))
            .unwrap();
    }
    let header = format!("Bearer {}", made.secret);
    let open_dir = tempfile::tempdir().unwrap();
    let open_url = format!("sqlite://{}", open_dir.path().join("open.db").display());
    let tokenless = runtime.block_on(storage::open(&open_url, MigrateOnOpen::Apply)).unwrap();

    let mut group = c.benchmark_group("authenticate");
    group.bench_function("sha256 of a token", |b| b.iter(|| token::hash(std::hint::black_box(&made.secret))));
    group.bench_function("valid bearer token (hash + indexed read)", |b| {
        b.to_async(&runtime).iter(|| async {
            token::authenticate(with_token.as_ref(), Some(&header), true).await.unwrap();
        })
    });
    group.bench_function("unknown bearer token", |b| {
        b.to_async(&runtime).iter(|| async {
            let wrong = "Bearer ttrpg_00000000000000000000000000000000000000000000000000000000000000";
            assert!(token::authenticate(with_token.as_ref(), Some(wrong), true).await.is_err());
        })
    });
    group.bench_function("no header, loopback, no token made", |b| {
        b.to_async(&runtime).iter(|| async {
            token::authenticate(tokenless.as_ref(), None, true).await.unwrap();
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
