use casewatch::calendar::{Region, bank_holidays};
use chrono::Datelike;

use super::{assert_matches_published, day, days, days_of};

/// https://www.gov.uk/bank-holidays (England and Wales), year by year; 2028–2030 from the same rules as
/// published so far (no proclamation has changed them).
#[rustfmt::skip]
const PUBLISHED: [(i32, &str); 19] = [
    (2012, "01-02 04-06 04-09 05-07 06-04 06-05 08-27 12-25 12-26"),
    (2013, "01-01 03-29 04-01 05-06 05-27 08-26 12-25 12-26"),
    (2014, "01-01 04-18 04-21 05-05 05-26 08-25 12-25 12-26"),
    (2015, "01-01 04-03 04-06 05-04 05-25 08-31 12-25 12-28"),
    (2016, "01-01 03-25 03-28 05-02 05-30 08-29 12-26 12-27"),
    (2017, "01-02 04-14 04-17 05-01 05-29 08-28 12-25 12-26"),
    (2018, "01-01 03-30 04-02 05-07 05-28 08-27 12-25 12-26"),
    (2019, "01-01 04-19 04-22 05-06 05-27 08-26 12-25 12-26"),
    (2020, "01-01 04-10 04-13 05-08 05-25 08-31 12-25 12-28"),
    (2021, "01-01 04-02 04-05 05-03 05-31 08-30 12-27 12-28"),
    (2022, "01-03 04-15 04-18 05-02 06-02 06-03 08-29 09-19 12-26 12-27"),
    (2023, "01-02 04-07 04-10 05-01 05-08 05-29 08-28 12-25 12-26"),
    (2024, "01-01 03-29 04-01 05-06 05-27 08-26 12-25 12-26"),
    (2025, "01-01 04-18 04-21 05-05 05-26 08-25 12-25 12-26"),
    (2026, "01-01 04-03 04-06 05-04 05-25 08-31 12-25 12-28"),
    (2027, "01-01 03-26 03-29 05-03 05-31 08-30 12-27 12-28"),
    (2028, "01-03 04-14 04-17 05-01 05-29 08-28 12-25 12-26"),
    (2029, "01-01 03-30 04-02 05-07 05-28 08-27 12-25 12-26"),
    (2030, "01-01 04-19 04-22 05-06 05-27 08-26 12-25 12-26"),
];

#[test]
fn england_and_wales_matches_the_published_list_2012_to_2030() {
    assert_matches_published(Region::EnglandAndWales, &PUBLISHED);
}

/// Before GOV.UK's lists (2012): the Millennium year, the Golden Jubilee and the 2011 Royal Wedding.
#[rustfmt::skip]
const BEFORE_GOV_UK: [(i32, &str); 3] = [
    // 1 January 2000 a Saturday; the Millennium's extra day was Friday 31 December 1999.
    (2000, "01-03 04-21 04-24 05-01 05-29 08-28 12-25 12-26"),
    (2002, "01-01 03-29 04-01 05-06 06-03 06-04 08-26 12-25 12-26"),
    (2011, "01-03 04-22 04-25 04-29 05-02 05-30 08-29 12-26 12-27"),
];

#[test]
fn england_and_wales_before_gov_uk_follows_the_proclamations() {
    assert_matches_published(Region::EnglandAndWales, &BEFORE_GOV_UK);
    assert!(bank_holidays(Region::EnglandAndWales, 1999).contains(&day("1999-12-31")));
}

#[test]
fn proclaimed_one_off_days_are_holidays_in_every_region() {
    let proclaimed = days(&[
        "2002-06-03",
        "2002-06-04",
        "2011-04-29",
        "2012-06-04",
        "2012-06-05",
        "2020-05-08",
        "2022-06-02",
        "2022-06-03",
        "2022-09-19",
        "2023-05-08",
    ]);
    // The days they displaced are ordinary working days.
    let displaced = days(&["2002-05-27", "2012-05-28", "2020-05-04", "2022-05-30"]);
    for region in Region::ALL {
        for date in &proclaimed {
            assert!(
                bank_holidays(region, date.year()).contains(date),
                "{region} {date}"
            );
        }
        for date in &displaced {
            assert!(
                !bank_holidays(region, date.year()).contains(date),
                "{region} {date}"
            );
        }
    }
}

/// Christmas, Boxing Day and New Year's Day at weekends: substitutes on the next weekdays not already holidays.
#[test]
fn christmas_and_new_year_substitutes_in_england_and_wales() {
    let cases = [
        (2010, "01-01 12-27 12-28"), // Christmas Sat, Boxing Day Sun
        (2011, "01-03 12-26 12-27"), // 1 January Sat; Christmas Sun, Boxing Day Mon
        (2016, "01-01 12-26 12-27"), // Christmas Sun
        (2017, "01-02 12-25 12-26"), // 1 January Sun
        (2020, "01-01 12-25 12-28"), // Boxing Day Sat
        (2021, "01-01 12-27 12-28"), // Christmas Sat, Boxing Day Sun
        (2022, "01-03 12-26 12-27"), // 1 January Sat; Christmas Sun
        (2027, "01-01 12-27 12-28"), // Christmas Sat, Boxing Day Sun
        (2033, "01-03 12-26 12-27"), // 1 January Sat; Christmas Sun
    ];
    for (year, expected) in cases {
        let winter: Vec<_> = bank_holidays(Region::EnglandAndWales, year)
            .into_iter()
            .filter(|d| d.month() == 1 || d.month() == 12)
            .collect();
        assert_eq!(winter, days_of(year, expected), "{year}");
    }
}
