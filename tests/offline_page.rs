//! The service worker (web/sw.js) keeps every module of the map page, so that the page
//! opens again without a connection: a module missing from its list breaks the offline
//! reload only when that module is first imported, which no other test would notice.

use std::path::Path;

#[test]
fn the_service_worker_keeps_every_module_of_the_page() {
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
    let sw = std::fs::read_to_string(web.join("sw.js")).expect("web/sw.js");
    let mut missing = Vec::new();
    let mut seen = 0;
    for entry in std::fs::read_dir(&web).expect("web/") {
        let name = entry.expect("a directory entry").file_name();
        let name = name.to_string_lossy();
        if !name.ends_with(".js") || name == "sw.js" {
            continue;
        }
        seen += 1;
        if !sw.contains(&format!("'/static/{name}'")) {
            missing.push(name.into_owned());
        }
    }
    assert!(seen > 10, "only {seen} modules found in web/");
    assert!(
        missing.is_empty(),
        "web/sw.js does not keep {missing:?}: add them to its PAGE list"
    );
}
