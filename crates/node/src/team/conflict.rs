//! When two team proposals cannot both be signed: the same Ethereum
//! sender nonce on the same chain id (EIP-155), or a Bitcoin input spent
//! by both (BIP174 PSBTs). Once one of them is signed, the other is
//! superseded and never signed.

use std::collections::BTreeSet;

use accord_chains::ethereum::tx::UnsignedTx;

use super::TeamProposal;

/// What a proposal uses up that another cannot use again.
fn spends(p: &TeamProposal) -> BTreeSet<String> {
    match p.chain.as_str() {
        "ethereum" => UnsignedTx::decode(&p.unsigned)
            .map(|tx| {
                let f = tx.fields();
                BTreeSet::from([format!("nonce:{}:{}", f.chain_id, f.nonce)])
            })
            .unwrap_or_default(),
        "bitcoin" => bitcoin::Psbt::deserialize(&p.unsigned)
            .map(|psbt| {
                psbt.unsigned_tx
                    .input
                    .iter()
                    .map(|i| format!("input:{}", i.previous_output))
                    .collect()
            })
            .unwrap_or_default(),
        _ => BTreeSet::new(),
    }
}

/// Whether `a` and `b` (of one wallet) cannot both be signed.
pub fn conflicts(a: &TeamProposal, b: &TeamProposal) -> bool {
    a.wallet_id == b.wallet_id
        && a.chain == b.chain
        && a.id() != b.id()
        && !spends(a).is_disjoint(&spends(b))
}
