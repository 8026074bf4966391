//! The external corpora (`scripts/corpora.sh`: agentdojo and spikee from PyPI, converted
//! into `target/corpora/`) were converted and `guardhouse eval` scores them: every case of
//! every file the manifest lists is run or counted as not screened, under the label the
//! converter gave it, and none fails to run. The scores themselves are not asserted: the
//! guards change, the README carries the measured tables.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

use common::*;

/// The guards issue 13 measures on these corpora.
const GUARDS: [&str; 3] = ["prompt-injection", "tool-poisoning", "simple-pattern"];

fn corpora_dir() -> PathBuf {
    root().join("target/corpora")
}

/// The converter's manifest: per source, its files and their cases per label.
fn manifest() -> Value {
    let path = corpora_dir().join("manifest.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{} is missing ({e}): run scripts/corpora.sh (it installs agentdojo and spikee \
             from PyPI into target/venv-corpora and converts them into target/corpora/)",
            path.display()
        )
    });
    serde_json::from_str(&text).unwrap()
}

/// file name → label → cases, over every source.
fn expected(manifest: &Value) -> BTreeMap<String, BTreeMap<String, u64>> {
    let mut files = BTreeMap::new();
    for source in manifest["sources"].as_object().unwrap().values() {
        for (file, labels) in source["files"].as_object().unwrap() {
            let labels = labels
                .as_object()
                .unwrap()
                .iter()
                .map(|(l, n)| (l.clone(), n.as_u64().unwrap()))
                .collect();
            files.insert(file.clone(), labels);
        }
    }
    files
}

fn eval(files: &[PathBuf]) -> Value {
    for guard in GUARDS {
        component(&format!("guards/dist/{guard}.wasm"));
    }
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_guardhouse"));
    cmd.current_dir(root())
        .args(["eval", "--json", "-c", "guards/gateway.yaml"]);
    for guard in GUARDS {
        cmd.args(["--guard", guard]);
    }
    let out = cmd.args(files).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&stdout).unwrap()
}

#[test]
fn the_external_corpora_are_converted_and_every_case_is_scored() {
    let manifest = manifest();
    for source in ["agentdojo", "spikee"] {
        let entry = &manifest["sources"][source];
        assert!(
            entry["cases"].as_u64().unwrap_or(0) > 500,
            "{source} converted to too few cases: {entry}"
        );
    }
    let expected = expected(&manifest);
    let files: Vec<PathBuf> = expected.keys().map(|f| corpora_dir().join(f)).collect();
    for file in &files {
        assert!(file.exists(), "{} is listed but missing", file.display());
    }

    let summary = eval(&files);
    let reports = summary["reports"].as_array().unwrap();
    assert_eq!(reports.len(), GUARDS.len() * files.len());
    for report in reports {
        let guard = report["guard"].as_str().unwrap();
        let corpus = report["corpus"].as_str().unwrap();
        let name = corpus.rsplit('/').next().unwrap();
        let labels = &expected[name];
        let total: u64 = labels.values().sum();
        let scored = report["overall"]["cases"].as_u64().unwrap();
        let skipped = report["not_screened"].as_u64().unwrap();
        assert_eq!(scored + skipped, total, "{guard} on {name}: {report}");
        assert_eq!(report["errors"], Value::Array(vec![]), "{guard} on {name}");
        for category in report["categories"].as_array().unwrap() {
            let label = category["label"].as_str().unwrap();
            assert_eq!(
                Some(&category["cases"].as_u64().unwrap()),
                labels.get(label),
                "{guard} on {name}, label {label}"
            );
        }
    }

    // Each guard screens a share of the corpora with both attacks and benign cases.
    for total in summary["totals"].as_array().unwrap() {
        let o = &total["overall"];
        assert!(
            o["attacks"].as_u64().unwrap() > 100 && o["benign"].as_u64().unwrap() > 50,
            "{}: {o}",
            total["guard"]
        );
    }
}
