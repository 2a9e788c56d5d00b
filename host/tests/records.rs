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
    use ttrpg_host::storage::NewCampaign;
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
    let find = || {
        search_for_plugin(store.as_ref(), &cache, &campaign.id, "monsters", "goblin", &everything, 3, budget)
    };
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
