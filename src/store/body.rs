//! A message's bodies and items, deflated into one column (`messages.body`, migration 0006): exactly what was
//! sent, kept at about a tenth of its size (the HTML repeats its template's markup for every item).

use std::io::Read;

use flate2::Compression;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;

/// `[text, html, items_json]` as JSON, deflated as it is written (a fallback mailbox's items are megabytes).
pub(super) fn pack(text: &str, html: &str, items_json: &str) -> Vec<u8> {
    let mut encoder = DeflateEncoder::new(Vec::new(), Compression::default());
    serde_json::to_writer(&mut encoder, &[text, html, items_json])
        .expect("strings serialise, and writing into memory does not fail");
    encoder.finish().expect("writing into memory does not fail")
}

/// The text, HTML and items JSON that [`pack`] stored.
pub(super) fn unpack(body: &[u8]) -> Result<(String, String, String), sqlx::Error> {
    let mut json = Vec::new();
    DeflateDecoder::new(body)
        .read_to_end(&mut json)
        .map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    let [text, html, items]: [String; 3] =
        serde_json::from_slice(&json).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    Ok((text, html, items))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_packed_is_unpacked_exactly() {
        let html = "<tr><td>Review \u{2014} due 3 Dec</td></tr>\r\n".repeat(200);
        let packed = pack("Dear Sam,\r\n\"quoted\"\n", &html, r#"[{"rule":"r"}]"#);
        assert!(packed.len() * 10 < html.len(), "{} bytes", packed.len());
        let (text, unpacked_html, items) = unpack(&packed).unwrap();
        assert_eq!(text, "Dear Sam,\r\n\"quoted\"\n");
        assert_eq!(unpacked_html, html);
        assert_eq!(items, r#"[{"rule":"r"}]"#);
        assert!(unpack(b"not deflated").is_err());
    }
}
