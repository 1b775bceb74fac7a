use casewatch::calendar::{Region, bank_holidays};
use chrono::{Datelike, Weekday};

use super::{assert_matches_published, day, days_of};

/// GOV.UK (Scotland): 2 January, St Andrew's Day, summer on the FIRST Monday of August, no Easter Monday.
#[rustfmt::skip]
const SCOTLAND_PUBLISHED: [(i32, &str); 11] = [
    (2012, "01-02 01-03 04-06 05-07 06-04 06-05 08-06 11-30 12-25 12-26"),
    (2013, "01-01 01-02 03-29 05-06 05-27 08-05 12-02 12-25 12-26"),
    (2016, "01-01 01-04 03-25 05-02 05-30 08-01 11-30 12-26 12-27"),
    (2017, "01-02 01-03 04-14 05-01 05-29 08-07 11-30 12-25 12-26"),
    (2020, "01-01 01-02 04-10 05-08 05-25 08-03 11-30 12-25 12-28"),
    (2021, "01-01 01-04 04-02 05-03 05-31 08-02 11-30 12-27 12-28"),
    (2022, "01-03 01-04 04-15 05-02 06-02 06-03 08-01 09-19 11-30 12-26 12-27"),
    (2024, "01-01 01-02 03-29 05-06 05-27 08-05 12-02 12-25 12-26"),
    (2025, "01-01 01-02 04-18 05-05 05-26 08-04 12-01 12-25 12-26"),
    // 15 June 2026: Scotland at the FIFA World Cup (Royal Proclamation of February 2026).
    (2026, "01-01 01-02 04-03 05-04 05-25 06-15 08-03 11-30 12-25 12-28"),
    (2027, "01-01 01-04 03-26 05-03 05-31 08-02 11-30 12-27 12-28"),
];

/// GOV.UK (Northern Ireland): England and Wales's days plus St Patrick's Day and the Battle of the Boyne.
#[rustfmt::skip]
const NORTHERN_IRELAND_PUBLISHED: [(i32, &str); 5] = [
    (2019, "01-01 03-18 04-19 04-22 05-06 05-27 07-12 08-26 12-25 12-26"),
    (2020, "01-01 03-17 04-10 04-13 05-08 05-25 07-13 08-31 12-25 12-28"),
    (2022, "01-03 03-17 04-15 04-18 05-02 06-02 06-03 07-12 08-29 09-19 12-26 12-27"),
    (2024, "01-01 03-18 03-29 04-01 05-06 05-27 07-12 08-26 12-25 12-26"),
    (2025, "01-01 03-17 04-18 04-21 05-05 05-26 07-14 08-25 12-25 12-26"),
];

#[test]
fn scotland_matches_the_published_lists() {
    assert_matches_published(Region::Scotland, &SCOTLAND_PUBLISHED);
}

/// Before GOV.UK's lists (2012): the 1971 Act and that year's proclamations.
#[rustfmt::skip]
const SCOTLAND_BEFORE_GOV_UK: [(i32, &str); 3] = [
    // 1 and 2 January at the weekend, both substituted; no St Andrew's Day yet.
    (2000, "01-03 01-04 04-21 05-01 05-29 08-07 12-25 12-26"),
    // 2010 and 2011: a Saturday 2 January's substitute is Monday 4 January, as every list of the time shows.
    (2010, "01-01 01-04 04-02 05-03 05-31 08-02 11-30 12-27 12-28"),
    (2011, "01-03 01-04 04-22 04-29 05-02 05-30 08-01 11-30 12-26 12-27"),
];

#[test]
fn scotland_before_gov_uk_follows_the_act_and_the_proclamations() {
    assert_matches_published(Region::Scotland, &SCOTLAND_BEFORE_GOV_UK);
    // The St Andrew's Day Bank Holiday (Scotland) Act 2007 came into force on 16 January 2007.
    assert!(!bank_holidays(Region::Scotland, 2006).contains(&day("2006-11-30")));
    assert!(bank_holidays(Region::Scotland, 2007).contains(&day("2007-11-30")));
    // 2005: the proclamation appointed Tuesday 4 January for Saturday 1 January.
    assert!(bank_holidays(Region::Scotland, 2005).starts_with(&days_of(2005, "01-03 01-04")));
}

#[test]
fn st_andrews_day_at_a_weekend_moves_to_the_following_monday() {
    let cases = [
        "2013-12-02", // Saturday
        "2014-12-01", // Sunday
        "2019-12-02", // Saturday
        "2020-11-30", // Monday
        "2025-12-01", // Sunday
        "2030-12-02", // Saturday
    ];
    for observed in cases {
        let holidays = bank_holidays(Region::Scotland, day(observed).year());
        let around_st_andrew: Vec<_> = holidays
            .into_iter()
            .filter(|d| d.month() == 11 || (d.month() == 12 && d.day() <= 2))
            .collect();
        assert_eq!(around_st_andrew, vec![day(observed)]);
    }
}

#[test]
fn northern_ireland_matches_the_published_lists() {
    assert_matches_published(Region::NorthernIreland, &NORTHERN_IRELAND_PUBLISHED);
}

#[test]
fn st_patricks_day_and_the_boyne_at_a_weekend_move_to_the_monday() {
    let cases = [
        (2018, "03-19 07-12"), // St Patrick's Day Saturday
        (2019, "03-18 07-12"), // St Patrick's Day Sunday
        (2020, "03-17 07-13"), // Boyne Sunday
        (2025, "03-17 07-14"), // Boyne Saturday
        (2026, "03-17 07-13"), // Boyne Sunday
        (2029, "03-19 07-12"), // St Patrick's Day Saturday
    ];
    for (year, expected) in cases {
        let own_days: Vec<_> = bank_holidays(Region::NorthernIreland, year)
            .into_iter()
            .filter(|d| (d.month() == 3 && d.day() < 20) || d.month() == 7)
            .collect();
        assert_eq!(own_days, days_of(year, expected), "{year}");
    }
}

#[test]
fn every_year_2000_to_2100_is_plausible_in_every_region() {
    for region in Region::ALL {
        for year in 2000..=2100 {
            let holidays = bank_holidays(region, year);
            assert!(
                holidays.windows(2).all(|w| w[0] < w[1]),
                "{region} {year} not ascending"
            );
            assert!(
                holidays.iter().all(|d| d.year() == year),
                "{region} {year} strays"
            );
            let weekend =
                |d: &chrono::NaiveDate| matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
            assert!(
                !holidays.iter().any(weekend),
                "{region} {year} has a weekend date"
            );
            // Scotland has nine from 2007 (St Andrew's Day).
            let least = match region {
                Region::EnglandAndWales => 8,
                Region::Scotland if year < 2007 => 8,
                Region::Scotland => 9,
                Region::NorthernIreland => 10,
            };
            assert!(holidays.len() >= least, "{region} {year}: {holidays:?}");
            assert!(holidays.len() <= least + 3, "{region} {year}: {holidays:?}");
        }
    }
}
