//! Small built-in name lists.
//!
//! These are fictional test data: common English given and family names combined at random, so no row stands for
//! a real child or member of staff.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

const GIVEN: &[&str] = &[
    "Aaliyah", "Adam", "Aisha", "Alfie", "Amara", "Amelia", "Archie", "Ava", "Bilal", "Chloe",
    "Daniel", "Deborah", "Dylan", "Ella", "Emily", "Ethan", "Evie", "Fatima", "Freddie", "Grace",
    "Hannah", "Harry", "Isaac", "Isla", "Jack", "Jade", "Jamal", "Joshua", "Kacper", "Kai",
    "Layla", "Leo", "Lily", "Logan", "Maya", "Mia", "Mohammed", "Noah", "Olivia", "Oscar", "Priya",
    "Reuben", "Riley", "Rosie", "Ruby", "Sam", "Sofia", "Theo", "Tyler", "Zara",
];

const FAMILY: &[&str] = &[
    "Adeyemi", "Ahmed", "Ali", "Allen", "Baker", "Begum", "Bennett", "Brown", "Campbell", "Carter",
    "Clarke", "Cooper", "Davies", "Edwards", "Evans", "Ferreira", "Green", "Hall", "Harris",
    "Hughes", "Hussain", "Jackson", "James", "Johnson", "Jones", "Kaur", "Khan", "King",
    "Kowalski", "Lewis", "Mensah", "Mitchell", "Moore", "Morgan", "Murphy", "Nowak", "Okafor",
    "Patel", "Phillips", "Roberts", "Robinson", "Shah", "Singh", "Smith", "Taylor", "Thomas",
    "Turner", "Walker", "White", "Wilson", "Wright", "Young",
];

pub(super) fn given(rng: &mut ChaCha8Rng) -> &'static str {
    GIVEN[rng.random_range(0..GIVEN.len())]
}

pub(super) fn family(rng: &mut ChaCha8Rng) -> &'static str {
    FAMILY[rng.random_range(0..FAMILY.len())]
}
