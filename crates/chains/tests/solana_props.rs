#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Property tests for the Solana decoder and preview: no panic on arbitrary
//! bytes or on mutations of valid transactions; anything accepted re-encodes
//! to the same bytes; `solana-message`'s encoding of random legacy and v0
//! messages decodes to the same message; builder → preview round trips, the
//! fee formula, and transfer effects that are the transfers.

use accord_chains::solana::fee::{ComputeBudget, priority_fee};
use accord_chains::solana::programs::{TOKEN_2022_PROGRAM, TOKEN_PROGRAM};
use accord_chains::solana::{Hash, Pubkey, SplTransfer, UnsignedTx, preview, wire};
use accord_chains::{Effect, Transfer};
use alloy_primitives::U256;
use proptest::prelude::*;
use solana_message::compiled_instruction::CompiledInstruction;
use solana_message::v0::{self, MessageAddressTableLookup};
use solana_message::{MessageHeader, VersionedMessage, legacy};

fn pubkey() -> impl Strategy<Value = Pubkey> {
    any::<[u8; 32]>().prop_map(Pubkey::new_from_array)
}

fn budget() -> impl Strategy<Value = Option<ComputeBudget>> {
    proptest::option::of(
        (1u32..=1_400_000, any::<u64>()).prop_map(|(unit_limit, price)| ComputeBudget {
            unit_limit,
            micro_lamports_per_unit: price,
        }),
    )
}

/// A valid transaction from our builders, as message or wire bytes.
fn valid_tx() -> impl Strategy<Value = Vec<u8>> {
    let sol = (pubkey(), pubkey(), 1u64.., budget()).prop_map(|(from, to, lamports, b)| {
        UnsignedTx::sol_transfer(&from, &to, lamports, Hash::new_from_array([3; 32]), b).unwrap()
    });
    let spl = (
        pubkey(),
        pubkey(),
        pubkey(),
        1u64..,
        any::<u8>(),
        any::<bool>(),
        any::<bool>(),
        budget(),
    )
        .prop_map(|(owner, mint, to, amount, decimals, t22, create, b)| {
            let transfer = SplTransfer {
                owner,
                mint,
                decimals,
                to_wallet: to,
                amount,
                token_program: if t22 {
                    TOKEN_2022_PROGRAM
                } else {
                    TOKEN_PROGRAM
                },
                create_recipient_account: create,
            };
            UnsignedTx::spl_transfer_checked(&transfer, Hash::new_from_array([4; 32]), b).unwrap()
        });
    (prop_oneof![sol, spl], any::<bool>()).prop_map(|(tx, as_wire)| {
        if as_wire {
            tx.wire_bytes()
        } else {
            tx.message_bytes().to_vec()
        }
    })
}

#[derive(Clone, Debug)]
enum Mutation {
    Flip(usize, u8),
    Set(usize, u8),
    Truncate(usize),
    Insert(usize, u8),
    Delete(usize),
    Splice(usize, Vec<u8>),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1u8..).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<usize>().prop_map(Mutation::Delete),
        (
            any::<usize>(),
            proptest::collection::vec(any::<u8>(), 0..40)
        )
            .prop_map(|(i, b)| Mutation::Splice(i, b)),
    ]
}

fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let n = bytes.len().max(1);
        match m {
            Mutation::Flip(i, b) => {
                if let Some(x) = bytes.get_mut(i % n) {
                    *x ^= b;
                }
            }
            Mutation::Set(i, b) => {
                if let Some(x) = bytes.get_mut(i % n) {
                    *x = *b;
                }
            }
            Mutation::Truncate(i) => bytes.truncate(i % n),
            Mutation::Insert(i, b) => bytes.insert(i % (bytes.len() + 1), *b),
            Mutation::Delete(i) => {
                if !bytes.is_empty() {
                    bytes.remove(i % n);
                }
            }
            Mutation::Splice(i, b) => {
                let at = i % (bytes.len() + 1);
                let end = (at + b.len()).min(bytes.len());
                bytes.splice(at..end, b.iter().copied());
            }
        }
    }
    bytes
}

/// Whatever decodes re-encodes to itself, and previewing it does not panic;
/// a preview's transfer effects are its transfers.
fn check(bytes: &[u8], wallet: &Pubkey) -> Result<(), TestCaseError> {
    if let Ok(tx) = UnsignedTx::decode(bytes) {
        let again = if bytes.len() == tx.message_bytes().len() {
            tx.message_bytes().to_vec()
        } else {
            tx.wire_bytes()
        };
        prop_assert_eq!(&again[..], bytes);
        prop_assert_eq!(UnsignedTx::decode(&tx.wire_bytes()).unwrap(), tx.clone());
        prop_assert_eq!(tx.message().serialize(), tx.message_bytes());
    }
    for p in [
        preview(bytes, "mainnet", Some(wallet)),
        preview(bytes, "devnet", None),
    ]
    .into_iter()
    .flatten()
    {
        // The transfer effects are the transfers.
        let effects: Vec<&Transfer> = p.effects.iter().filter_map(Effect::transfer).collect();
        prop_assert_eq!(effects, p.transfers.iter().collect::<Vec<_>>());
    }
    Ok(())
}

