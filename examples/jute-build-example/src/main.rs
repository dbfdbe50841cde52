//! Round-trips records generated at build time from `schema/inventory.jute` and
//! `schema/orders.jute`.

/// The generated records (`inventory::Item`, `inventory::Warehouse`).
pub mod records {
    include!(concat!(env!("OUT_DIR"), "/inventory.rs"));
}

/// The records of `orders.jute` (`orders::Order`), whose items are [`records::inventory::Item`].
pub mod order_records {
    include!(concat!(env!("OUT_DIR"), "/orders.rs"));
}

use order_records::orders::Order;
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
    let order = Order {
        id: 1,
        lines: back.items,
    };
    let again: Order = jute::from_slice(&jute::to_vec(&order))?;
    println!("order {} with {} line(s)", again.id, again.lines.len());
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

    #[test]
    fn orders_hold_the_inventory_s_own_item_type() {
        let order = Order {
            id: 7,
            lines: sample().items,
        };
        let back: Order = jute::from_slice(&jute::to_vec(&order)).unwrap();
        // `lines` is a `Vec<records::inventory::Item>`: the type, not a copy of it.
        let items: &Vec<Item> = &back.lines;
        assert_eq!(items, &sample().items);
    }
}
