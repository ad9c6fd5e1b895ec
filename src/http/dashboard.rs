//! The control room's dashboard, served by the service itself: `GET /` is the page and
//! `GET /ui/{file}` its modules, styles and icon (`assets/dashboard/`, flat) and the vendored
//! charting library (uPlot, `assets/uplot/`). Every file is compiled into the binary, so the
//! dashboard needs no build step, no CDN and no network at run time: it works on an isolated
//! control network. Like the API's documentation it is public; it holds no well data and asks
//! the API for everything with the user's token.
//!
//! Each answer carries an `ETag` (a hash of the file, computed once) and `Cache-Control:
//! no-cache`: browsers revalidate on every load and get a bodiless 304 while the binary is the
//! same, and never run a stale module after an upgrade.

use std::sync::OnceLock;

use axum::extract::rejection::PathRejection;
use axum::extract::Path;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::error::{ApiError, ErrorBody};

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const HTML: &str = "text/html; charset=utf-8";
const SVG: &str = "image/svg+xml";
const TEXT: &str = "text/plain; charset=utf-8";

/// One served file: its name under `/ui/`, where it lives under `assets/`, and its type.
struct Asset {
    name: &'static str,
    /// Read by the tests only, which hold the table to the files on disk.
    #[cfg_attr(not(test), allow(dead_code))]
    source: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

/// An [`Asset`] compiled in from `assets/<source>`.
macro_rules! asset {
    ($name:literal, $source:literal, $content_type:expr) => {
        Asset {
            name: $name,
            source: $source,
            content_type: $content_type,
            bytes: include_bytes!(concat!("../../assets/", $source)),
        }
    };
}

/// Every file `/ui/{file}` serves. A file added to `assets/dashboard/` must be listed here;
/// the tests below refuse one that is not.
const FILES: &[Asset] = &[
    asset!("index.html", "dashboard/index.html", HTML),
    asset!("favicon.svg", "dashboard/favicon.svg", SVG),
    asset!("app.css", "dashboard/app.css", CSS),
    asset!("login.css", "dashboard/login.css", CSS),
    asset!("overview.css", "dashboard/overview.css", CSS),
    asset!("alarms.css", "dashboard/alarms.css", CSS),
    asset!("well.css", "dashboard/well.css", CSS),
    asset!("app.js", "dashboard/app.js", JS),
    asset!("api.js", "dashboard/api.js", JS),
    asset!("dom.js", "dashboard/dom.js", JS),
    asset!("live.js", "dashboard/live.js", JS),
    asset!("session.js", "dashboard/session.js", JS),
    asset!("login.js", "dashboard/login.js", JS),
    asset!("overview.js", "dashboard/overview.js", JS),
    asset!("fleet_model.js", "dashboard/fleet_model.js", JS),
    asset!("fleet_counts.js", "dashboard/fleet_counts.js", JS),
    asset!("fleet_toolbar.js", "dashboard/fleet_toolbar.js", JS),
    asset!("reorder_pacing.js", "dashboard/reorder_pacing.js", JS),
    asset!("well_grid.js", "dashboard/well_grid.js", JS),
    asset!("well_grid_row.js", "dashboard/well_grid_row.js", JS),
    asset!("well_grid_columns.js", "dashboard/well_grid_columns.js", JS),
    asset!("alarms.js", "dashboard/alarms.js", JS),
    asset!("alarm_model.js", "dashboard/alarm_model.js", JS),
    asset!("alarm_table.js", "dashboard/alarm_table.js", JS),
    asset!("alarm_kpis.js", "dashboard/alarm_kpis.js", JS),
    asset!("alarm_dialogs.js", "dashboard/alarm_dialogs.js", JS),
    asset!("well.js", "dashboard/well.js", JS),
    asset!("well_sections.js", "dashboard/well_sections.js", JS),
    asset!("well_history.js", "dashboard/well_history.js", JS),
    asset!("restart.js", "dashboard/restart.js", JS),
    asset!("charts.js", "dashboard/charts.js", JS),
    asset!("uPlot.esm.js", "uplot/uPlot.esm.js", JS),
    asset!("uPlot.min.css", "uplot/uPlot.min.css", CSS),
    asset!("uPlot.LICENSE", "uplot/LICENSE", TEXT),
];

/// The page `GET /` serves.
const INDEX: &str = "index.html";

/// Each file's `ETag`, by its index in [`FILES`]: the first 16 bytes of its SHA-256, quoted.
fn etags() -> &'static [String] {
    static ETAGS: OnceLock<Vec<String>> = OnceLock::new();
    ETAGS.get_or_init(|| {
        let hex = |digest: &[u8]| digest[..16].iter().map(|byte| format!("{byte:02x}")).collect::<String>();
        FILES.iter().map(|file| format!("\"{}\"", hex(&Sha256::digest(file.bytes)))).collect()
    })
}

