//! Wells added at run time: through the API, a well is added and starts polling; it is still
//! there after the process restarts; once deleted, it stays deleted.

mod support;

use std::time::Duration;

use support::{eventually, free_ports, get, http, Scratch};

fn config(scratch: &Scratch, base_port: u16) -> std::path::PathBuf {
    scratch.config(&format!(
        "[http]\nbind = \"127.0.0.1:0\"\n[storage]\nurl = \"sqlite://{{db}}\"\n[polling]\nperiod = \"200ms\"\ntimeout = \"150ms\"\n\
         [simulator]\nwells = 2\nbase_port = {base_port}\n\
         [[well_group]]\nprefix = \"W-\"\ncount = 1\nprofile = \"esp-default\"\nfirst_port = {base_port}\n"
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_well_added_through_the_api_survives_a_restart_until_deleted() {
    let scratch = Scratch::new();
    let base_port = free_ports(2);
    let path = config(&scratch, base_port);
    let loaded = wellvisor::config::load(&path, &support::auth::test_env).expect("config");

    let app = wellvisor::app::start(&loaded).await.expect("start");
    let body = format!(
        r#"{{"id":"ADDED-1","name":"added","profile":"esp-default","host":"127.0.0.1","port":{}}}"#,
        base_port + 1
    );
    let (status, created) = http(app.http_addr, "POST", "/api/v1/wells", Some(&body)).await.expect("post");
    assert_eq!(status, 201, "{created}");
    let addr = app.http_addr;
    eventually(Duration::from_secs(5), "the added well online", async || {
        let (_, detail) = get(addr, "/api/v1/wells/ADDED-1").await;
        (detail["connection"] == "online").then_some(())
    })
    .await;
    app.shutdown().await.expect("shutdown");

    let app = wellvisor::app::start(&loaded).await.expect("restart");
    let (_, list) = get(app.http_addr, "/api/v1/wells").await;
    let ids: Vec<&str> = list["wells"].as_array().into_iter().flatten().filter_map(|w| w["id"].as_str()).collect();
    assert_eq!(ids, ["ADDED-1", "W-001"]);
    let (_, detail) = get(app.http_addr, "/api/v1/wells/ADDED-1").await;
    assert_eq!(detail["name"], "added");
    let (status, _) = http(app.http_addr, "DELETE", "/api/v1/wells/ADDED-1", None).await.expect("delete");
    assert_eq!(status, 204);
    app.shutdown().await.expect("shutdown");

    let app = wellvisor::app::start(&loaded).await.expect("restart again");
    let (status, _) = get(app.http_addr, "/api/v1/wells/ADDED-1").await;
    assert_eq!(status, 404);
    app.shutdown().await.expect("shutdown");
}
