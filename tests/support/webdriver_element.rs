//! An element of the page a [`Browser`] shows: clicked, typed into, read, and searched within,
//! by its WebDriver reference (valid until the page replaces the element).

use std::fmt;

use serde_json::{json, Value};

use super::{by_css, Browser, ELEMENT_KEY};

/// An element of the current page, by its WebDriver reference.
#[derive(Clone)]
pub struct Element<'b> {
    pub(super) browser: &'b Browser,
    pub(super) id: String,
}

impl fmt::Debug for Element<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Element({})", self.id)
    }
}

impl PartialEq for Element<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl<'b> Element<'b> {
    /// The element as a script argument.
    pub fn arg(&self) -> Value {
        json!({ ELEMENT_KEY: self.id })
    }

    async fn must(&self, what: &str, method: &str, path: &str, body: Option<Value>) -> Value {
        self.browser.must(what, method, &format!("/element/{}{path}", self.id), body).await
    }

    pub async fn click(&self) {
        self.must("click", "POST", "/click", Some(json!({}))).await;
    }

    /// Types `text` into the element (focusing it first); [`keys`] may be part of it.
    pub async fn send_keys(&self, text: &str) {
        self.must("type", "POST", "/value", Some(json!({ "text": text }))).await;
    }

    pub async fn clear(&self) {
        self.must("clear", "POST", "/clear", Some(json!({}))).await;
    }

    /// The rendered text.
    pub async fn text(&self) -> String {
        self.must("read text", "GET", "/text", None).await.as_str().unwrap_or("").to_owned()
    }

    pub async fn attribute(&self, name: &str) -> Option<String> {
        let value = self.must(&format!("read {name}"), "GET", &format!("/attribute/{name}"), None).await;
        value.as_str().map(str::to_owned)
    }

    pub async fn property(&self, name: &str) -> Value {
        self.must(&format!("read .{name}"), "GET", &format!("/property/{name}"), None).await
    }

    pub async fn is_displayed(&self) -> bool {
        self.must("read visibility", "GET", "/displayed", None).await.as_bool().unwrap_or(false)
    }

    /// The first descendant matching `css`, if any.
    pub async fn try_find(&self, css: &str) -> Option<Element<'b>> {
        let path = format!("/element/{}/element", self.id);
        let found = self.browser.command("POST", &path, Some(by_css(css))).await.ok()?;
        Some(self.browser.element(&found))
    }

    pub async fn find_all(&self, css: &str) -> Vec<Element<'b>> {
        let found = self.must(&format!("find {css}"), "POST", "/elements", Some(by_css(css))).await;
        found.as_array().map(|all| all.iter().map(|e| self.browser.element(e)).collect()).unwrap_or_default()
    }
}