/// Whether `If-None-Match` names `etag` (or `*`), weak or strong: the browser's copy is current.
fn still_current(headers: &HeaderMap, etag: &str) -> bool {
    let Some(wanted) = headers.get(header::IF_NONE_MATCH).and_then(|value| value.to_str().ok()) else {
        return false;
    };
    wanted.split(',').map(str::trim).any(|tag| tag == "*" || tag.trim_start_matches("W/") == etag)
}

/// The answer for the file at `index` in [`FILES`]: the bytes, or a 304 when the browser has them.
fn serve(index: usize, headers: &HeaderMap) -> Response {
    let (file, etag) = (&FILES[index], etags()[index].as_str());
    let caching = [(header::ETAG, etag), (header::CACHE_CONTROL, "no-cache")];
    if still_current(headers, etag) {
        return (StatusCode::NOT_MODIFIED, caching).into_response();
    }
    (caching, [(header::CONTENT_TYPE, file.content_type)], file.bytes).into_response()
}

fn position(name: &str) -> Option<usize> {
    FILES.iter().position(|file| file.name == name)
}

/// `GET /`: the dashboard.
#[utoipa::path(get, path = "/", tag = "dashboard",
    responses(
        (status = 200, description = "the dashboard's page", content_type = "text/html", body = String),
        (status = 304, description = "the page is unchanged since the `ETag` given in `If-None-Match`"),
    ))]
pub async fn index(headers: HeaderMap) -> Response {
    // The page is always in the table (a unit test holds it there); a 404 would show the bug.
    match position(INDEX) {
        Some(index) => serve(index, &headers),
        None => ApiError::NoRoute("/".into()).into_response(),
    }
}

/// `GET /ui/{file}`: one of the dashboard's files, or uPlot's.
#[utoipa::path(get, path = "/ui/{file}", tag = "dashboard",
    params(("file" = String, Path, description = "a file the page loads (`app.js`, `app.css`, `uPlot.esm.js`, ...)",
        pattern = "^[A-Za-z0-9][A-Za-z0-9._-]*$")),
    responses(
        (status = 200, description = "the file", content(
            (String = "text/javascript"), (String = "text/css"), (String = "text/html"), (String = "image/svg+xml"),
            (String = "text/plain"))),
        (status = 304, description = "the file is unchanged since the `ETag` given in `If-None-Match`"),
        (status = 400, description = "a name that is not UTF-8 once decoded (`bad_request`)", body = ErrorBody),
        (status = 404, description = "no such file (`not_found`)", body = ErrorBody),
    ))]
