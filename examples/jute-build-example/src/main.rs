//! Round-trips a record generated at build time from `schema/inventory.jute`.

/// The generated records (`inventory::Item`, `inventory::Warehouse`).
pub mod records {
    include!(concat!(env!("OUT_DIR"), "/inventory.rs"));
}

use records::inventory::{Item, Warehouse};

fn sample() -> Warehouse {
    let item = Item {
        sku: "A-1".into(),
        name: "Widget".into(),
        quantity: 12,
        unit_price: 2.5,
        photo: vec![0x89, b'P', b'N', b'G'],
    };
    Warehouse {
        name: "North".into(),
        items: vec![item],
        bin_by_sku: [("A-1".to_owned(), 7)].into(),
        last_audit: Some(1_700_000_000),
    }
}

#[allow(clippy::print_stdout)]
fn main() -> Result<(), jute::Error> {
    let warehouse = sample();
    let bytes = jute::to_vec(&warehouse);
    let back: Warehouse = jute::from_slice(&bytes)?;
    assert_eq!(back, warehouse);
    println!("{} bytes: {back:?}", bytes.len());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_and_without_the_trailing_field() {
        let full = sample();
        let bytes = jute::to_vec(&full);
        assert_eq!(jute::from_slice::<Warehouse>(&bytes).unwrap(), full);
        let old = jute::from_slice::<Warehouse>(&bytes[..bytes.len() - 8]).unwrap();
        assert_eq!(old.last_audit, None);
        // The type attribute from build.rs.
        assert!(full.items[0] > Item::default());
    }
}
