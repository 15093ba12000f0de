//! Reading `--unsigned` and `--public-key` values: hex (with or without
//! `0x`), base64, or `@FILE` holding binary, hex or base64.

use base64::Engine;

use crate::error::CliError;

/// Decodes hex, tolerating a `0x` prefix and surrounding whitespace.
pub fn hex(text: &str, what: &str) -> Result<Vec<u8>, CliError> {
    let t = text.trim();
    let t = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    ::hex::decode(t).map_err(|e| CliError::Input(format!("{what} is not valid hex: {e}")))
}

fn looks_hex(t: &str) -> bool {
    let t = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    !t.is_empty() && t.len().is_multiple_of(2) && t.bytes().all(|b| b.is_ascii_hexdigit())
}

fn text_to_bytes(text: &str) -> Result<Vec<u8>, CliError> {
    let t: String = text.split_whitespace().collect();
    if looks_hex(&t) {
        return hex(&t, "--unsigned");
    }
    base64::engine::general_purpose::STANDARD
        .decode(&t)
        .map_err(|_| CliError::Input("--unsigned is neither hex nor base64".into()))
}

/// The bytes of `--unsigned`.
pub fn unsigned(value: &str) -> Result<Vec<u8>, CliError> {
    let Some(path) = value.strip_prefix('@') else {
        return text_to_bytes(value);
    };
    let data =
        std::fs::read(path).map_err(|e| CliError::Input(format!("cannot read {path}: {e}")))?;
    // Text (hex or base64) if it reads as such; otherwise the raw bytes (a
    // binary PSBT starts with "psbt\xff", never valid UTF-8).
    match std::str::from_utf8(&data).ok().map(text_to_bytes) {
        Some(Ok(bytes)) => Ok(bytes),
        _ => Ok(data),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_forms() {
        assert_eq!(unsigned("0x02c0").unwrap(), vec![2, 0xc0]);
        assert_eq!(unsigned("02C0").unwrap(), vec![2, 0xc0]);
        assert_eq!(unsigned("cHNidP8=").unwrap(), b"psbt\xff".to_vec());
        assert!(unsigned("not base64!").is_err());
        assert!(unsigned("@/nonexistent/file").is_err());
        assert!(hex("0xzz", "--public-key").is_err());
    }
}
