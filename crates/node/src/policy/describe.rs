//! A policy document in words, for people: "up to 0.5 ETH per transfer,
//! 1 ETH per 24 h, to anyone; larger or unknown recipients wait 48 h".

use accord_chains::ethereum::network::known_chain;
use accord_chains::{Amount, Chain};

use super::document::{AssetLimits, ChainRules, PolicyDocument, Recipients, parse_units};
use super::duration;

/// The native coin's symbol and decimals on `rules`' chain.
fn coin(rules: &ChainRules) -> (String, u8) {
    match rules.chain {
        Chain::Bitcoin => ("BTC".into(), 8),
        Chain::Solana => ("SOL".into(), 9),
        Chain::Ethereum => (
            rules
                .chain_id
                .and_then(known_chain)
                .map_or("ETH".into(), |c| c.symbol.to_owned()),
            18,
        ),
    }
}

fn amount(rules: &ChainRules, asset: &str, units: &str) -> String {
    let Some(u) = parse_units(units) else {
        return format!("{units:?}");
    };
    if asset == "native" {
        let (symbol, decimals) = coin(rules);
        format!("{} {symbol}", Amount::from_units(u, decimals))
    } else {
        format!("{u} base units of {asset}")
    }
}

/// The chain's name with its chain id.
pub fn chain_name(rules: &ChainRules) -> String {
    match rules.chain_id {
        Some(id) => match known_chain(id) {
            Some(c) => format!("{} {} (chain id {id})", rules.chain, c.name),
            None => format!("{} (chain id {id})", rules.chain),
        },
        None => rules.chain.to_string(),
    }
}

fn limits(rules: &ChainRules, a: &AssetLimits, delay: u64) -> String {
    let mut s = format!(
        "up to {} per transfer",
        amount(rules, &a.asset, &a.max_per_tx)
    );
    if let (Some(max), Some(window)) = (&a.max_per_window, a.window) {
        s.push_str(&format!(
            ", {} per {}",
            amount(rules, &a.asset, max),
            duration(window)
        ));
    }
    if let Some(over) = &a.delay_over {
        s.push_str(&format!(
            "; over {} waits {}",
            amount(rules, &a.asset, over),
            duration(delay)
        ));
    }
    s
}

/// One line per chain, then the book and the delays.
pub fn describe(doc: &PolicyDocument) -> Vec<String> {
    let mut out = Vec::new();
    for c in &doc.chains {
        let who = match c.recipients {
            Recipients::BookOnly => "only to the address book".to_owned(),
            Recipients::BookOrDelay => format!(
                "to the address book at once, to others after {}",
                duration(doc.delay)
            ),
            Recipients::Anyone => "to anyone".to_owned(),
        };
        let assets: Vec<String> = c
            .assets
            .iter()
            .map(|a| {
                let what = if a.asset == "native" {
                    coin(c).0
                } else {
                    a.asset.clone()
                };
                format!("{what}: {}", limits(c, a, doc.delay))
            })
            .collect();
        let tokens = if c.tokens {
            "tokens with limits"
        } else {
            "no tokens"
        };
        out.push(format!(
            "{}: {}; {who}; {tokens}",
            chain_name(c),
            if assets.is_empty() {
                "nothing may move".to_owned()
            } else {
                assets.join("; ")
            }
        ));
    }
    if doc.chains.is_empty() {
        out.push("nothing may be signed on any chain".into());
    }
    for e in &doc.address_book {
        out.push(format!(
            "address book: {} = {} ({})",
            e.name, e.address, e.chain
        ));
    }
    out.push(format!(
        "a loosening of this policy waits {}; replacing a device waits {}",
        duration(doc.delay),
        duration(doc.replace_delay)
    ));
    if !doc.required_approvers.is_empty() {
        out.push(format!(
            "must approve every transaction: {}",
            doc.required_approvers.join(", ")
        ));
    }
    out
}
