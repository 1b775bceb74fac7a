//! Bank holidays of each region, as observed (substitute days in place of weekend dates).
//!
//! The rules are those of the Banking and Financial Dealings Act 1971 (as amended) together with the substitute
//! days and extra days appointed by Royal Proclamation. They agree with GOV.UK's published lists
//! (<https://www.gov.uk/bank-holidays>, 2012 onwards) and with the proclamations for 2000–2011. Years outside
//! 2000..=2100 get today's rules applied as they stand, which is not history before 1979.

use std::collections::BTreeSet;

use chrono::{Datelike, Days, NaiveDate, Weekday};

use super::Region;

/// That year's bank holidays of `region` as observed: weekday dates only, ascending, without duplicates.
///
/// A bank holiday that falls on a Saturday or Sunday is replaced by the next weekday that is not already a bank
/// holiday (so Christmas on a Saturday and Boxing Day on a Sunday become Monday 27 and Tuesday 28 December).
pub fn bank_holidays(region: Region, year: i32) -> Vec<NaiveDate> {
    observed(region, year).unwrap_or_default()
}

/// `None` only for a year chrono cannot represent.
fn observed(region: Region, year: i32) -> Option<Vec<NaiveDate>> {
    let mut holidays = always_on_weekdays(region, year)?;
    let (weekdays, weekends): (Vec<_>, Vec<_>) = fixed_dates(region, year)?
        .into_iter()
        .partition(|d| !is_weekend(*d));
    holidays.extend(weekdays);
    // In date order, so that Boxing Day's substitute comes after Christmas Day's.
    for day in weekends {
        let substitute = next_free_weekday(day, &holidays)?;
        holidays.insert(substitute);
    }
    Some(holidays.into_iter().collect())
}

/// Easter, the Monday holidays and the proclaimed one-off days.
fn always_on_weekdays(region: Region, year: i32) -> Option<BTreeSet<NaiveDate>> {
    let mut holidays = BTreeSet::new();
    let easter = easter_sunday(year)?;
    holidays.insert(easter - Days::new(2)); // Good Friday
    if region != Region::Scotland {
        holidays.insert(easter + Days::new(1)); // Easter Monday
    }
    holidays.insert(early_may(year)?);
    holidays.insert(spring(year)?);
    holidays.insert(match region {
        Region::Scotland => first_monday(NaiveDate::from_ymd_opt(year, 8, 1)?),
        _ => last_monday(NaiveDate::from_ymd_opt(year, 8, 31)?),
    });
    let scottish_extra_days: &[_] = match region {
        Region::Scotland => &SCOTTISH_EXTRA_DAYS,
        _ => &[],
    };
    holidays.extend(
        PROCLAIMED_EXTRA_DAYS
            .iter()
            .chain(scottish_extra_days)
            .filter(|(y, _, _)| *y == year)
            .filter_map(|&(y, m, d)| NaiveDate::from_ymd_opt(y, m, d)),
    );
    Some(holidays)
}

/// The holidays on a fixed day of the month, which get a substitute when they fall at a weekend; in date order.
fn fixed_dates(region: Region, year: i32) -> Option<Vec<NaiveDate>> {
    let month_days: &[(u32, u32)] = match region {
        Region::EnglandAndWales => &[(1, 1), (12, 25), (12, 26)],
        // St Andrew's Day Bank Holiday (Scotland) Act 2007, in force 16 January 2007: the first one was
        // 30 November 2007. (The `holidays` Python package starts it in 2006, before the Act existed.)
        Region::Scotland if year >= 2007 => &[(1, 1), (1, 2), (11, 30), (12, 25), (12, 26)],
        Region::Scotland => &[(1, 1), (1, 2), (12, 25), (12, 26)],
        // St Patrick's Day and the Battle of the Boyne (Orangemen's Day).
        Region::NorthernIreland => &[(1, 1), (3, 17), (7, 12), (12, 25), (12, 26)],
    };
    month_days
        .iter()
        .map(|&(month, day)| NaiveDate::from_ymd_opt(year, month, day))
        .collect()
}

/// One-off bank holidays appointed by Royal Proclamation for the whole UK.
const PROCLAIMED_EXTRA_DAYS: [(i32, u32, u32); 7] = [
    (1999, 12, 31), // Millennium
    (2002, 6, 3),   // Golden Jubilee of Elizabeth II
    (2011, 4, 29),  // Wedding of Prince William and Catherine Middleton
    (2012, 6, 5),   // Diamond Jubilee of Elizabeth II
    (2022, 6, 3),   // Platinum Jubilee of Elizabeth II
    (2022, 9, 19),  // State Funeral of Queen Elizabeth II
    (2023, 5, 8),   // Coronation of King Charles III
];

