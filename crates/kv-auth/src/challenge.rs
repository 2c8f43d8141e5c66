//! `WWW-Authenticate` parsing by the RFC 9110 §11 grammar.
//!
//! ```text
//! WWW-Authenticate = #challenge
//! challenge        = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
//! auth-param       = token BWS "=" BWS ( token / quoted-string )
//! ```
//!
//! Unlike parsers that split on `,` and `=`, this one keeps `,` and `=` inside quoted
//! values, handles `\` escapes, several challenges per header and empty list
//! elements, and never merges parameters of different challenges.

use crate::{Error, Result};

/// One authentication challenge: a scheme with a token68 or auth-params.
///
/// ```
/// let cs = kv_auth::parse_challenges(
///     r#"Bearer authorization="https://login.example/t", resource="https://vault.azure.net", Basic realm="a, b=c""#,
/// ).unwrap();
/// assert_eq!(cs.len(), 2);
/// assert!(cs[0].is_scheme("bearer"));
/// assert_eq!(cs[0].param("Resource"), Some("https://vault.azure.net"));
/// assert_eq!(cs[1].param("realm"), Some("a, b=c"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    scheme: String,
    token68: Option<String>,
    params: Vec<(String, String)>,
}

impl Challenge {
    /// The auth-scheme as sent.
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// Whether the scheme is `scheme` (case-insensitive).
    pub fn is_scheme(&self, scheme: &str) -> bool {
        self.scheme.eq_ignore_ascii_case(scheme)
    }

    /// The token68 form, if the challenge used it.
    pub fn token68(&self) -> Option<&str> {
        self.token68.as_deref()
    }

    /// A parameter value by (case-insensitive) name, unescaped.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// All parameters, names lowercased, in order.
    pub fn params(&self) -> impl Iterator<Item = (&str, &str)> {
        self.params.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }
}

/// Parses every challenge in one `WWW-Authenticate` header value.
///
/// # Errors
///
/// [`Error::MalformedChallenge`] with the byte position and what was expected there.
pub fn parse_challenges(header: &str) -> Result<Vec<Challenge>> {
    let mut p = Parser {
        s: header.as_bytes(),
        i: 0,
    };
    let mut out = Vec::new();
    loop {
        p.skip_ows_and_commas();
        if p.eof() {
            break;
        }
        let scheme = p.token().ok_or_else(|| p.err("expected an auth-scheme"))?;
        let mut challenge = Challenge {
            scheme: scheme.to_string(),
            token68: None,
            params: Vec::new(),
        };
        let had_space = p.skip_sp();
        if p.eof() || p.peek() == Some(b',') {
            out.push(challenge);
            continue;
        }
        if !had_space {
            return Err(p.err("expected a space after the auth-scheme"));
        }
        if let Some(t) = p.try_token68() {
            challenge.token68 = Some(t.to_string());
            out.push(challenge);
            continue;
        }
        loop {
            let name = p
                .token()
                .ok_or_else(|| p.err("expected an auth-param name"))?;
            p.skip_ows();
            if !p.eat(b'=') {
                return Err(p.err("expected `=` after an auth-param name"));
            }
            p.skip_ows();
            let value = if p.peek() == Some(b'"') {
                p.quoted_string()?
            } else {
                p.token()
                    .ok_or_else(|| p.err("expected a token or quoted-string value"))?
                    .to_string()
            };
            if challenge.param(name).is_some() {
                return Err(p.err("duplicate auth-param in one challenge"));
            }
            challenge.params.push((name.to_ascii_lowercase(), value));
            p.skip_ows();
            if p.eof() {
                break;
            }
            if p.peek() != Some(b',') {
                return Err(p.err("expected `,` after an auth-param"));
            }
            let before = p.i;
            p.skip_ows_and_commas();
            if p.eof() {
                break;
            }
            if !p.at_auth_param() {
                // The next element starts a new challenge.
                p.i = before;
                break;
            }
        }
        out.push(challenge);
    }
    if out.is_empty() {
        return Err(Error::MalformedChallenge {
            position: 0,
            reason: "no challenge in the header",
        });
    }
    Ok(out)
}

/// Parses every `WWW-Authenticate` header of a response, in order.
///
/// # Errors
///
/// [`Error::MalformedChallenge`] if any header is malformed or not visible ASCII.
pub fn parse_challenge_headers(headers: &http::HeaderMap) -> Result<Vec<Challenge>> {
    let mut out = Vec::new();
    for value in headers.get_all(http::header::WWW_AUTHENTICATE) {
        let text = value.to_str().map_err(|_| Error::MalformedChallenge {
            position: 0,
            reason: "header is not visible ASCII",
        })?;
        out.extend(parse_challenges(text)?);
    }
    Ok(out)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn is_token68_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~+/".contains(&b)
}

impl<'a> Parser<'a> {
    fn err(&self, reason: &'static str) -> Error {
        Error::MalformedChallenge {
            position: self.i,
            reason,
        }
    }

    fn eof(&self) -> bool {
        self.i >= self.s.len()
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn skip_ows(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
    }

    fn skip_sp(&mut self) -> bool {
        let start = self.i;
        self.skip_ows();
        self.i > start
    }

    fn skip_ows_and_commas(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b',')) {
            self.i += 1;
        }
    }

    fn token(&mut self) -> Option<&'a str> {
        let start = self.i;
        while self.peek().is_some_and(is_tchar) {
            self.i += 1;
        }
        // Token characters are ASCII, so this slice is valid UTF-8.
        (self.i > start).then(|| std::str::from_utf8(&self.s[start..self.i]).unwrap_or_default())
    }

    /// A token68 is the whole credential: it must be followed by the end or a `,`.
    fn try_token68(&mut self) -> Option<&'a str> {
        let start = self.i;
        while self.peek().is_some_and(is_token68_char) {
            self.i += 1;
        }
        if self.i == start {
            return None;
        }
        while self.peek() == Some(b'=') {
            self.i += 1;
        }
        let end = self.i;
        self.skip_ows();
        if self.eof() || self.peek() == Some(b',') {
            return Some(std::str::from_utf8(&self.s[start..end]).unwrap_or_default());
        }
        self.i = start;
        None
    }

    /// Whether the input here is `token BWS "="`, i.e. an auth-param and not a scheme.
    fn at_auth_param(&mut self) -> bool {
        let start = self.i;
        let is_param = self.token().is_some() && {
            self.skip_ows();
            self.peek() == Some(b'=')
        };
        self.i = start;
        is_param
    }

    fn quoted_string(&mut self) -> Result<String> {
        let open = self.i;
        self.i += 1; // the opening quote
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None => {
                    self.i = open;
                    return Err(self.err("unterminated quoted-string"));
                }
                Some(b'"') => {
                    self.i += 1;
                    break;
                }
                Some(b'\\') => {
                    self.i += 1;
                    match self.peek() {
                        Some(b) if b == b'\t' || (b' '..=b'~').contains(&b) || b >= 0x80 => {
                            out.push(b);
                            self.i += 1;
                        }
                        _ => return Err(self.err("invalid quoted-pair")),
                    }
                }
                Some(b) if b == b'\t' || (b' '..=b'~').contains(&b) || b >= 0x80 => {
                    out.push(b);
                    self.i += 1;
                }
                Some(_) => return Err(self.err("control character in quoted-string")),
            }
        }
        String::from_utf8(out).map_err(|_| self.err("quoted-string is not UTF-8"))
    }
}

#[cfg(test)]
mod tests;
