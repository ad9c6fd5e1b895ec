//! The Kubernetes manifests (`deploy/kubernetes`): the workload runs the image's CLI on the
//! ConfigMap's configuration, probes routes the router serves on a port a Service exposes, is
//! one hardened replica with resources and a persistent spool, and takes its secrets from a
//! Secret that holds only variables the code reads.

use std::collections::BTreeSet;
use std::path::PathBuf;

use axum::http::StatusCode;
use serde_yaml::Value;

use super::deploy::{self, object, read, repo, strings, text};
use super::harness::TestApp;
use super::{config_ports, dockerfile, load_as_in_image, run_config_of, IMAGE_CONFIG};

type Objects = Vec<(PathBuf, Value)>;

fn workload(objects: &Objects) -> &Value {
    let kinds = ["StatefulSet", "Deployment"];
    let found: Vec<&Value> =
        objects.iter().map(|(_, o)| o).filter(|o| kinds.contains(&text(&o["kind"]).as_str())).collect();
    assert_eq!(found.len(), 1, "one workload, a StatefulSet or a Deployment");
    found[0]
}

fn container(workload: &Value) -> &Value {
    let containers = workload["spec"]["template"]["spec"]["containers"].as_sequence().expect("containers");
    containers.iter().find(|c| text(&c["name"]) == "wellvisor").expect("a container named wellvisor")
}

/// The production configuration as the ConfigMap carries it.
fn mounted_config(objects: &Objects) -> String {
    text(&object(objects, "ConfigMap", None)["data"]["wellvisor.toml"])
}

/// A container port, by name or number, as a number.
fn container_port(container: &Value, port: &Value) -> u16 {
    let ports = container["ports"].as_sequence().expect("ports");
    let declared = ports.iter().find(|p| text(&p["name"]) == text(port) || text(&p["containerPort"]) == text(port));
    let declared = declared.unwrap_or_else(|| panic!("port {} is not a declared containerPort", text(port)));
    declared["containerPort"].as_u64().and_then(|n| u16::try_from(n).ok()).expect("a port number")
}

/// The Service port that targets `port` (a container port's name or number), with its Service.
fn service_port_targeting<'a>(objects: &'a Objects, container: &Value, port: u16) -> (&'a Value, &'a Value) {
    let services = objects.iter().map(|(_, o)| o).filter(|o| text(&o["kind"]) == "Service");
    services
        .flat_map(|service| service["spec"]["ports"].as_sequence().into_iter().flatten().map(move |p| (service, p)))
        .find(|(_, p)| container_port(container, &p["targetPort"]) == port)
        .unwrap_or_else(|| panic!("no Service exposes container port {port}"))
}

#[test]
fn the_configmap_carries_the_production_config_where_the_command_reads_it() {
    let objects = deploy::kubernetes_objects();
    let config = mounted_config(&objects);
    assert_eq!(config, read("deploy/config/production.toml"), "the ConfigMap is production.toml verbatim");
    load_as_in_image(&config, IMAGE_CONFIG);
    let container = container(workload(&objects));
    let entrypoint = match container.get("command") {
        Some(command) => strings(command),
        None => dockerfile().entrypoint,
    };
    let argv: Vec<String> = entrypoint.into_iter().chain(strings(&container["args"])).collect();
    let path = run_config_of(&argv).expect("the container runs `run`");
    let mounts = container["volumeMounts"].as_sequence().expect("volumeMounts");
    let mount = mounts.iter().find(|m| text(&m["mountPath"]) == path.to_str().expect("utf-8"));
    let mount = mount.unwrap_or_else(|| panic!("nothing is mounted at {}", path.display()));
    assert_eq!(text(&mount["subPath"]), "wellvisor.toml", "one file, so the image's profiles stay visible");
    let volumes = workload(&objects)["spec"]["template"]["spec"]["volumes"].as_sequence().expect("volumes");
    let volume = volumes.iter().find(|v| v["name"] == mount["name"]).expect("the mount's volume");
    assert_eq!(volume["configMap"]["name"], object(&objects, "ConfigMap", None)["metadata"]["name"]);
}

#[tokio::test]
async fn every_probe_asks_a_real_route_on_the_ops_port_a_service_exposes() {
    let objects = deploy::kubernetes_objects();
    let container = container(workload(&objects));
    let (_, ops) = config_ports(&mounted_config(&objects));
    let app = TestApp::start().await;
    for (probe, path) in
        [("startupProbe", "/health/startup"), ("livenessProbe", "/health/live"), ("readinessProbe", "/health/ready")]
    {
        let get = &container[probe]["httpGet"];
        assert_eq!(text(&get["path"]), path, "{probe}");
        assert_eq!(container_port(container, &get["port"]), ops, "{probe} asks the ops port (http.ops_bind)");
        service_port_targeting(&objects, container, ops);
        let status = app.get(path).await.status;
        let unrouted = [StatusCode::NOT_FOUND, StatusCode::METHOD_NOT_ALLOWED];
        assert!(!unrouted.contains(&status), "{probe}: GET {path} is not a route ({status})");
    }
}

