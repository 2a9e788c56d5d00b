//! Collection records from the real Open5e SRD export in ../shared/data/srd51/: import,
//! idempotent re-import, and the keyword + filter search plugins use through `host.search`.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test, with its place

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::json;
use ttrpg_host::app::App;
use ttrpg_host::config::Config;
use ttrpg_host::records::{import_open5e, search};
use ttrpg_host::storage::{self, MigrateOnOpen};

fn srd_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/srd51");
    if dir.join("open5e-Creature.json").exists() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED: the SRD 5.1 data is not at {} (shared/ must sit beside the repository)",
            dir.display()
        );
        None
    }
}

async fn app(dir: &tempfile::TempDir) -> Arc<App> {
    let config = Config { data_dir: dir.path().to_path_buf(), ..Config::default() };
    let store = storage::open(&config.database_url(), MigrateOnOpen::Apply).await.unwrap();
    Arc::new(App::with_storage(config, store).unwrap())
}

#[tokio::test]
async fn open5e_imports_once_and_searches_with_filters() {
    let Some(srd) = srd_dir() else { return };
    let data = tempfile::tempdir().unwrap();
    let app = app(&data).await;
    let report = import_open5e(app.storage.as_ref(), &srd, "dnd5e").await.unwrap();
    assert_eq!(report.read["monsters"], 325);
    assert_eq!(report.read["spells"], 319);
    assert_eq!(report.read["conditions"], 15);
    assert_eq!(report.read["rules"], 227);
    assert_eq!(report.written, 886, "every record stored once");
    assert!(report.attribution.contains("Creative Commons Attribution 4.0"));
    let again = import_open5e(app.storage.as_ref(), &srd, "dnd5e").await.unwrap();
    assert_eq!(again.written, 0, "a re-import of unchanged data writes nothing");

    let hits = search(app.storage.as_ref(), "dnd5e", "monsters", "goblin", &json!({}), 5).await.unwrap();
    let goblin = &hits[0].payload;
    assert_eq!(goblin["name"], "Goblin");
    assert_eq!(goblin["armor_class"], 15);
    assert_eq!(goblin["hit_points"], 7);
    assert_eq!(goblin["hit_dice"], "2d6");
    assert_eq!(goblin["challenge_rating"], 0.25);
    assert!(
        goblin.get("experience_points").is_none(),
        "the export has no XP and the host does not derive it (the dnd5e plugin does): {goblin}"
    );
    assert_eq!(goblin["dexterity"], 14);
    assert!(goblin["attribution"].as_str().unwrap().contains("SRD 5.1"));
    assert!(goblin["actions"].as_array().unwrap().iter().any(|a| a["name"] == "Scimitar"));

    let dragons = search(
        app.storage.as_ref(),
        "dnd5e",
        "monsters",
        "",
        &json!({"type": "dragon", "challenge_rating": {"gte": 10, "lte": 17}}),
        50,
    )
    .await
    .unwrap();
    assert!(!dragons.is_empty());
    for hit in &dragons {
        let cr = hit.payload["challenge_rating"].as_f64().unwrap();
        assert!(hit.payload["type"] == "dragon" && (10.0..=17.0).contains(&cr), "{}", hit.payload);
    }
    assert!(dragons.iter().any(|h| h.payload["name"] == "Adult Red Dragon"));

    let forest =
        search(app.storage.as_ref(), "dnd5e", "monsters", "", &json!({"environments": "forest"}), 50)
            .await
            .unwrap();
    assert!(forest.iter().all(|h| h.payload["environments"].as_array().unwrap().contains(&json!("forest"))));

    let spells =
        search(app.storage.as_ref(), "dnd5e", "spells", "", &json!({"level": 3, "school": "evocation"}), 50)
            .await
            .unwrap();
    assert!(spells.iter().any(|h| h.payload["name"] == "Fireball"));
    assert!(spells.iter().all(|h| h.payload["level"] == 3));
    let fireball = search(app.storage.as_ref(), "dnd5e", "spells", "Fireball", &json!({}), 1).await.unwrap();
    assert_eq!(fireball[0].payload["components"], "V, S, M");
    assert!(fireball[0].payload["classes"].as_array().unwrap().contains(&json!("wizard")));

    let grappled =
        search(app.storage.as_ref(), "dnd5e", "conditions", "grappled", &json!({}), 3).await.unwrap();
    assert_eq!(grappled[0].payload["name"], "Grappled");

    let err = search(
        app.storage.as_ref(),
        "dnd5e",
        "monsters",
        "",
        &json!({"challenge_rating": {"between": [1, 2]}}),
        5,
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("between"), "{err}");
    let other_system =
        search(app.storage.as_ref(), "fate", "monsters", "goblin", &json!({}), 5).await.unwrap();
    assert!(other_system.is_empty(), "records belong to their system");
}

