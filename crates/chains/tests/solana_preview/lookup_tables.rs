//! v0 messages: previewed when every account is static, refused when an
//! instruction takes an account from an address lookup table.

use super::*;

fn v0_transfer(to_index: u8, lookups: Vec<MessageAddressTableLookup>) -> Vec<u8> {
    let from = key(1);
    let mut data = 2u32.to_le_bytes().to_vec();
    data.extend_from_slice(&7u64.to_le_bytes());
    VersionedMessage::V0(v0::Message {
        header: MessageHeader {
            num_required_signatures: 1,
            num_readonly_signed_accounts: 0,
            num_readonly_unsigned_accounts: 1,
        },
        account_keys: vec![from, key(2), SYSTEM_PROGRAM],
        recent_blockhash: blockhash(),
        instructions: vec![CompiledInstruction {
            program_id_index: 2,
            accounts: vec![0, to_index],
            data,
        }],
        address_table_lookups: lookups,
    })
    .serialize()
}

fn lookup() -> MessageAddressTableLookup {
    MessageAddressTableLookup {
        account_key: key(9),
        writable_indexes: vec![4],
        readonly_indexes: vec![],
    }
}

#[test]
fn v0_with_static_accounts_is_previewed() {
    let p = preview(&v0_transfer(1, vec![]), "mainnet", Some(&key(1))).unwrap();
    assert_eq!(p.details["version"], "0");
    assert_eq!(p.transfers[0].to, key(2).to_string());
    // A lookup table listed but not used by any instruction: still nameable.
    let p = preview(&v0_transfer(1, vec![lookup()]), "mainnet", Some(&key(1))).unwrap();
    assert_eq!(p.details["address_table_lookups"], "1");
    assert_eq!(p.transfers[0].to, key(2).to_string());
}

#[test]
fn v0_recipient_from_a_lookup_table_is_refused() {
    // Account #3 is the first one loaded from the table.
    let err = preview(&v0_transfer(3, vec![lookup()]), "mainnet", None).unwrap_err();
    assert_eq!(
        err,
        PreviewError::LookupTableAccount {
            instruction: 0,
            index: 3
        }
    );
    assert!(err.to_string().contains("address lookup table"));
    // The transaction itself decodes: it is the preview that cannot name it.
    assert!(UnsignedTx::decode(&v0_transfer(3, vec![lookup()])).is_ok());
}