#[test]
fn the_workload_is_one_hardened_replica_with_resources_and_a_persistent_spool() {
    let objects = deploy::kubernetes_objects();
    let workload = workload(&objects);
    assert_eq!(workload["spec"]["replicas"].as_u64(), Some(1), "one process owns the wells");
    let container = container(workload);
    for bound in ["requests", "limits"] {
        for resource in ["cpu", "memory"] {
            assert!(!text(&container["resources"][bound][resource]).is_empty(), "resources.{bound}.{resource}");
        }
    }
    let pod = &workload["spec"]["template"]["spec"]["securityContext"];
    let security = &container["securityContext"];
    let either = |key: &str| if security.get(key).is_some() { &security[key] } else { &pod[key] };
    assert_eq!(either("runAsNonRoot").as_bool(), Some(true), "runAsNonRoot");
    let image_uid = dockerfile().user.split(':').next().expect("uid").to_owned();
    assert_eq!(text(either("runAsUser")), image_uid, "runAsUser is the image's user");
    assert_eq!(security["readOnlyRootFilesystem"].as_bool(), Some(true));
    assert_eq!(security["allowPrivilegeEscalation"].as_bool(), Some(false));
    assert!(strings(&security["capabilities"]["drop"]).contains(&"ALL".to_owned()), "drop ALL capabilities");
    assert_eq!(text(&either("seccompProfile")["type"]), "RuntimeDefault");

    let config = load_as_in_image(&mounted_config(&objects), IMAGE_CONFIG).config;
    let (api, _) = config_ports(&mounted_config(&objects));
    assert_eq!(container_port(container, &Value::from("api")), api, "the api port is http.bind's");
    let claims: BTreeSet<String> = workload["spec"]["volumeClaimTemplates"]
        .as_sequence()
        .map(|claims| claims.iter().map(|c| text(&c["metadata"]["name"])).collect())
        .unwrap_or_default();
    let mounts = container["volumeMounts"].as_sequence().expect("volumeMounts");
    for (what, dir) in [("spool", config.storage.spool_dir()), ("archive", config.retention.archive_dir.clone())] {
        let persistent =
            mounts.iter().any(|m| claims.contains(&text(&m["name"])) && dir.starts_with(text(&m["mountPath"])));
        assert!(persistent, "the {what} ({}) is on a volumeClaimTemplate's volume", dir.display());
    }
}

#[test]
fn the_secret_holds_only_variables_the_code_reads_and_feeds_the_container() {
    let objects = deploy::kubernetes_objects();
    let secret = object(&objects, "Secret", None);
    let keys: BTreeSet<String> = ["stringData", "data"]
        .iter()
        .filter_map(|field| secret[*field].as_mapping())
        .flat_map(|entries| entries.keys().map(text))
        .collect();
    assert!(keys.contains("WELLVISOR_DATABASE_URL"), "the database URL is a secret");
    let read_by_code = deploy::env_names_in_code();
    let unknown: Vec<_> = keys.difference(&read_by_code).collect();
    assert!(unknown.is_empty(), "the Secret holds {unknown:?}, which no code reads");
    let sources = container(workload(&objects))["envFrom"].as_sequence().expect("envFrom");
    assert!(sources.iter().any(|s| s["secretRef"]["name"] == secret["metadata"]["name"]), "envFrom the Secret");
}

#[test]
fn the_ops_port_has_its_own_service_annotated_for_prometheus() {
    let objects = deploy::kubernetes_objects();
    let container = container(workload(&objects));
    let (api, ops) = config_ports(&mounted_config(&objects));
    let (service, port) = service_port_targeting(&objects, container, ops);
    let annotations = &service["metadata"]["annotations"];
    assert_eq!(text(&annotations["prometheus.io/scrape"]), "true");
    assert_eq!(text(&annotations["prometheus.io/port"]), text(&port["port"]), "the scrape port is the ops port");
    assert_eq!(text(&annotations["prometheus.io/path"]), "/metrics");
    let (api_service, _) = service_port_targeting(&objects, container, api);
    assert_ne!(
        api_service["metadata"]["name"], service["metadata"]["name"],
        "the ops port stays off the API's Service"
    );
}

#[test]
fn the_kustomization_lists_every_manifest() {
    let kustomization = &deploy::yaml_documents(&repo("deploy/kubernetes/kustomization.yaml"))[0];
    let listed: BTreeSet<String> = strings(&kustomization["resources"]).into_iter().collect();
    let files: BTreeSet<String> = deploy::files_under(&repo("deploy/kubernetes"), &["yaml", "yml"])
        .iter()
        .filter_map(|f| f.file_name()?.to_str().map(str::to_owned))
        .filter(|name| name != "kustomization.yaml")
        .collect();
    assert_eq!(listed, files);
}