/// A plugin's record search is answered from the cache the second time, and a write of the
/// system's records makes the next search read the records again (and see the change).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_searches_are_cached_until_the_records_change() {
    use ttrpg_host::cache::{Kind, TwoLevelCache};
    use ttrpg_host::records::search_for_plugin;
    use ttrpg_host::storage::{NewCampaign, RecordReader};
    let Some(srd) = srd_dir() else { return };
    let data = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", data.path().join("cached.db").display());
    let cache = Arc::new(TwoLevelCache::local(64 << 20));
    let store = storage::open_cached(&url, MigrateOnOpen::Apply, Some(cache.clone())).await.unwrap();
    import_open5e(store.as_ref(), &srd, "dnd5e").await.unwrap();
    let campaign = store
        .create_campaign(NewCampaign {
            name: "Cached".into(),
            system: "dnd5e".into(),
            gm_user_id: None,
            settings: json!({}),
        })
        .await
        .unwrap();
    let budget = std::time::Duration::from_secs(5);
    let everything = json!({});
    let reader = RecordReader { campaign_id: campaign.id.clone(), campaign_gm: true, operator: false };
    let find =
        || search_for_plugin(store.as_ref(), &cache, &reader, "monsters", "goblin", &everything, 3, budget);
    let first = find().await.unwrap();
    assert_eq!(first[0].payload["name"], "Goblin");
    let second = find().await.unwrap();
    assert_eq!(second, first);
    let stats = cache.stats().of_kind(Kind::RecordSearch);
    assert_eq!((stats.l1_hits, stats.l1_misses), (1, 1), "the second search came from the cache: {stats:?}");

    // The GM's own goblin: the records changed, so the next search reads them again.
    let mut goblin = store.list_records("dnd5e", Some("monsters")).await.unwrap();
    goblin.retain(|r| r.name == "Goblin");
    let mut changed = goblin.remove(0);
    changed.text = format!("{} Goblins of the Thornwood paint their shields green.", changed.text);
    changed.content_hash = "changed".into();
    assert_eq!(store.upsert_records(vec![changed]).await.unwrap(), 1);
    let third = find().await.unwrap();
    assert_eq!(cache.stats().of_kind(Kind::RecordSearch).l1_misses, 2, "the write invalidated the answer");
    assert!(third[0].text.contains("Thornwood"), "the search sees the new text: {:?}", third[0]);
}

/// A dnd5e book stored as ingestion leaves it: the document (of `visibility`), one typed
/// chunk per `(collection, name, page, fields)`, its records, and status `ready`.
async fn stored_book(
    store: &Arc<dyn ttrpg_host::storage::Storage>,
    book: &str,
    campaign_id: Option<&str>,
    visibility: ttrpg_host::storage::Visibility,
    entries: &[(&str, &str, i64, serde_json::Value)],
) -> ttrpg_host::storage::DocumentRecord {
    use ttrpg_host::storage::{ChunkRecord, NewDocument};
    let document = store
        .create_document(NewDocument {
            content_hash: format!("hash of {book} {campaign_id:?}"),
            book: book.into(),
            system: Some("dnd5e".into()),
            campaign_id: campaign_id.map(str::to_owned),
            file_name: format!("{book}.pdf"),
            page_count: 0,
            chunker: "dnd5e@test".into(),
            visibility,
        })
        .await
        .unwrap();
    let chunks: Vec<ChunkRecord> = entries
        .iter()
        .enumerate()
        .map(|(i, (collection, name, page, fields))| {
            let mut metadata = fields.clone();
            metadata["name"] = json!(name);
            ChunkRecord {
                id: format!("{}-{i}", document.id),
                document_id: document.id.clone(),
                ordinal: i as i64,
                page_start: *page,
                page_end: *page,
                section: format!("Monsters › {name}"),
                content_type: (*collection).into(),
                text: format!("{name}\n{fields}"),
                metadata,
                text_hash: format!("{i}"),
                indexed: false,
                visibility,
            }
        })
        .collect();
    let records = ttrpg_host::library::ingest::records::records_of(&document, &chunks);
    let ids: Vec<String> = chunks.iter().map(|c| c.id.clone()).collect();
    store.insert_chunks(chunks).await.unwrap();
    store.replace_document_records(&document.id, records).await.unwrap();
    store.mark_chunks_indexed(&ids).await.unwrap();
    store.finish_document(&document.id).await.unwrap()
}

