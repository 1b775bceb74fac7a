//! The three bank-holiday jurisdictions of the UK (the Banking and Financial Dealings Act 1971 has one
//! schedule for England and Wales together, one for Scotland and one for Northern Ireland).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Whose bank holidays make a day a non-working day (`calendar.region` in config).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Region {
    #[default]
    EnglandAndWales,
    Scotland,
    NorthernIreland,
}

impl Region {
    /// Every region, in the order the accepted spellings are listed.
    pub const ALL: [Region; 3] = [
        Region::EnglandAndWales,
        Region::Scotland,
        Region::NorthernIreland,
    ];

    /// The config and CLI spelling: `england-and-wales`, `scotland` or `northern-ireland`.
    pub fn as_str(self) -> &'static str {
        match self {
            Region::EnglandAndWales => "england-and-wales",
            Region::Scotland => "scotland",
            Region::NorthernIreland => "northern-ireland",
        }
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A region name that is none of the accepted spellings.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown region `{0}`: expected one of `england-and-wales`, `scotland`, `northern-ireland`"
)]
pub struct UnknownRegion(pub String);

impl FromStr for Region {
    type Err = UnknownRegion;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Region::ALL
            .into_iter()
            .find(|region| region.as_str() == s)
            .ok_or_else(|| UnknownRegion(s.to_owned()))
    }
}
