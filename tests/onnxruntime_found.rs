//! ONNX Runtime without a variable naming it: with neither `TTRPG_ONNXRUNTIME` nor
//! `ORT_DYLIB_PATH` set, `ttrpg` finds the library of the `onnxruntime` wheel of the
//! machine's `python3` (what `scripts/test` and the README install), and `doctor`, `ingest`
//! and `search` work. On a machine whose `python3` has no wheel, `doctor` and `ingest` say
//! exactly what to install instead; the test checks whichever case this machine is.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test, with its place

#[path = "e2e/client.rs"]
mod client;
#[path = "e2e/pdf.rs"]
mod pdf;

use client::{Scratch, json_printed, shared};

/// `ttrpg ARGS…` with only the model folder configured.
fn ttrpg(scratch: &Scratch, args: &[&str]) -> std::process::Output {
    let model = shared().join("models/all-MiniLM-L6-v2").display().to_string();
    let mut command =
        client::ttrpg_command(&scratch.data_dir(), &[("TTRPG_MODEL_DIR", model.as_str())], args);
    command.env_remove("ORT_DYLIB_PATH");
    command.output().unwrap()
}

#[test]
fn onnxruntime_is_found_in_the_python_wheel_without_a_variable() {
    let has_wheel = std::process::Command::new("python3")
        .args(["-c", "import onnxruntime"])
        .output()
        .is_ok_and(|o| o.status.success());
    let scratch = Scratch::new();
    let doctor = ttrpg(&scratch, &["doctor", "--json"]);
    let report = json_printed(&doctor);
    let part =
        report["parts"].as_array().unwrap().iter().find(|p| p["part"] == "onnxruntime").cloned().unwrap();
    assert_eq!(part["ok"], has_wheel, "doctor on a machine where python3 has the wheel: {has_wheel}: {part}");
    let book = scratch.data_dir().join("lanterns.pdf");
    std::fs::write(
        &book,
        pdf::chapters(&[(
            "Chapter 1: Lanterns",
            &["A hooded lantern sheds bright light in a 30-foot cone."],
        )]),
    )
    .unwrap();
    let ingest = ttrpg(&scratch, &["ingest", book.to_str().unwrap(), "--book", "Lanterns"]);
    if has_wheel {
        assert!(part["detail"].as_str().unwrap().contains("wheel"), "doctor says where it found it: {part}");
        assert!(ingest.status.success(), "ingest: {}", String::from_utf8_lossy(&ingest.stderr));
        let search = ttrpg(&scratch, &["search", "how far does a hooded lantern light"]);
        assert!(search.status.success(), "search: {}", String::from_utf8_lossy(&search.stderr));
        assert!(String::from_utf8_lossy(&search.stdout).contains("hooded lantern"), "the passage is found");
    } else {
        assert!(part["detail"].as_str().unwrap().contains("pip install onnxruntime"), "{part}");
        assert!(!ingest.status.success());
        assert!(String::from_utf8_lossy(&ingest.stderr).contains("pip install onnxruntime"));
    }
}

/// `ttrpg ARGS…` with no model folder configured, a home and Hugging Face cache of the
/// test's own (`hub`), so that only what the test puts there can be found.
fn without_model(
    scratch: &Scratch,
    home: &std::path::Path,
    hub: &std::path::Path,
    args: &[&str],
) -> std::process::Output {
    let (home, hub) = (home.display().to_string(), hub.display().to_string());
    let mut command = client::ttrpg_command(
        &scratch.data_dir(),
        &[("HOME", home.as_str()), ("HF_HUB_CACHE", hub.as_str()), ("FASTEMBED_CACHE_DIR", hub.as_str())],
        args,
    );
    command.env_remove("HF_HOME");
    command.output().unwrap()
}

