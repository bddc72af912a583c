//! Each customer's GraphQL field values as stored JSON (the derived data's `fields`, made by
//! [`render`] for every customer when the derived data is built): what a planned answer
//! pastes for a field it selects. A value is written by [`write_slot`] whether it is stored
//! or written from the row, so the two are the same bytes.

use async_graphql::ScalarType;
use serde::Serialize;

use crate::customers::Customer;
use crate::graphql::fields::{self, AddressField, CustomerField, PhoneField};

/// A stored value: a customer's field, a part of its phone or address, or whether its phone
/// or address is null (`null`, else empty).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Slot {
    Name,
    UserId,
    Email,
    AdditionalEmails,
    Phone,
    PhonePart(PhoneField),
    Website,
    Address,
    AddressPart(AddressField),
    CompanyId,
    DateCreated,
    Notes,
    TicketCount,
}

/// Every slot, in the order stored.
const SLOTS: [Slot; 19] = [
    Slot::Name,
    Slot::UserId,
    Slot::Email,
    Slot::AdditionalEmails,
    Slot::Phone,
    Slot::PhonePart(PhoneField::Primary),
    Slot::PhonePart(PhoneField::Additional),
    Slot::Website,
    Slot::Address,
    Slot::AddressPart(AddressField::Line1),
    Slot::AddressPart(AddressField::Line2),
    Slot::AddressPart(AddressField::City),
    Slot::AddressPart(AddressField::State),
    Slot::AddressPart(AddressField::Country),
    Slot::AddressPart(AddressField::Zip),
    Slot::CompanyId,
    Slot::DateCreated,
    Slot::Notes,
    Slot::TicketCount,
];

impl Slot {
    /// Where the slot is stored: its place in [`SLOTS`].
    const fn index(self) -> usize {
        match self {
            Slot::Name => 0,
            Slot::UserId => 1,
            Slot::Email => 2,
            Slot::AdditionalEmails => 3,
            Slot::Phone => 4,
            Slot::PhonePart(PhoneField::Primary) => 5,
            Slot::PhonePart(PhoneField::Additional) => 6,
            Slot::Website => 7,
            Slot::Address => 8,
            Slot::AddressPart(AddressField::Line1) => 9,
            Slot::AddressPart(AddressField::Line2) => 10,
            Slot::AddressPart(AddressField::City) => 11,
            Slot::AddressPart(AddressField::State) => 12,
            Slot::AddressPart(AddressField::Country) => 13,
            Slot::AddressPart(AddressField::Zip) => 14,
            Slot::CompanyId => 15,
            Slot::DateCreated => 16,
            Slot::Notes => 17,
            Slot::TicketCount => 18,
        }
    }

    /// The slot of a scalar field of a customer (`id` is a column, objects have parts).
    pub(super) fn of(field: CustomerField) -> Option<Slot> {
        Some(match field {
            CustomerField::Name => Slot::Name,
            CustomerField::UserId => Slot::UserId,
            CustomerField::Email => Slot::Email,
            CustomerField::AdditionalEmails => Slot::AdditionalEmails,
            CustomerField::Website => Slot::Website,
            CustomerField::CompanyId => Slot::CompanyId,
            CustomerField::DateCreated => Slot::DateCreated,
            CustomerField::Notes => Slot::Notes,
            CustomerField::TicketCount => Slot::TicketCount,
            CustomerField::Id
            | CustomerField::Phone
            | CustomerField::Address
            | CustomerField::Company => return None,
        })
    }
}

fn json<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    // Writing to memory fails only for maps with keys that are not strings: none here.
    serde_json::to_writer(out, value).expect("field values serialize");
}

/// Writes the slot's value for `c`, as the executor shows it (`graphql/fields.rs`).
pub(super) fn write_slot(out: &mut Vec<u8>, slot: Slot, c: &Customer) {
    match slot {
        Slot::Name => json(out, &fields::name(c)),
        Slot::UserId => json(out, &fields::user_id(c)),
        Slot::Email => json(out, &c.email),
        Slot::AdditionalEmails => json(out, &c.additional_emails),
        Slot::Phone => {
            if fields::phone(c).is_none() {
                out.extend_from_slice(b"null");
            }
        }
        Slot::PhonePart(part) => json(
            out,
            &fields::phone(c)
                .and_then(|(primary, additional)| fields::phone_field(part, primary, additional)),
        ),
        Slot::Website => json(out, &fields::website(c)),
        Slot::Address => {
            if fields::address(c).is_none() {
                out.extend_from_slice(b"null");
            }
        }
        Slot::AddressPart(part) => json(out, &fields::address(c).map(|a| part.of(a))),
        Slot::CompanyId => json(out, &fields::company_id(c)),
        Slot::DateCreated => json(
            out,
            &fields::date_created(c).map(|date| ScalarType::to_value(&date)),
        ),
        Slot::Notes => json(out, &c.notes),
        Slot::TicketCount => json(out, &c.ticket_count),
    }
}