#[tokio::test]
async fn book_records_are_reconciled_scoped_to_their_campaign_and_removed_with_their_book() {
    use ttrpg_host::cache::TwoLevelCache;
    use ttrpg_host::records::search_for_plugin;
    use ttrpg_host::storage::{NewCampaign, RecordReader, Visibility};
    let Some(srd) = srd_dir() else { return };
    let data = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", data.path().join("books.db").display());
    let cache = Arc::new(TwoLevelCache::local(64 << 20));
    let store = storage::open_cached(&url, MigrateOnOpen::Apply, Some(cache.clone())).await.unwrap();
    import_open5e(store.as_ref(), &srd, "dnd5e").await.unwrap();
    let campaign = |name: &str| NewCampaign {
        name: name.into(),
        system: "dnd5e".into(),
        gm_user_id: None,
        settings: json!({}),
    };
    let ours = store.create_campaign(campaign("Ours")).await.unwrap();
    let theirs = store.create_campaign(campaign("Theirs")).await.unwrap();
    let budget = std::time::Duration::from_secs(5);
    let lookup = |reader: RecordReader, name: &'static str| {
        let (store, cache) = (store.clone(), cache.clone());
        async move {
            search_for_plugin(store.as_ref(), &cache, &reader, "monsters", name, &json!({}), 5, budget)
                .await
                .unwrap()
        }
    };
    let player =
        |campaign: &str| RecordReader { campaign_id: campaign.into(), campaign_gm: false, operator: false };
    let gm =
        |campaign: &str| RecordReader { campaign_id: campaign.into(), campaign_gm: true, operator: false };

    // The SRD in the shared library: the import's fields win, the book's page is a source.
    let srd_book = stored_book(
        &store,
        "SRD 5.1",
        None,
        Visibility::Players,
        &[("monsters", "Goblin", 166, json!({"armor_class": 15, "hit_points": 7}))],
    )
    .await;
    let hits = lookup(player(&ours.id), "goblin").await;
    let goblins: Vec<_> = hits.iter().filter(|h| h.payload["name"] == "Goblin").collect();
    assert_eq!(goblins.len(), 1, "one goblin, not one per source: {hits:#?}");
    let goblin = &goblins[0].payload;
    assert_eq!(goblin["record_source"], "open5e", "an import wins over a library book: {goblin:#}");
    let sources = goblin["sources"].as_array().unwrap();
    assert_eq!(sources.len(), 2, "{goblin:#}");
    assert_eq!(
        (sources[1]["book"].as_str(), sources[1]["page_start"].as_i64()),
        (Some("SRD 5.1"), Some(166))
    );

    // The GM's own bestiary (GM-only, its goblin revealed) in their campaign wins there, and
    // only there; its hidden entry is the GM's alone.
    let bestiary = stored_book(
        &store,
        "Thornwood Bestiary",
        Some(&ours.id),
        Visibility::Gm,
        &[
            ("monsters", "Goblin", 12, json!({"armor_class": 16, "hit_points": 11})),
            ("monsters", "Thorn Hag", 40, json!({"armor_class": 17, "hit_points": 82})),
        ],
    )
    .await;
    store
        .set_document_visibility(&bestiary.id, Some("Monsters › Goblin"), Visibility::Players)
        .await
        .unwrap();
    let goblin = lookup(player(&ours.id), "goblin").await.remove(0).payload;
    assert_eq!(
        (goblin["book"].as_str(), goblin["hit_points"].as_i64()),
        (Some("Thornwood Bestiary"), Some(11))
    );
    assert_eq!(goblin["sources"].as_array().unwrap().len(), 3, "{goblin:#}");
    let elsewhere = lookup(gm(&theirs.id), "goblin").await.remove(0).payload;
    assert_eq!(elsewhere["record_source"], "open5e", "another campaign's book leaked: {elsewhere:#}");
    assert_eq!(elsewhere["sources"].as_array().unwrap().len(), 2);
    let has_hag = |hits: Vec<ttrpg_plugin_runtime::model::SearchHit>| {
        hits.iter().any(|h| h.payload["name"] == "Thorn Hag")
    };
    assert!(!has_hag(lookup(player(&ours.id), "thorn hag").await), "a GM-only entry reached a player");
    assert!(!has_hag(lookup(gm(&theirs.id), "thorn hag").await), "another campaign's entry leaked");
    let hag = lookup(gm(&ours.id), "thorn hag").await;
    assert_eq!(
        (hag[0].payload["name"].as_str(), hag[0].payload["armor_class"].as_i64()),
        (Some("Thorn Hag"), Some(17)),
        "{hag:#?}"
    );

    // Hiding the goblin again takes the bestiary's goblin from the player at once.
    store.set_document_visibility(&bestiary.id, None, Visibility::Gm).await.unwrap();
    let goblin = lookup(player(&ours.id), "goblin").await.remove(0).payload;
    assert_eq!(goblin["record_source"], "open5e", "a hidden record stayed in a cached answer: {goblin:#}");

    // Removing the library book removes its records (and the cached answers with them).
    store.delete_document(&srd_book.id).await.unwrap();
    let goblin = lookup(player(&theirs.id), "goblin").await.remove(0).payload;
    assert_eq!(
        goblin["sources"].as_array().unwrap().len(),
        1,
        "the removed book is still a source: {goblin:#}"
    );
    let left: Vec<_> = store.list_records("dnd5e", None).await.unwrap();
    assert!(left.iter().all(|r| r.document_id.as_deref() != Some(srd_book.id.as_str())));
}