#[test]
fn a_missing_model_says_what_to_do_and_one_in_the_hugging_face_cache_is_found() {
    let scratch = Scratch::new();
    let elsewhere = tempfile::tempdir().unwrap();
    let hub = elsewhere.path().join("hub");
    let doctor = without_model(&scratch, elsewhere.path(), &hub, &["doctor", "--json"]);
    assert!(!doctor.status.success(), "doctor fails while a part is missing");
    let report: serde_json::Value = serde_json::from_slice(&doctor.stdout).unwrap();
    let model = report["parts"].as_array().unwrap().iter().find(|p| p["part"] == "model").cloned().unwrap();
    let expected = scratch.data_dir().join("models/all-MiniLM-L6-v2").display().to_string();
    let detail = model["detail"].as_str().unwrap();
    assert_eq!(model["ok"], false, "{model}");
    assert!(
        detail.contains(&expected) && detail.contains("TTRPG_MODEL_DIR") && detail.contains("cp -r"),
        "{detail}"
    );
    let book = scratch.data_dir().join("lanterns.pdf");
    std::fs::write(
        &book,
        pdf::chapters(&[("Chapter 1: Lanterns", &["A hooded lantern sheds bright light."])]),
    )
    .unwrap();
    let ingest =
        without_model(&scratch, elsewhere.path(), &hub, &["ingest", book.to_str().unwrap(), "--book", "L"]);
    let stderr = String::from_utf8_lossy(&ingest.stderr);
    assert!(
        !ingest.status.success() && stderr.contains("no embedding model") && stderr.contains(&expected),
        "{stderr}"
    );
    // What needs no model works.
    let roll = without_model(&scratch, elsewhere.path(), &hub, &["roll", "--seed", "1", "2d6"]);
    assert!(roll.status.success(), "{}", String::from_utf8_lossy(&roll.stderr));

    // A copy in the Hugging Face cache, laid out as fastembed's download leaves it, is used.
    let snapshot =
        hub.join("models--Qdrant--all-MiniLM-L6-v2-onnx/snapshots/5f1b8cd78bc4fb444dd171e59b18f3a3af89a079");
    std::fs::create_dir_all(&snapshot).unwrap();
    let shared_model = shared().join("models/all-MiniLM-L6-v2");
    for file in
        ["model.onnx", "tokenizer.json", "config.json", "special_tokens_map.json", "tokenizer_config.json"]
    {
        std::os::unix::fs::symlink(shared_model.join(file), snapshot.join(file)).unwrap();
    }
    let doctor = without_model(&scratch, elsewhere.path(), &hub, &["doctor", "--json"]);
    let report = json_printed(&doctor);
    let model = report["parts"].as_array().unwrap().iter().find(|p| p["part"] == "model").cloned().unwrap();
    assert_eq!(model["ok"], true, "{model}");
    assert!(model["detail"].as_str().unwrap().contains("Hugging Face cache"), "{model}");
    let ingest =
        without_model(&scratch, elsewhere.path(), &hub, &["ingest", book.to_str().unwrap(), "--book", "L"]);
    assert!(ingest.status.success(), "{}", String::from_utf8_lossy(&ingest.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_without_a_model_serves_every_tool_that_needs_none() {
    use serde_json::json;
    let scratch = Scratch::new();
    let elsewhere = tempfile::tempdir().unwrap();
    let (home, hub) =
        (elsewhere.path().display().to_string(), elsewhere.path().join("hub").display().to_string());
    let env =
        [("HOME", home.as_str()), ("HF_HUB_CACHE", hub.as_str()), ("FASTEMBED_CACHE_DIR", hub.as_str())];
    let mcp = client::connect_stdio_with_env(&scratch, &env).await;
    let campaign = mcp.ok("campaign_create", json!({"name": "No Model", "system": "dnd5e"})).await;
    let campaign_id = campaign["campaign"]["id"].as_str().unwrap().to_owned();
    let rolled = mcp.ok("roll_dice", json!({"expression": "2d6+1", "campaign_id": campaign_id})).await;
    assert!(rolled.to_string().contains("2d6"), "{rolled}");
    mcp.ok("initiative_start", json!({"campaign_id": campaign_id, "name": "Ambush"})).await;
    let refused = mcp.err("search_rules", json!({"query": "grappled"})).await;
    assert!(refused.contains("no embedding model") && refused.contains("TTRPG_MODEL_DIR"), "{refused}");
    // The server is still up and serving after the refusal.
    mcp.ok("roll_dice", json!({"expression": "1d20", "campaign_id": campaign_id})).await;
    mcp.err("search_rules", json!({"query": "prone"})).await;
    mcp.close().await;
    // It said what to do once, at start, however many calls were refused.
    let logs = scratch.logs();
    let said = logs.matches("rules search, notes search and ingestion are not ready on this machine").count();
    assert_eq!(said, 1, "{logs}");
    assert!(logs.contains("cp -r") && logs.contains("TTRPG_MODEL_DIR"), "{logs}");
}
