//! Lists that follow `nextLink` lazily.

use std::collections::VecDeque;
use std::fmt;

use http::Method;
use serde::de::DeserializeOwned;

use crate::models::Page;
use crate::operations::decode;
use crate::{Error, KeyVaultClient, Result};

/// An iterator over every item of a list, fetching one page at a time as it is
/// consumed. A failed page ends the iteration with its error.
///
/// `nextLink` is followed only within the vault it came from: a link to another
/// origin is an error, so a vault cannot send the client's token elsewhere.
pub struct Pager<T> {
    client: KeyVaultClient,
    next: Option<(String, Option<String>)>,
    buffer: VecDeque<T>,
    /// An error to report once the items already received are handed out.
    pending: Option<Error>,
    what: &'static str,
}

impl<T> fmt::Debug for Pager<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pager")
            .field("what", &self.what)
            .field("buffered", &self.buffer.len())
            .field("more", &self.next.is_some())
            .finish()
    }
}

impl<T: DeserializeOwned> Pager<T> {
    pub(crate) fn new(client: KeyVaultClient, path: String, what: &'static str) -> Self {
        Pager {
            client,
            next: Some((path, None)),
            buffer: VecDeque::new(),
            pending: None,
            what,
        }
    }

    /// The path and query of a `nextLink`, if it stays inside this vault.
    fn follow(&self, link: &str) -> Result<(String, Option<String>)> {
        let base = self.client.vault_url();
        let outside = || {
            Error::UnexpectedAnswer(format!(
                "the vault's nextLink `{link}` points outside {base}"
            ))
        };
        let uri: http::Uri = link.parse().map_err(|_| outside())?;
        let origin = format!(
            "{}://{}",
            uri.scheme_str().unwrap_or_default().to_ascii_lowercase(),
            uri.authority()
                .map(|a| a.as_str().to_ascii_lowercase())
                .unwrap_or_default()
        );
        let default_port = |scheme: &str| if scheme == "https" { ":443" } else { ":80" };
        let same = origin == base
            || origin
                == format!(
                    "{base}{}",
                    default_port(uri.scheme_str().unwrap_or_default())
                );
        if !same || !(uri.path().starts_with("/keys") || uri.path().starts_with("/deletedkeys")) {
            return Err(outside());
        }
        Ok((uri.path().to_string(), uri.query().map(str::to_string)))
    }

    fn fetch(&mut self, path: String, query: Option<String>) -> Result<()> {
        let body = self.client.call(Method::GET, path, query, None, true)?;
        let page: Page<T> = decode(&body, self.what)?;
        self.buffer.extend(page.value);
        self.next = None;
        if let Some(link) = page.next_link.filter(|l| !l.is_empty()) {
            match self.follow(&link) {
                Ok(next) => self.next = Some(next),
                Err(e) => self.pending = Some(e),
            }
        }
        Ok(())
    }
}

impl<T: DeserializeOwned> Iterator for Pager<T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        loop {
            if let Some(item) = self.buffer.pop_front() {
                return Some(Ok(item));
            }
            if let Some(e) = self.pending.take() {
                return Some(Err(e));
            }
            let (path, query) = self.next.take()?;
            if let Err(e) = self.fetch(path, query) {
                self.next = None;
                return Some(Err(e));
            }
        }
    }
}
