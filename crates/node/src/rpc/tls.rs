//! The roots HTTPS certificates are checked against (rustls, RFC 8446 and
//! RFC 5280 path validation by webpki): Mozilla's roots (`webpki-root-certs`),
//! the platform's (`rustls-native-certs`: `/etc/ssl/certs` and
//! `SSL_CERT_FILE`/`SSL_CERT_DIR`), and a private CA from the PEM file named by
//! [`CA_FILE_ENV`].

use std::sync::{Arc, OnceLock};

use ureq::tls::{Certificate, PemItem, RootCerts};

use super::SendError;

/// The environment variable naming a PEM file of extra CA certificates.
pub const CA_FILE_ENV: &str = "ACCORD_CA_FILE";

/// Mozilla's and the platform's roots, read once.
fn base_roots() -> &'static [Certificate<'static>] {
    static ROOTS: OnceLock<Vec<Certificate<'static>>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let mut roots: Vec<Certificate<'static>> = webpki_root_certs::TLS_SERVER_ROOT_CERTS
            .iter()
            .map(|c| Certificate::from_der(c.as_ref()).to_owned())
            .collect();
        // Unreadable platform certificates are skipped: Mozilla's remain.
        let native = rustls_native_certs::load_native_certs();
        roots.extend(
            native
                .certs
                .iter()
                .map(|c| Certificate::from_der(c.as_ref()).to_owned()),
        );
        roots
    })
}

/// The roots to use now: the base roots plus those of `ACCORD_CA_FILE`
/// when it is set (an unreadable file, or one without a certificate, is an
/// error rather than silently ignored).
pub fn roots() -> Result<RootCerts, SendError> {
    let mut roots = base_roots().to_vec();
    if let Some(path) = std::env::var_os(CA_FILE_ENV).filter(|p| !p.is_empty()) {
        roots.extend(ca_file(&path.to_string_lossy())?);
    }
    Ok(RootCerts::Specific(Arc::new(roots)))
}

/// The certificates of the PEM file at `path`.
fn ca_file(path: &str) -> Result<Vec<Certificate<'static>>, SendError> {
    let error = |reason: String| SendError::CaFile {
        path: path.to_owned(),
        reason,
    };
    let pem = std::fs::read(path).map_err(|e| error(format!("cannot be read: {e}")))?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        // A private key next to the certificates is not ours to read.
        if let PemItem::Certificate(c) = item.map_err(|e| error(format!("is not PEM: {e}")))? {
            certs.push(c);
        }
    }
    if certs.is_empty() {
        return Err(error("holds no certificate".into()));
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mozilla_roots_are_there() {
        assert!(base_roots().len() > 100, "{}", base_roots().len());
    }

    #[test]
    fn a_bad_ca_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("none.pem");
        let err = ca_file(&missing.to_string_lossy()).unwrap_err();
        assert!(err.to_string().contains("cannot be read"), "{err}");
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "no pem here\n").unwrap();
        let err = ca_file(&empty.to_string_lossy()).unwrap_err();
        assert!(err.to_string().contains("no certificate"), "{err}");
    }
}
