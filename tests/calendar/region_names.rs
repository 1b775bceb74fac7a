use casewatch::calendar::Region;

#[test]
fn region_names_round_trip_through_text_and_serde() {
    for (region, name) in [
        (Region::EnglandAndWales, "england-and-wales"),
        (Region::Scotland, "scotland"),
        (Region::NorthernIreland, "northern-ireland"),
    ] {
        assert_eq!(name.parse::<Region>(), Ok(region));
        assert_eq!(region.to_string(), name);
        assert_eq!(
            serde_json::to_string(&region).unwrap(),
            format!("\"{name}\"")
        );
        assert_eq!(
            serde_json::from_str::<Region>(&format!("\"{name}\"")).unwrap(),
            region
        );
    }
    assert_eq!(Region::default(), Region::EnglandAndWales);
}

#[test]
fn an_unknown_region_names_the_accepted_ones() {
    let message = "wales".parse::<Region>().unwrap_err().to_string();
    for accepted in ["england-and-wales", "scotland", "northern-ireland"] {
        assert!(message.contains(accepted), "{message}");
    }
    assert!(message.contains("wales"));
    assert!(serde_json::from_str::<Region>("\"England\"").is_err());
}