/// One-off bank holidays appointed by Royal Proclamation for Scotland alone.
const SCOTTISH_EXTRA_DAYS: [(i32, u32, u32); 1] = [
    (2026, 6, 15), // Scotland at the FIFA World Cup finals (proclamation of 4 February 2026)
];

// Scotland's New Year substitutes follow the ordinary rule, as GOV.UK, the `holidays` package and the lists of the
// time show: 4 January 2010 and 2011 are holidays. (It has been argued that no proclamation appointed those two
// days (https://dracos.co.uk/wrote/bad-bank-holidays); councils and banks observed them all the same.)

/// Early May bank holiday: the first Monday in May.
fn early_may(year: i32) -> Option<NaiveDate> {
    match year {
        // Moved by proclamation to Friday 8 May, the 75th anniversary of VE Day.
        2020 => NaiveDate::from_ymd_opt(2020, 5, 8),
        _ => Some(first_monday(NaiveDate::from_ymd_opt(year, 5, 1)?)),
    }
}

/// Spring bank holiday: the last Monday in May, moved by proclamation in the three jubilee years to sit beside
/// the extra jubilee day.
fn spring(year: i32) -> Option<NaiveDate> {
    match year {
        2002 => NaiveDate::from_ymd_opt(2002, 6, 4),
        2012 => NaiveDate::from_ymd_opt(2012, 6, 4),
        2022 => NaiveDate::from_ymd_opt(2022, 6, 2),
        _ => Some(last_monday(NaiveDate::from_ymd_opt(year, 5, 31)?)),
    }
}

/// Easter Sunday in the Gregorian calendar (the anonymous Gregorian computus, as given by Meeus).
fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let golden = year.rem_euclid(19);
    let (century, year_of_century) = (year.div_euclid(100), year.rem_euclid(100));
    let leap_correction = century / 4;
    let moon_correction = (century + 8) / 25;
    let epact_shift = (century - moon_correction + 1) / 3;
    let full_moon = (19 * golden + century - leap_correction - epact_shift + 15).rem_euclid(30);
    let weekday_shift = (32 + 2 * century.rem_euclid(4) + 2 * (year_of_century / 4)
        - full_moon
        - year_of_century % 4)
        .rem_euclid(7);
    let late_march_fix = (golden + 11 * full_moon + 22 * weekday_shift) / 451;
    let days_from_march_22 = full_moon + weekday_shift - 7 * late_march_fix;
    let days_from_march_22 = u64::try_from(days_from_march_22).ok()?;
    NaiveDate::from_ymd_opt(year, 3, 22)?.checked_add_days(Days::new(days_from_march_22))
}

pub(super) fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The first Monday on or after `date`.
fn first_monday(date: NaiveDate) -> NaiveDate {
    let ahead = (7 - date.weekday().num_days_from_monday()) % 7;
    date + Days::new(u64::from(ahead))
}

/// The last Monday on or before `date`.
fn last_monday(date: NaiveDate) -> NaiveDate {
    date - Days::new(u64::from(date.weekday().num_days_from_monday()))
}

fn next_free_weekday(day: NaiveDate, taken: &BTreeSet<NaiveDate>) -> Option<NaiveDate> {
    let mut candidate = day.succ_opt()?;
    while is_weekend(candidate) || taken.contains(&candidate) {
        candidate = candidate.succ_opt()?;
    }
    Some(candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn easter_sunday_matches_published_dates_including_the_extremes() {
        // Earliest possible (22 March: 1818, 2285) and latest possible (25 April: 1943, 2038) dates.
        let known = [
            (1818, 3, 22),
            (1943, 4, 25),
            (2000, 4, 23),
            (2008, 3, 23),
            (2011, 4, 24),
            (2019, 4, 21),
            (2024, 3, 31),
            (2038, 4, 25),
            (2100, 3, 28),
            (2285, 3, 22),
        ];
        for (y, m, d) in known {
            assert_eq!(easter_sunday(y), NaiveDate::from_ymd_opt(y, m, d), "{y}");
        }
    }

    #[test]
    fn years_chrono_cannot_represent_have_no_holidays() {
        assert!(bank_holidays(Region::EnglandAndWales, i32::MAX).is_empty());
    }
}