/// Where each slot ends, one `u32` each, before the values.
const HEADER: usize = SLOTS.len() * 4;

/// A customer's stored fields (the derived data's `fields`): each slot's end, then the
/// values one after another.
pub fn render(c: &Customer) -> Vec<u8> {
    let mut out = vec![0; HEADER];
    for (at, slot) in SLOTS.into_iter().enumerate() {
        write_slot(&mut out, slot, c);
        let end = u32::try_from(out.len() - HEADER).expect("a customer's fields under 4 GiB");
        out[at * 4..at * 4 + 4].copy_from_slice(&end.to_le_bytes());
    }
    out
}

/// Stored fields, their layout checked once.
#[derive(Debug, Clone, Copy)]
pub(super) struct Stored<'a> {
    ends: [u32; SLOTS.len()],
    values: &'a [u8],
}

impl<'a> Stored<'a> {
    /// `None` when `bytes` are not laid out as [`render`] lays them out.
    pub(super) fn read(bytes: &'a [u8]) -> Option<Stored<'a>> {
        let (header, values) = bytes.split_at_checked(HEADER)?;
        let mut ends = [0; SLOTS.len()];
        let mut previous = 0;
        for (end, word) in ends.iter_mut().zip(header.chunks_exact(4)) {
            *end = u32::from_le_bytes(word.try_into().ok()?);
            if *end < previous {
                return None;
            }
            previous = *end;
        }
        (previous as usize == values.len()).then_some(Stored { ends, values })
    }

    /// The slot's value as JSON (empty for a phone or address that is not null).
    pub(super) fn get(&self, slot: Slot) -> &'a [u8] {
        let at = slot.index();
        let start = if at == 0 { 0 } else { self.ends[at - 1] };
        &self.values[start as usize..self.ends[at] as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customers::Address;

    #[test]
    fn every_slot_is_stored_in_its_place() {
        for (at, slot) in SLOTS.into_iter().enumerate() {
            assert_eq!(slot.index(), at, "{slot:?}");
        }
    }

    #[test]
    fn stored_values_are_the_values_written_from_the_row() {
        let customers = [
            Customer {
                id: 7,
                name: "Zoë \"Z\" Ōta".into(),
                user_id: 12,
                email: "zoe@example.com".into(),
                additional_emails: vec!["z@example.org".into()],
                phone_primary: "+1 555".into(),
                website: "https://zoe.example".into(),
                address: Address::from_parts(
                    ["1 Main St", "", "Springfield", "", "US", "12345"].map(String::from),
                ),
                company_id: 3,
                date_created: 1_600_000_000,
                notes: vec!["first\nnote".into(), "second".into()],
                ticket_count: 4,
                ..Customer::default()
            },
            Customer::default(),
        ];
        for customer in &customers {
            let bytes = render(customer);
            let stored = Stored::read(&bytes).expect("laid out as rendered");
            for slot in SLOTS {
                let mut written = Vec::new();
                write_slot(&mut written, slot, customer);
                assert_eq!(stored.get(slot), written.as_slice(), "{slot:?}");
            }
        }
        let empty = render(&Customer::default());
        let stored = Stored::read(&empty).unwrap();
        assert_eq!(stored.get(Slot::Phone), b"null");
        assert_eq!(stored.get(Slot::Address), b"null");
        assert_eq!(stored.get(Slot::Name), b"null");
    }

    #[test]
    fn bytes_not_laid_out_as_rendered_are_refused() {
        let mut bytes = render(&Customer::default());
        assert!(Stored::read(&bytes[..HEADER - 1]).is_none());
        bytes.push(b' ');
        assert!(Stored::read(&bytes).is_none());
        let mut backwards = render(&Customer::default());
        backwards[0..4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(Stored::read(&backwards).is_none());
    }
}