pub async fn asset(file: Result<Path<String>, PathRejection>, headers: HeaderMap) -> Result<Response, ApiError> {
    let Path(file) = file.map_err(|rejection| ApiError::BadRequest(rejection.body_text().to_lowercase()))?;
    match position(&file) {
        Some(index) => Ok(serve(index, &headers)),
        None => Err(ApiError::NoRoute(format!("/ui/{file}"))),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::PathBuf;

    use super::*;

    fn assets_dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets")
    }

    fn served(name: &str) -> bool {
        position(name).is_some()
    }

    fn text(file: &Asset) -> &str {
        std::str::from_utf8(file.bytes).unwrap_or_else(|e| panic!("{} is not UTF-8: {e}", file.name))
    }

    /// The quoted names after each `marker` in `text`, up to the closing quote.
    fn quoted_after<'a>(text: &'a str, marker: &str) -> Vec<&'a str> {
        text.split(marker).skip(1).filter_map(|rest| rest.split(['"', '\'']).next()).collect()
    }

    #[test]
    fn every_dashboard_file_is_served_and_every_served_file_is_on_disk() {
        let dir = assets_dir().join("dashboard");
        let mut on_disk = BTreeSet::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            assert!(entry.file_type().unwrap().is_file(), "{:?}: the dashboard's files are flat", entry.path());
            on_disk.insert(entry.file_name().into_string().unwrap());
        }
        for name in &on_disk {
            let file = FILES.iter().find(|file| file.source == format!("dashboard/{name}"));
            assert!(file.is_some_and(|file| file.name == name), "assets/dashboard/{name} is not in FILES");
        }
        for file in FILES {
            let bytes =
                std::fs::read(assets_dir().join(file.source)).unwrap_or_else(|e| panic!("{}: {e}", file.source));
            assert!(bytes == file.bytes, "{} is not the file compiled in", file.source);
        }
        assert_eq!(FILES.iter().filter(|file| file.source.starts_with("dashboard/")).count(), on_disk.len());
    }

    #[test]
    fn names_are_unique_flat_and_typed_by_their_extension() {
        let names: BTreeSet<&str> = FILES.iter().map(|file| file.name).collect();
        assert_eq!(names.len(), FILES.len(), "a name is listed twice");
        for file in FILES {
            let mut chars = file.name.chars();
            assert!(chars.next().is_some_and(|c| c.is_ascii_alphanumeric()), "{}", file.name);
            assert!(chars.all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)), "{}", file.name);
            let expected = match file.name.rsplit('.').next() {
                Some("js") => JS,
                Some("css") => CSS,
                Some("html") => HTML,
                Some("svg") => SVG,
                _ => TEXT,
            };
            assert_eq!(file.content_type, expected, "{}", file.name);
        }
    }

    #[test]
    fn everything_the_page_and_its_modules_load_is_served() {
        let page = text(&FILES[position(INDEX).unwrap()]);
        let loaded = quoted_after(page, "\"/ui/");
        assert!(loaded.contains(&"app.js") && loaded.contains(&"favicon.svg"), "{loaded:?}");
        for name in loaded {
            assert!(served(name), "index.html loads /ui/{name}, which is not served");
        }
        for module in FILES.iter().filter(|file| file.content_type == JS) {
            let source = text(module);
            for marker in ["from \"./", "from './", "import \"./", "import './", "import(\"./", "import('./"] {
                for name in quoted_after(source, marker) {
                    assert!(served(name), "{} imports ./{name}, which is not served", module.name);
                }
            }
        }
    }

    #[test]
    fn the_page_runs_no_inline_script() {
        let page = text(&FILES[position(INDEX).unwrap()]);
        let tags: Vec<&str> = page.split("<script").skip(1).map(|rest| rest.split('>').next().unwrap_or("")).collect();
        assert!(!tags.is_empty());
        for tag in tags {
            assert!(tag.contains(" src=\"/ui/"), "<script{tag}> is inline or loads from elsewhere");
        }
    }

    /// Nothing is fetched from elsewhere, so the page works offline. uPlot's bundle is left out:
    /// the upstream source cites web pages in its comments and fetches nothing. The SVG namespace
    /// is a name every SVG file declares, never fetched.
    #[test]
    fn no_file_refers_to_another_host() {
        for file in FILES.iter().filter(|file| file.source != "uplot/uPlot.esm.js") {
            let text = text(file).replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
            assert!(!text.contains("http://") && !text.contains("https://"), "{} refers to another host", file.name);
        }
    }

    #[test]
    fn etags_follow_the_content_and_answer_if_none_match() {
        let tags = etags();
        assert_eq!(tags.len(), FILES.len());
        let distinct: BTreeSet<&String> = tags.iter().collect();
        assert_eq!(distinct.len(), FILES.len(), "different files share an ETag");
        let etag = tags[0].as_str();
        assert!(etag.len() == 34 && etag.starts_with('"') && etag.ends_with('"'), "{etag}");
        let asking = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::IF_NONE_MATCH, value.parse().unwrap());
            still_current(&headers, etag)
        };
        assert!(asking(etag) && asking(&format!("W/{etag}")) && asking(&format!("\"x\", {etag}")) && asking("*"));
        assert!(!asking("\"x\"") && !asking(&tags[1]) && !still_current(&HeaderMap::new(), etag));
    }
}
