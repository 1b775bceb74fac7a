//! The table must say exactly what the rule says, day by day.

use super::*;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn days_from_to(first: NaiveDate, last: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    first.iter_days().take_while(move |d| *d <= last)
}

/// Christmas closures, one on a Saturday (which changes nothing).
fn council_closures() -> Vec<NaiveDate> {
    vec![
        date(2025, 12, 24),
        date(2026, 12, 24),
        date(2026, 12, 31),
        date(2027, 6, 5),
    ]
}

#[test]
fn table_marks_the_same_working_days_as_the_rule_over_its_whole_span() {
    for region in Region::ALL {
        let calendar = WorkingCalendar::new(region, council_closures());
        for day in days_from_to(date(1999, 1, 1), date(2102, 12, 31)) {
            let by_rule = is_working_day_by_rule(region, &calendar.extra_closures, day);
            assert_eq!(
                calendar.table.is_working_day(day),
                Some(by_rule),
                "{region} {day}"
            );
        }
    }
}

#[test]
fn table_arithmetic_agrees_with_counting_day_by_day() {
    let steps = [-45, -20, -10, -5, -3, -2, -1, 1, 2, 3, 5, 10, 20, 45];
    for region in Region::ALL {
        let calendar = WorkingCalendar::new(region, council_closures());
        for day in days_from_to(date(2019, 12, 1), date(2028, 1, 31)) {
            for n in steps {
                let counted = calendar.add_working_days_day_by_day(day, n);
                assert_eq!(
                    calendar.table.add_working_days(day, n),
                    Some(counted),
                    "{region} {day} {n:+}"
                );
            }
        }
    }
}

#[test]
fn table_declines_what_lies_outside_its_span() {
    let calendar = WorkingCalendar::new(Region::EnglandAndWales, []);
    assert_eq!(calendar.table.is_working_day(date(1998, 12, 31)), None);
    assert_eq!(calendar.table.is_working_day(date(2103, 1, 1)), None);
    // Thursday 2102-12-28 is inside, but its fifth working day after is in 2103.
    assert_eq!(calendar.table.add_working_days(date(2102, 12, 28), 5), None);
    assert_eq!(calendar.table.add_working_days(date(1999, 1, 5), -3), None);
}

#[test]
fn arithmetic_crossing_the_table_edges_falls_back_to_counting() {
    let calendar = WorkingCalendar::new(Region::EnglandAndWales, []);
    // 1998: Christmas Fri 25, Boxing Day Sat 26 (substitute Mon 28); 1 January 1999 a Friday.
    assert_eq!(
        calendar.add_working_days(date(1999, 1, 5), -3),
        date(1998, 12, 30)
    );
    assert_eq!(
        calendar.add_working_days(date(1998, 12, 24), 1),
        date(1998, 12, 29)
    );
    // 2102: Christmas Mon 25, Boxing Day Tue 26; 2103: New Year's Day a Monday.
    assert_eq!(
        calendar.add_working_days(date(2102, 12, 28), 3),
        date(2103, 1, 3)
    );
    assert!(!calendar.is_working_day(date(2103, 1, 1)));
}
