//! The unlocked app: the navigation (`#nav-*`, with the pending approvals
//! badge `#nav-approvals .count`, polled every 2 s) and the screens. Every
//! screen stays mounted (so a running send or key generation keeps its
//! progress when the user looks elsewhere) and is hidden unless chosen;
//! each reloads its data when it is shown.

use std::time::Duration;

use accord_desktop_api::{ApprovalView, ErrorCode, ProposalCard};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    app::AppStatus,
    error::Errors,
    ipc,
    screens::{
        activity::ActivityScreen, approvals::ApprovalsScreen, create::CreateScreen,
        devices::DevicesScreen, policy::PolicyScreen, send::SendScreen, settings::SettingsScreen,
        wallets::WalletsScreen,
    },
};

/// The screens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Screen {
    /// The wallets and their balances.
    Wallets,
    /// Create a wallet.
    Create,
    /// Send from a wallet.
    Send,
    /// Requests from other members.
    Approvals,
    /// The wallet's policy.
    Policy,
    /// Paired devices.
    Devices,
    /// The event log.
    Activity,
    /// Networks and endpoints.
    Settings,
}

impl Screen {
    /// Every screen, in the navigation's order.
    pub const ALL: [Screen; 8] = [
        Screen::Wallets,
        Screen::Create,
        Screen::Send,
        Screen::Approvals,
        Screen::Policy,
        Screen::Devices,
        Screen::Activity,
        Screen::Settings,
    ];

    /// Its name in ids (`nav-wallets`, `screen-wallets`).
    pub const fn slug(self) -> &'static str {
        match self {
            Screen::Wallets => "wallets",
            Screen::Create => "create",
            Screen::Send => "send",
            Screen::Approvals => "approvals",
            Screen::Policy => "policy",
            Screen::Devices => "devices",
            Screen::Activity => "activity",
            Screen::Settings => "settings",
        }
    }

    /// Its name for people.
    pub const fn title(self) -> &'static str {
        match self {
            Screen::Wallets => "Wallets",
            Screen::Create => "Create wallet",
            Screen::Send => "Send",
            Screen::Approvals => "Approvals",
            Screen::Policy => "Policy",
            Screen::Devices => "Devices",
            Screen::Activity => "Activity",
            Screen::Settings => "Settings",
        }
    }
}

/// Which screen is shown, and the pending approvals; shared through
/// context.
#[derive(Clone, Copy)]
pub struct Nav {
    /// The screen shown.
    pub screen: RwSignal<Screen>,
    /// The pending approvals, as last polled.
    pub approvals: RwSignal<Vec<ApprovalView>>,
    /// The team's proposals, as last polled.
    pub proposals: RwSignal<Vec<ProposalCard>>,
    errors: Errors,
    status: AppStatus,
}

impl Nav {
    /// The navigation (provided by [`Shell`]).
    pub fn get() -> Self {
        use_context::<Nav>().unwrap_or_else(|| Nav::new(Screen::Wallets))
    }

    fn new(screen: Screen) -> Self {
        Nav {
            screen: RwSignal::new(screen),
            approvals: RwSignal::new(Vec::new()),
            proposals: RwSignal::new(Vec::new()),
            errors: Errors::get(),
            status: AppStatus::get(),
        }
    }

    /// Whether `screen` is shown.
    pub fn shows(self, screen: Screen) -> Memo<bool> {
        Memo::new(move |_| self.screen.get() == screen)
    }

    /// Asks the backend for the pending approvals.
    pub fn poll_approvals(self) {
        let (errors, status) = (self.errors, self.status);
        spawn_local(async move {
            match ipc::approvals().await {
                Ok(list) => {
                    if self.approvals.with_untracked(|old| *old != list) {
                        self.approvals.set(list);
                    }
                }
                // Locked again: the lock screen takes over.
                Err(e) if e.is(ErrorCode::Locked) => status.refresh(),
                Err(e) => errors.report(e),
            }
            match ipc::proposals().await {
                Ok(list) => {
                    if self.proposals.with_untracked(|old| *old != list) {
                        self.proposals.set(list);
                    }
                }
                Err(e) if e.is(ErrorCode::Locked) => status.refresh(),
                Err(e) => errors.report(e),
            }
        });
    }

    /// How many requests and team proposals wait for the user.
    pub fn waiting(self) -> usize {
        self.approvals.with(Vec::len)
            + self
                .proposals
                .with(|p| p.iter().filter(|p| p.waiting).count())
    }
}

/// The navigation and the screens.
#[component]
pub fn Shell() -> impl IntoView {
    let status = AppStatus::get();
    let first = if status
        .0
        .with_untracked(|s| s.as_ref().is_some_and(|s| s.wallets == 0))
    {
        Screen::Create
    } else {
        Screen::Wallets
    };
    let nav = Nav::new(first);
    provide_context(nav);

    nav.poll_approvals();
    match set_interval_with_handle(move || nav.poll_approvals(), Duration::from_secs(2)) {
        Ok(handle) => on_cleanup(move || handle.clear()),
        Err(_) => Errors::get().invalid("Cannot start the approvals timer."),
    }

    let device = move || {
        status.0.with(|s| {
            s.as_ref()
                .map(|s| {
                    let name = s.device.as_ref().map_or("this device", |d| d.name.as_str());
                    format!("{name} · Accord {}", s.version)
                })
                .unwrap_or_default()
        })
    };
    let count = move || nav.waiting();

    view! {
        <div class="shell">
            <nav class="nav" aria-label="Screens">
                <p class="brand">"Accord"</p>
                {Screen::ALL
                    .into_iter()
                    .map(|screen| {
                        view! {
                            <button
                                type="button"
                                id=format!("nav-{}", screen.slug())
                                class="nav-button"
                                aria-current=move || (nav.screen.get() == screen).then_some("page")
                                on:click=move |_| {
                                    nav.errors.clear();
                                    nav.screen.set(screen);
                                }
                            >
                                {screen.title()}
                                {(screen == Screen::Approvals)
                                    .then(|| {
                                        view! {
                                            <span
                                                class="count"
                                                class:zero=move || count() == 0
                                                aria-label="pending"
                                            >
                                                {count}
                                            </span>
                                        }
                                    })}
                            </button>
                        }
                    })
                    .collect_view()}
                <p class="device-name">{device}</p>
            </nav>
            <main class="content">
                <WalletsScreen active=nav.shows(Screen::Wallets) />
                <CreateScreen active=nav.shows(Screen::Create) />
                <SendScreen active=nav.shows(Screen::Send) />
                <ApprovalsScreen active=nav.shows(Screen::Approvals) />
                <PolicyScreen active=nav.shows(Screen::Policy) />
                <DevicesScreen active=nav.shows(Screen::Devices) />
                <ActivityScreen active=nav.shows(Screen::Activity) />
                <SettingsScreen active=nav.shows(Screen::Settings) />
            </main>
        </div>
    }
}
