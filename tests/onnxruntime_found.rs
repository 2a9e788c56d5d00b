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