/// A random message that `solana-message` accepts (sanitized), legacy or v0.
fn library_message() -> impl Strategy<Value = VersionedMessage> {
    let keys = proptest::collection::vec(pubkey(), 2..12);
    (
        keys,
        any::<[u8; 32]>(),
        any::<bool>(),
        1u8..4,
        0u8..3,
        0u8..3,
    )
        .prop_flat_map(|(keys, hash, v0, signers, ro_signed, ro_unsigned)| {
            let n = keys.len() as u8;
            let ix = (
                1..n,
                proptest::collection::vec(0..n + 3, 0..6),
                proptest::collection::vec(any::<u8>(), 0..40),
            )
                .prop_map(|(program_id_index, accounts, data)| CompiledInstruction {
                    program_id_index,
                    accounts,
                    data,
                });
            let lookups = proptest::collection::vec(
                (
                    pubkey(),
                    proptest::collection::vec(any::<u8>(), 0..3),
                    proptest::collection::vec(any::<u8>(), 0..3),
                )
                    .prop_map(
                        |(account_key, writable_indexes, readonly_indexes)| {
                            MessageAddressTableLookup {
                                account_key,
                                writable_indexes,
                                readonly_indexes,
                            }
                        },
                    ),
                0..3,
            );
            (proptest::collection::vec(ix, 0..5), lookups).prop_map(
                move |(instructions, lookups)| {
                    let header = MessageHeader {
                        num_required_signatures: signers,
                        num_readonly_signed_accounts: ro_signed,
                        num_readonly_unsigned_accounts: ro_unsigned,
                    };
                    let recent_blockhash = Hash::new_from_array(hash);
                    if v0 {
                        VersionedMessage::V0(v0::Message {
                            header,
                            account_keys: keys.clone(),
                            recent_blockhash,
                            instructions,
                            address_table_lookups: lookups,
                        })
                    } else {
                        VersionedMessage::Legacy(legacy::Message {
                            header,
                            account_keys: keys.clone(),
                            recent_blockhash,
                            instructions,
                        })
                    }
                },
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..1300), w in pubkey()) {
        check(&bytes, &w)?;
    }

    #[test]
    fn mutated_transactions_never_panic(
        bytes in valid_tx(),
        mutations in proptest::collection::vec(mutation(), 1..4),
        w in pubkey(),
    ) {
        check(&mutate(bytes, &mutations), &w)?;
    }

    #[test]
    fn library_messages_decode_to_themselves(message in library_message(), w in pubkey()) {
        let bytes = message.serialize();
        match (message.sanitize(), wire::decode_message(&bytes)) {
            (Ok(()), Ok(decoded)) => prop_assert_eq!(decoded, message),
            (Err(_), Err(wire::DecodeError::Invalid(_))) => {}
            (s, d) => prop_assert!(false, "sanitize {:?} but decode {:?}", s, d),
        }
        check(&bytes, &w)?;
    }

    #[test]
    fn sol_transfer_preview_round_trip(from in pubkey(), to in pubkey(), lamports in 1u64.., b in budget()) {
        let tx = UnsignedTx::sol_transfer(&from, &to, lamports, Hash::new_from_array([1; 32]), b).unwrap();
        let p = preview(&tx.wire_bytes(), "mainnet", Some(&from)).unwrap();
        prop_assert_eq!(p.transfers.len(), 1);
        prop_assert_eq!(&p.transfers[0].to, &to.to_string());
        prop_assert_eq!(p.transfers[0].amount.units(), U256::from(lamports));
        let priority = b.map_or(0, |b| priority_fee(b.unit_limit, b.micro_lamports_per_unit));
        prop_assert_eq!(p.fee.units(), U256::from(5_000u64.saturating_add(priority)));
    }

    #[test]
    fn spl_transfer_preview_round_trip(
        owner in pubkey(), mint in pubkey(), to in pubkey(),
        amount in 1u64.., decimals in any::<u8>(), create in any::<bool>(),
    ) {
        let transfer = SplTransfer {
            owner, mint, decimals, to_wallet: to, amount,
            token_program: TOKEN_PROGRAM,
            create_recipient_account: create,
        };
        let tx = UnsignedTx::spl_transfer_checked(&transfer, Hash::new_from_array([1; 32]), None).unwrap();
        let p = preview(tx.message_bytes(), "mainnet", Some(&owner)).unwrap();
        // Creating the recipient's account: its rent goes first.
        prop_assert_eq!(p.transfers.len(), 1 + usize::from(create));
        let t = &p.transfers[usize::from(create)];
        prop_assert_eq!(t.amount.units(), U256::from(amount));
        prop_assert_eq!(t.amount.decimals(), decimals);
        if create {
            prop_assert_eq!(&t.to, &to.to_string());
        }
        prop_assert_eq!(p.fee.units(), U256::from(5_000u64));
    }
}
