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
