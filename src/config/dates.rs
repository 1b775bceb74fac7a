//! Dates in the configuration, written either as TOML dates (`2026-12-24`) or strings (`"2026-12-24"`, which is
//! also what an environment override holds).

use chrono::NaiveDate;
use serde::Deserialize;
use serde::de::{Deserializer, Error};

#[derive(Deserialize)]
#[serde(untagged)]
enum DateValue {
    Text(String),
    /// How a TOML date literal arrives through figment.
    Toml {
        #[serde(rename = "$__toml_private_datetime")]
        datetime: String,
    },
}

pub fn list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<NaiveDate>, D::Error> {
    let values = Vec::<DateValue>::deserialize(d)?;
    values
        .into_iter()
        .map(|v| {
            let text = match v {
                DateValue::Text(t) | DateValue::Toml { datetime: t } => t,
            };
            NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
                .map_err(|_| D::Error::custom(format!("`{text}` is not a date (YYYY-MM-DD)")))
        })
        .collect()
}
