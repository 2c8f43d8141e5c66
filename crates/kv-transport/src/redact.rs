//! Allow-list redaction of what is logged about an exchange.

/// Headers whose values may be logged; every other value prints as `REDACTED`.
const ALLOWED_HEADERS: [&str; 11] = [
    "accept",
    "content-length",
    "content-type",
    "date",
    "retry-after",
    "retry-after-ms",
    "user-agent",
    "x-ms-client-request-id",
    "x-ms-request-id",
    "x-ms-retry-after-ms",
    "www-authenticate",
];

/// Query parameters whose values may be logged.
const ALLOWED_QUERY: [&str; 1] = ["api-version"];

/// `name: value` pairs with every value not on the allow-list replaced.
///
/// ```
/// let mut h = http::HeaderMap::new();
/// h.insert("authorization", "Bearer secret".parse().unwrap());
/// h.insert("content-type", "application/json".parse().unwrap());
/// let s = kv_transport::redacted_headers(&h);
/// assert!(s.contains("authorization: REDACTED") && s.contains("content-type: application/json"));
/// ```
pub fn redacted_headers(headers: &http::HeaderMap) -> String {
    headers
        .iter()
        .map(|(name, value)| {
            let shown = if ALLOWED_HEADERS.contains(&name.as_str()) {
                value.to_str().unwrap_or("<binary>")
            } else {
                "REDACTED"
            };
            format!("{name}: {shown}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The URL with every query value not on the allow-list replaced.
///
/// ```
/// let uri: http::Uri = "https://v.example/keys/k?api-version=7.5&sig=abc".parse().unwrap();
/// assert_eq!(kv_transport::redacted_url(&uri), "https://v.example/keys/k?api-version=7.5&sig=REDACTED");
/// ```
pub fn redacted_url(uri: &http::Uri) -> String {
    let base = format!(
        "{}://{}{}",
        uri.scheme_str().unwrap_or("?"),
        uri.authority().map(|a| a.as_str()).unwrap_or("?"),
        uri.path()
    );
    match uri.query() {
        None => base,
        Some(q) => {
            let parts: Vec<String> = q
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((k, v)) if ALLOWED_QUERY.contains(&k) => format!("{k}={v}"),
                    Some((k, _)) => format!("{k}=REDACTED"),
                    None => pair.to_string(),
                })
                .collect();
            format!("{base}?{}", parts.join("&"))
        }
    }
}
