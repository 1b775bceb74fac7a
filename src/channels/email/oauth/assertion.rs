//! Signed client assertions (RFC 7523): a JWT signed RS256 with the application's private key, in place of a
//! client secret. Microsoft finds the certificate by the `x5t#S256` header (its SHA-256 thumbprint) and checks
//! `aud` is the token endpoint; Google finds a service account's key by the signature alone.
//!
//! The JWT is three base64url parts joined by dots; the signature is ring's RSASSA-PKCS1-v1_5 with SHA-256.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivatePkcs8KeyDer};

use super::super::settings::{EmailSettingsError, invalid};
use crate::secret::SecretSource;

/// How long an assertion is good for: Microsoft accepts up to ten minutes; one is used at once.
const LIFETIME_SECONDS: i64 = 600;

pub(super) struct Signer {
    key: RsaKeyPair,
    /// base64url SHA-256 of the certificate's DER, when a certificate is given.
    x5t_s256: Option<String>,
    rng: SystemRandom,
}

/// What the assertion says, besides its times.
pub(super) struct Claims<'a> {
    pub audience: &'a str,
    pub issuer: &'a str,
    pub subject: &'a str,
    /// Google's JWT bearer grant names the scope in the assertion.
    pub scope: Option<&'a str>,
}

impl Signer {
    /// Reads the certificate (PEM X.509) and its key (PEM PKCS#8 RSA); neither is ever shown in an error.
    pub fn load(
        certificate: Option<&SecretSource>,
        key: &SecretSource,
    ) -> Result<Signer, EmailSettingsError> {
        let x5t_s256 = certificate
            .map(|source| {
                let pem = source
                    .load()
                    .map_err(|e| invalid("oauth.client_certificate", e.to_string()))?;
                let der = CertificateDer::from_pem_slice(pem.expose_secret().as_bytes()).map_err(
                    |e| {
                        invalid(
                            "oauth.client_certificate",
                            format!("{source} does not hold a PEM certificate: {e}"),
                        )
                    },
                )?;
                Ok(URL_SAFE_NO_PAD.encode(Sha256::digest(&der)))
            })
            .transpose()?;
        let pem = key
            .load()
            .map_err(|e| invalid("oauth.client_key", e.to_string()))?;
        let der =
            PrivatePkcs8KeyDer::from_pem_slice(pem.expose_secret().as_bytes()).map_err(|_| {
                invalid(
                    "oauth.client_key",
                    format!(
                        "{key} does not hold a PEM PKCS#8 private key (-----BEGIN PRIVATE KEY-----)"
                    ),
                )
            })?;
        let key = RsaKeyPair::from_pkcs8(der.secret_pkcs8_der()).map_err(|e| {
            invalid(
                "oauth.client_key",
                format!("{key} is not an RSA key casewatch can sign with (2048 bits or more): {e}"),
            )
        })?;
        Ok(Signer {
            key,
            x5t_s256,
            rng: SystemRandom::new(),
        })
    }

    /// A fresh assertion issued at `now` (seconds since the epoch), with a random `jti`.
    pub fn assertion(
        &self,
        claims: &Claims<'_>,
        now: i64,
    ) -> Result<String, ring::error::Unspecified> {
        let mut header = serde_json::json!({ "alg": "RS256", "typ": "JWT" });
        if let Some(thumbprint) = &self.x5t_s256 {
            header["x5t#S256"] = thumbprint.clone().into();
        }
        let mut body = serde_json::json!({
            "aud": claims.audience,
            "iss": claims.issuer,
            "sub": claims.subject,
            "jti": hex::encode(rand::random::<[u8; 16]>()),
            "nbf": now,
            "iat": now,
            "exp": now + LIFETIME_SECONDS,
        });
        if let Some(scope) = claims.scope {
            body["scope"] = scope.into();
        }
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(body.to_string())
        );
        let mut signature = vec![0; self.key.public().modulus_len()];
        self.key.sign(
            &RSA_PKCS1_SHA256,
            &self.rng,
            signing_input.as_bytes(),
            &mut signature,
        )?;
        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature)
        ))
    }
}
